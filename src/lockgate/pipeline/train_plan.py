"""Plan a training run from the dataset contract, so the state machine stays declarative:
deterministic job names from the dataset version (the same DatasetVersionCreated twice gives
the same names: one run, one package), the CreateTrainingJob / CreateHyperParameterTuningJob /
CreateTransformJob fields the contract decides, and the test split as the batch transform reads
it: a features-only headerless CSV plus the labels, one per line (written once, beside the model).

The training channels are the version's xgboost/ splits as the data gate wrote them: Parquet
(`application/x-parquet`, which the built-in XGBoost trains on), or the headerless CSV
(`text/csv`) of versions written before the Parquet layout; the content type is decided from the
objects under the prefix, so the channel never names a format the files are not in. Batch
transform takes no Parquet (the XGBoost inference container reads text/csv, text/libsvm and
recordio-protobuf), so the test split's CSV is written here, for training runs only.

Layout in the artifact bucket, under models/<dataset>/<version>/:
  <training job>/output/model.tar.gz   what SageMaker writes (S3OutputPath = this prefix)
  encoder/model.tar.gz                 the encoder that travels with the model (lockgate.serving)
  test/features.csv, test/labels.csv   the transform's input and the evaluation's labels
  test/records.csv                     the same rows raw (contract order, no label, no header):
                                       what the smoke test and the demo's traffic send
  transform/features.csv.out           the transform's predictions

A deliberate retrain (an execution named retrain-..., lockgate.names.retrain_name) claims
`train#<dataset>#<version>#<retrain name>`, its job names end in a hash of that name, and its
artifacts go under models/<dataset>/<version>/<retrain name>/: the first run's stay as they were.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol, TypedDict

from lockgate.data.contract import Contract, HyperparameterValue, Tuning
from lockgate.data.xgboost_files import XGBOOST_CONTENT_TYPE, XGBOOST_SUFFIX, read_xgboost, xgboost_csv
from lockgate.errors import InputRejected
from lockgate.messages.base import JsonObject
from lockgate.messages.train import (
    PlanTrainingInput,
    PlanTrainingOutput,
    TrainingJobRequest,
    TransformJobRequest,
    TuningJobRequest,
)
from lockgate.names import retrain_of, split_uri
from lockgate.pipeline.ports import ObjectStore
from lockgate.serving import artifact

CSV = "text/csv"


class RunClaims(Protocol):
    """Claims a dataset version for one train execution (atomic, first writer wins)."""

    def claim(self, key: str, execution: str) -> str:
        """Record `execution` for `key` unless one is recorded; return the recorded execution."""
        ...


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"


def _retrain_tag(retrain: str) -> str:
    return "r" + hashlib.sha256(retrain.encode()).hexdigest()[:8]


def job_name(dataset: str, version: str, retrain: str | None = None) -> str:
    """The training (and transform, model) job name of a version (of a retrain of it): <= 63
    chars, SageMaker's pattern."""
    if retrain:
        return f"lg-{_slug(dataset)[:36]}-{_slug(version)[:12]}-{_retrain_tag(retrain)}"
    return f"lg-{_slug(dataset)[:36]}-{_slug(version)[:16]}"


def tuning_job_name(dataset: str, version: str, retrain: str | None = None) -> str:
    """A tuning job name (<= 32 chars): children are named <it>-NNN-xxxxxxxx."""
    if retrain:
        return f"{_slug(dataset)[:10]}-{_slug(version)[:10]}-{_retrain_tag(retrain)}"
    return f"{_slug(dataset)[:14]}-{_slug(version)[:16]}".strip("-")


def hyperparameters(values: dict[str, HyperparameterValue]) -> dict[str, str]:
    """The API takes every hyperparameter as a string (booleans lower-case)."""
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in values.items()}


class CategoricalRange(TypedDict):
    Name: str
    Values: list[str]


class NumericRange(TypedDict):
    """An integer or continuous parameter range (the API takes the bounds as strings)."""

    Name: str
    MinValue: str
    MaxValue: str
    ScalingType: str


class ParameterRanges(TypedDict):
    IntegerParameterRanges: list[NumericRange]
    ContinuousParameterRanges: list[NumericRange]
    CategoricalParameterRanges: list[CategoricalRange]


