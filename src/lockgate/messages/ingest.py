"""The ingest pipeline's tasks: the data gate's three steps, their results, and the starter.

The data gate takes one request type, keyed on `step`: "object" (a single-file dataset), "part"
(one part of a multipart dataset, a Distributed Map item) and "reduce" (all parts -> one version).
"object" and "reduce" return a `DatasetVersion`; "part" returns a `PartResult`, which the
Distributed Map collects and hands back to "reduce" as `parts`.

A new version is announced with `DatasetVersionCreated` (the EventBridge detail the ingest state
machine puts, and the train state machine's input); `StoredDatasetVersion` is a version as its
manifest describes it (a retrain starts from one). All three share `VersionFiles`, whose
`dataset_version` is the content hash (wire key "version", kept so existing events still read).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Discriminator, Field, RootModel, Tag, ValidationError

from lockgate.messages.base import StepModel

STEP_KEY = "step"
_S3 = r"^s3://[^/]+/.*"


class SplitLocation(StepModel):
    """Where one split of a version lives, in both formats."""

    parquet: str
    xgboost: str  # Parquet, label first, numeric: what SageMaker's built-in XGBoost trains on


class VersionFiles(StepModel):
    """A content-addressed dataset version: which one, and where its manifest and splits are."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    dataset: str = Field(min_length=1)
    dataset_version: str = Field(alias="version", min_length=1)  # the content hash
    manifest: str = Field(pattern=_S3)
    splits: dict[str, SplitLocation]


class DatasetVersion(VersionFiles):
    """The "object" and "reduce" steps' result."""

    new: bool  # False: these bytes already had a version; nothing new to announce


class DatasetSource(StepModel):
    """The raw upload a version was made from: an object, or a multipart batch under raw/<dataset>/."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    bucket: str = Field(min_length=3)
    key: str = Field(min_length=1)  # never the manifest: the raw key (a batch's marker or folder)
    version_id: str | None = Field(default=None, alias="versionId")


class DatasetVersionCreated(VersionFiles):
    """The detail of the `lockgate` "DatasetVersionCreated" event, and the train run's input.

    The ingest state machine puts it (AnnounceDatasetVersion); the EventBridge rule hands it to the
    train state machine unchanged (InputPath $.detail); a retrain starts the machine with one too."""

    DETAIL_TYPE: ClassVar[str] = "DatasetVersionCreated"

    source: DatasetSource
    execution: str = Field(min_length=1)  # who announced it: the ingest run's ARN, or `remediation:<run>`


def train_input(text: str | None) -> DatasetVersionCreated | None:
    """A train run's input (DescribeExecution's `input`), or None when it is not one."""
    try:
        return DatasetVersionCreated.model_validate_json(text or "{}")
    except ValidationError:
        return None


class StoredDatasetVersion(VersionFiles):
    """A version as its manifest.json describes it (the newest one is retrained on drift)."""

    source: DatasetSource
    created: str = ""  # ISO time the manifest was written

    def announced(self, execution: str) -> DatasetVersionCreated:
        """The train input that retrains this version (`execution`: who asked)."""
        fields = self.model_dump(by_alias=True, exclude={"created"})
        return DatasetVersionCreated.model_validate({**fields, "execution": execution})


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
