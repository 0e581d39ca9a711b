"""The ingest pipeline's tasks: the data gate's three steps, their results, and the starter.

The data gate takes one request type, keyed on `step`: "object" (a single-file dataset), "part"
(one part of a multipart dataset, a Distributed Map item) and "reduce" (all parts -> one version).
"object" and "reduce" return a `DatasetVersion`; "part" returns a `PartResult`, which the
Distributed Map collects and hands back to "reduce" as `parts`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Discriminator, Field, RootModel, Tag

from lockgate.messages.base import StepModel

STEP_KEY = "step"


class SplitLocation(StepModel):
    """Where one split of a version lives, in both formats."""

    parquet: str
    xgboost: str  # Parquet, label first, numeric: what SageMaker's built-in XGBoost trains on


class DatasetVersion(StepModel):
    """A content-addressed dataset version (the "object" and "reduce" steps' result)."""

    dataset: str
    version: str
    new: bool  # False: these bytes already had a version; nothing new to announce
    manifest: str
    splits: dict[str, SplitLocation]


class PartResult(StepModel):
    """One part's verdict (the "part" step's result, one item of the Distributed Map's output)."""

    key: str
    skipped: bool  # True for objects under the batch prefix that are not part-* files
    passed: bool | None = None
    sha256: str | None = None


class _Step(StepModel):
    bucket: str = Field(min_length=3)
    dataset: str = Field(min_length=1)
    execution: str = ""


class ObjectStep(_Step):
    """Validate, version and split a single-file dataset in one streaming pass."""

    returns: ClassVar[type[StepModel]] = DatasetVersion
    step: Literal["object"] = "object"
    key: str = Field(min_length=1)
    version_id: str | None = None
    etag: str = ""
    size: int | None = Field(default=None, ge=0)


class PartStep(_Step):
    """Check one part of a multipart dataset; results are staged for "reduce"."""

    returns: ClassVar[type[StepModel]] = PartResult
    step: Literal["part"]
    key: str = Field(min_length=1)
    version_id: str | None = None
    etag: str = ""
    size: int | None = Field(default=None, ge=0)


class ReduceStep(_Step):
    """Merge all parts' results into one verdict and one version."""

    returns: ClassVar[type[StepModel]] = DatasetVersion
    step: Literal["reduce"]
    prefix: str = Field(min_length=1)
    parts: list[PartResult]


def _step_of(value: object) -> str:
    """The union's key: `step`, "object" when absent (hand-written events)."""
    if isinstance(value, dict):
        return str(value.get(STEP_KEY, "object"))
    return str(getattr(value, STEP_KEY, "object"))


DataGateStep = Annotated[
    Annotated[ObjectStep, Tag("object")]
    | Annotated[PartStep, Tag("part")]
    | Annotated[ReduceStep, Tag("reduce")],
    Discriminator(_step_of),
]


class DataGateRequest(RootModel[DataGateStep]):
    """The data gate's input: one of its three steps, chosen by `step`."""


# What makes two requests the same step of the same run (JMESPath over the request's JSON).
IDEMPOTENCY_KEY = "[step, bucket, key || prefix, version_id || etag, execution]"


class DataGateResult(RootModel[DatasetVersion | PartResult]):
    """The data gate's output: a version ("object", "reduce") or a part's verdict ("part")."""


class IngestInput(StepModel):
    """The ingest state machine's input: the uploaded object's identity, its key decoded once."""

    bucket: str
    key: str
    version_id: str | None
    etag: str
    size: int
    dataset: str
    kind: Literal["single_file", "multipart_done"]
    prefix: str  # multipart: the batch folder holding the parts ("" for a single file)


class IngestStart(StepModel):
    """The starter's idempotent unit: start execution `name` with `input`, once."""

    name: str
    input: IngestInput
    requestId: str  # noqa: N815 (which delivery asked first)


class StarterResult(StepModel):
    """What the starter did with one S3 'Object Created' event."""

    started: bool
    name: str | None = None  # the deterministic execution name
    executionArn: str | None = None  # noqa: N815 (the state machines' and CLI's spelling)
    startedBy: str | None = None  # noqa: N815
    reason: str | None = None  # why nothing started ("ignored")


class UnroutableNotice(StepModel):
    """The starter's message about an object under raw/ that names no dataset (told once per `name`)."""

    name: str  # deterministic per object version: the idempotency key
    subject: str
    body: str
    requestId: str  # noqa: N815