def tuning_config(tuning: Tuning) -> JsonObject:
    """HyperParameterTuningJobConfig from the contract's tuning block: the API's request block,
    carried as JSON by `messages.train.TuningJobRequest` through the state machine to SageMaker."""
    ranges: ParameterRanges = {
        "IntegerParameterRanges": [],
        "ContinuousParameterRanges": [],
        "CategoricalParameterRanges": [],
    }
    for name, spec in sorted(tuning.ranges.items()):
        if spec.type == "categorical":
            ranges["CategoricalParameterRanges"].append({"Name": name, "Values": list(spec.values or [])})
        elif spec.type == "integer":
            ranges["IntegerParameterRanges"].append(
                {
                    "Name": name,
                    "MinValue": str(int(spec.min or 0)),
                    "MaxValue": str(int(spec.max or 0)),
                    "ScalingType": spec.scaling,
                }
            )
        else:
            ranges["ContinuousParameterRanges"].append(
                {
                    "Name": name,
                    "MinValue": f"{spec.min:g}",
                    "MaxValue": f"{spec.max:g}",
                    "ScalingType": spec.scaling,
                }
            )
    return {
        "Strategy": tuning.strategy,
        "HyperParameterTuningJobObjective": {
            "Type": tuning.objective.type,
            "MetricName": tuning.objective.metric,
        },
        "ResourceLimits": {
            "MaxNumberOfTrainingJobs": tuning.max_jobs,
            "MaxParallelTrainingJobs": tuning.max_parallel_jobs,
        },
        "ParameterRanges": {k: v for k, v in ranges.items() if v},  # an empty kind is left out
        "TrainingJobEarlyStoppingType": "Off",
    }


def split_test_csv(body: bytes) -> tuple[bytes, bytes, int]:
    """A headerless label-first CSV -> (features-only CSV, labels one per line, rows)."""
    features: list[bytes] = []
    labels: list[bytes] = []
    for line in body.splitlines():
        if not line:
            continue
        label, _, rest = line.partition(b",")
        labels.append(label)
        features.append(rest)
    return _lines(features), _lines(labels), len(labels)


def _lines(rows: list[bytes]) -> bytes:
    return b"\n".join(rows) + b"\n" if rows else b""


def plan(
    request: PlanTrainingInput,
    contract: Contract,
    store: ObjectStore,
    claims: RunClaims,
    artifact_bucket: str,
) -> PlanTrainingOutput:
    """The run's plan; writes the test features and labels once (the first execution only)."""
    dataset, version = request.dataset, request.version
    retrain = retrain_of(request.execution)
    claim_key = f"train#{dataset}#{version}" + (f"#{retrain}" if retrain else "")
    first = claims.claim(claim_key, request.execution)
    name = job_name(dataset, version, retrain)
    prefix = f"models/{dataset}/{version}" + (f"/{retrain}" if retrain else "")
    output_path = f"s3://{artifact_bucket}/{prefix}"
    features_uri = f"{output_path}/test/features.csv"
    labels_uri = f"{output_path}/test/labels.csv"
    records_uri = f"{output_path}/test/records.csv"
    encoder_uri = artifact.artifact_uri(output_path)
    try:
        xgb_train = request.splits["train"]["xgboost"]
        xgb_validation = request.splits["validation"]["xgboost"]
        xgb_test = request.splits["test"]["xgboost"]
        parquet_test = request.splits["test"]["parquet"]
    except KeyError as missing:
        raise InputRejected(
            "splits", "train/validation/test xgboost+parquet locations", 1, f"missing {missing}"
        ) from None
    duplicate = first != request.execution
    if not duplicate:
        _write_test_copies(store, xgb_test, artifact_bucket, f"{prefix}/test/")
        _write_test_records(store, parquet_test, contract, artifact_bucket, f"{prefix}/test/records.csv")
        spec = artifact.spec(contract, dataset=dataset, version=version)
        store.put(
            artifact_bucket, f"{prefix}/{artifact.ARTIFACT}", artifact.tarball(spec), "application/gzip"
        )
    training = contract.training
    channels = [
        {
            "ChannelName": channel,
            "ContentType": split_content_type(store, uri),
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": uri,
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }
        for channel, uri in (("train", xgb_train), ("validation", xgb_validation))
    ]
    resources = {
        "InstanceType": training.instance_type,
        "InstanceCount": training.instance_count,
        "VolumeSizeInGB": training.volume_size_gb,
    }
    static = hyperparameters(training.hyperparameters)
    tuning_job = None
    if training.tuning is not None:
        static = {k: v for k, v in static.items() if k not in training.tuning.ranges}
        tuning_job = TuningJobRequest(
            HyperParameterTuningJobName=tuning_job_name(dataset, version, retrain),
            HyperParameterTuningJobConfig=tuning_config(training.tuning),
            StaticHyperParameters=static,
        )
    return PlanTrainingOutput(
        duplicate=duplicate,
        first_execution=first,
        tuning=tuning_job is not None,
        training=TrainingJobRequest(
            TrainingJobName=name,
            HyperParameters=static,
            InputDataConfig=channels,
            OutputDataConfig={"S3OutputPath": output_path},
            ResourceConfig=resources,
            StoppingCondition={"MaxRuntimeInSeconds": training.max_runtime_seconds},
        ),
        tuning_job=tuning_job,
        transform=TransformJobRequest(
            ModelName=name,
            TransformJobName=name,
            TransformInput={
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": features_uri}},
                "ContentType": CSV,
                "SplitType": "Line",
            },
            TransformOutput={"S3OutputPath": f"{output_path}/transform", "AssembleWith": "Line"},
            TransformResources={"InstanceType": training.transform_instance_type, "InstanceCount": 1},
        ),
        model_output_path=output_path,
        test_features=features_uri,
        test_labels=labels_uri,
        test_data=parquet_test,
        test_records=records_uri,
        encoder=encoder_uri,
        predictions=f"{output_path}/transform/features.csv.out",
        threshold=contract.evaluation.decision_threshold,
        run=retrain or "",
    )


