"""The encoder artifact of a dataset version: what turns raw records into the model's input.

Written once per training run by the plan step (`lockgate.pipeline.train_plan`) beside the model
(`<model output path>/encoder/model.tar.gz`) and referenced by the model package, whose
InferenceSpecification is an inference pipeline (`package_containers`): the encoder in the
SageMaker scikit-learn container, the built-in XGBoost container, the encoder again to shape the
answer. The artifact holds:
- `encoder.json`: the spec, derived by the data gate's own code (`splitting.feature_names`, the
  contract the split used): columns in contract order with their role, the feature names in the
  training matrix's order, the label's positive and negative values and the decision threshold;
- `lockgate_encoder.py`: `lockgate/serving/encoder.py`, the bytes of the installed module (the
  twin loads and runs this copy, as the container does);
- `lockgate_encoder_table.py`: `lockgate/serving/encoder_table.py`, its vectorised path (the
  offline batch transform loads and runs this copy; the container does not use it).
The bytes are deterministic (fixed mtimes, gzip without a timestamp): the same contract and code
give the same artifact.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from lockgate.messages.batch import ModelContainer
from lockgate.sagemaker_ports import Container

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import ModelPackageContainerDefinitionTypeDef

    from lockgate.data.contract import Contract
    from lockgate.serving.encoder_spec import ColumnSpec, EncoderSpec

SCRIPT = "lockgate_encoder.py"  # SAGEMAKER_PROGRAM
TABLE_SCRIPT = "lockgate_encoder_table.py"  # beside it: the vectorised path
# Names the shipped script (lockgate.serving.encoder, self-contained in its container) owns; repeated
# here so that registering and deploying a package does not load numpy with it (tests/unit/serving
# checks that both agree).
SPEC_FILE = "encoder.json"
STAGE_ENV = "LOCKGATE_STAGE"
# What each container answers when the request reaching it has no Accept (or `*/*`): the serving
# toolkits read this variable and otherwise default to application/json (the scikit-learn
# container's toolkit) -- docs/raw-records.md, "Accept in a pipeline".
DEFAULT_ACCEPT_ENV = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"
ARTIFACT = "encoder/model.tar.gz"  # under the run's model output path
FORMAT = 1


def spec(contract: Contract, *, dataset: str, version: str) -> EncoderSpec:
    """The encoder spec of a contract (see the module docstring)."""
    from lockgate.data.splitting import feature_names  # pyarrow: only where a spec is built

    features = set()
    for name in feature_names(contract):
        features.add(name.split("=", 1)[0])
    columns: list[ColumnSpec] = []
    role: Literal["label", "feature", "ignored"]
    for col in contract.columns:
        if col.name == contract.label.column:
            role = "label"
        elif col.name in features:
            role = "feature"
        else:
            role = "ignored"  # key columns, string columns without `allowed`
        entry: ColumnSpec = {"name": col.name, "type": col.type, "nullable": col.nullable, "role": role}
        if col.type == "string" and col.allowed is not None and role == "feature":
            entry["allowed"] = list(col.allowed)
        columns.append(entry)
    label = contract.label
    label_col = contract.column(label.column)
    if label.positive_values is not None:
        positive = str(label.positive_values[0]) if len(label.positive_values) == 1 else "positive"
        rest = [v for v in (label_col.allowed or []) if v not in label.positive_values]
        negative = str(rest[0]) if len(rest) == 1 else f"not {positive}"
    else:
        positive, negative = "1", "0"
    return {
        "format": FORMAT,
        "dataset": dataset,
        "version": version,
        "contract": contract.sha256(),
        "columns": columns,
        "keys": list(contract.keys),
        "features": feature_names(contract),
        "label": {
            "column": label.column,
            "positive": positive,
            "negative": negative,
            "threshold": contract.evaluation.decision_threshold,
        },
    }


def script_source() -> bytes:
    """The encoder module's bytes, as installed."""
    from lockgate.serving import encoder

    return Path(encoder.__file__).read_bytes()


def table_script_source() -> bytes:
    """The encoder's vectorised path's bytes, as installed."""
    from lockgate.serving import encoder_table

    return Path(encoder_table.__file__).read_bytes()


def tarball(spec_: EncoderSpec) -> bytes:
    """model.tar.gz holding encoder.json and the two scripts (deterministic bytes)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, body in (
            (SPEC_FILE, json.dumps(spec_, indent=1, sort_keys=True).encode()),
            (SCRIPT, script_source()),
            (TABLE_SCRIPT, table_script_source()),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(body), 0, 0o644
            tar.addfile(info, io.BytesIO(body))
    return gzip.compress(raw.getvalue(), mtime=0)


def read_tarball(body: bytes) -> tuple[EncoderSpec, bytes]:
    """(spec, script bytes) of an encoder artifact."""
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        files = {}
        for name in (SPEC_FILE, SCRIPT):
            member = tar.extractfile(name)
            if member is None:
                raise ValueError(f"the encoder artifact holds no {name}")
            files[name] = member.read()
    return cast("EncoderSpec", json.loads(files[SPEC_FILE])), files[SCRIPT]  # encoder.json as written


def artifact_uri(model_output_path: str) -> str:
    """Where a run's encoder artifact is: beside its training job's output."""
    return f"{model_output_path.rstrip('/')}/{ARTIFACT}"


def encoder_environment(artifact: str, stage: str) -> dict[str, str]:
    """The scikit-learn container's environment for one stage of the pipeline."""
    return {
        "SAGEMAKER_PROGRAM": SCRIPT,
        "SAGEMAKER_SUBMIT_DIRECTORY": artifact,
        STAGE_ENV: stage,
        DEFAULT_ACCEPT_ENV: "text/csv",
    }


def package_containers(
    encoder_artifact: str, encoder_image: str, xgboost_image: str, model_data_url: str
) -> list[ModelPackageContainerDefinitionTypeDef]:
    """The inference pipeline of a model package: encode -> XGBoost -> decode. Every container
    answers text/csv when the request reaching it names no Accept: the intermediate formats (the
    feature matrix, XGBoost's scores) and the caller's default answer do not depend on whether
    SageMaker forwards the caller's Accept to each container."""
    return [
        {
            "Image": encoder_image,
            "ModelDataUrl": encoder_artifact,
            "Environment": encoder_environment(encoder_artifact, "encode"),
        },
        {
            "Image": xgboost_image,
            "ModelDataUrl": model_data_url,
            "Environment": {DEFAULT_ACCEPT_ENV: "text/csv"},
        },
        {
            "Image": encoder_image,
            "ModelDataUrl": encoder_artifact,
            "Environment": encoder_environment(encoder_artifact, "decode"),
        },
    ]


def model_containers(containers: Sequence[Container]) -> list[ModelContainer]:
    """CreateModel's `Containers` for a package's inference pipeline (what a model definition
    takes of each registered container; empty fields left out)."""
    made: list[ModelContainer] = []
    for container in containers:
        one: ModelContainer = {}
        if container.image:
            one["Image"] = container.image
        if container.model_data_url:
            one["ModelDataUrl"] = container.model_data_url
        if container.environment:
            one["Environment"] = dict(container.environment)
        made.append(one)
    return made