def _split_keys(store: ObjectStore, prefix_uri: str) -> tuple[str, list[str]]:
    bucket, prefix = split_uri(prefix_uri)
    keys = [k for k in store.list_keys(bucket, prefix) if k.endswith((XGBOOST_SUFFIX, ".csv"))]
    if not keys:
        raise InputRejected(prefix_uri, "has_split_files", 0, "no .parquet or .csv objects under this prefix")
    return bucket, keys


def split_content_type(store: ObjectStore, prefix_uri: str) -> str:
    """The ContentType of an xgboost/ split as written: Parquet, or CSV (versions before Parquet)."""
    _, keys = _split_keys(store, prefix_uri)
    if all(k.endswith(".csv") for k in keys):
        return CSV
    if any(k.endswith(".csv") for k in keys):
        raise InputRejected(prefix_uri, "one_split_format", len(keys), "both .parquet and .csv objects")
    return XGBOOST_CONTENT_TYPE


def _write_test_copies(store: ObjectStore, test_prefix_uri: str, bucket: str, prefix: str) -> None:
    source_bucket, keys = _split_keys(store, test_prefix_uri)
    features, labels = bytearray(), bytearray()
    for key in keys:  # part order = the Parquet split's part order (post-training bias aligns rows)
        body = store.read(source_bucket, key)
        if key.endswith(".csv"):
            part_features, part_labels, _ = split_test_csv(body)
        else:
            table = read_xgboost(body, key)
            part_features = xgboost_csv(table, label=False)
            part_labels = xgboost_csv(table.select([0]), label=True)
        features += part_features
        labels += part_labels
    store.put(bucket, f"{prefix}features.csv", bytes(features), CSV)
    store.put(bucket, f"{prefix}labels.csv", bytes(labels), CSV)


def _write_test_records(
    store: ObjectStore, parquet_prefix_uri: str, contract: Contract, bucket: str, key: str
) -> None:
    """The test split's raw records (headerless CSV, contract order, label left out), in the
    features copy's row order (the same part order)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    source_bucket, prefix = split_uri(parquet_prefix_uri)
    keys = [k for k in store.list_keys(source_bucket, prefix) if k.endswith(XGBOOST_SUFFIX)]
    columns = [c.name for c in contract.columns if c.name != contract.label.column]
    sink = pa.BufferOutputStream()
    for part in keys:
        table = pq.read_table(pa.BufferReader(store.read(source_bucket, part))).select(columns)
        if table.num_rows:
            pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    store.put(bucket, key, sink.getvalue().to_pybytes(), CSV)
