"""The built-in XGBoost algorithm as the twin runs it: hyperparameter rules, channel reading,
training and batch prediction. Runs inside a worker process (lockgate.local.sagemaker.worker),
never in moto's server threads.

Hyperparameters: SageMaker's built-in XGBoost validates its hyperparameters in the
sagemaker-xgboost-container repository, which is not on PyPI. The twin checks the documented
subset below (names, types, ranges, objectives) and fails the job with "AlgorithmError: ..." for
an unknown name or an invalid value, as the real container does. Anything outside the subset is
rejected offline even where AWS might accept it: the divergence table in docs/ says so.

Channels (training), as the container's data_utils reads them: `text/csv` (headerless, label
first) and `application/x-parquet` (the data gate's xgboost/ splits: `pq.read_table` of the
channel, then column 0 is the label and columns 1: the features, by position; column names are
ignored, every column must be numeric, a null is NaN). Missing CSV fields are NaN (XGBoost's
missing value), as in the container. Inference (batch transform) takes `text/csv` and
`text/libsvm` and `application/x-recordio-protobuf` only, never Parquet (serve_utils); the twin
predicts on CSV and rejects every other content type.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

MODEL_FILE = "xgboost-model"  # what the built-in algorithm saves inside model.tar.gz (1.3-1 and later)
CSV, PARQUET = "text/csv", "application/x-parquet"


class AlgorithmError(Exception):
    """The job fails with FailureReason "AlgorithmError: <message>"."""


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be >= 1")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be >= 0")
    return number


def _float_in(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    def parse(value: str) -> float:
        number = float(value)
        if not (low < number if low_open else low <= number) or number > high:
            bracket = "(" if low_open else "["
            raise ValueError(f"must be in {bracket}{low}, {high}]")
        return number

    return parse


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


OBJECTIVES = (
    "binary:logistic",
    "binary:logitraw",
    "binary:hinge",
    "reg:squarederror",
    "reg:logistic",
    "reg:absoluteerror",
    "count:poisson",
    "multi:softmax",
    "multi:softprob",
)
EVAL_METRICS = ("auc", "aucpr", "logloss", "error", "rmse", "mae", "mlogloss", "merror", "poisson-nloglik")
INF = float("inf")

# The documented subset the twin validates: name -> parser (raises ValueError on a bad value).
HYPERPARAMETERS: dict[str, Callable[[str], Any]] = {
    "num_round": _positive_int,
    "objective": _one_of(*OBJECTIVES),
    "eta": _float_in(0.0, 1.0),
    "max_depth": _non_negative_int,
    "min_child_weight": _float_in(0.0, INF),
    "subsample": _float_in(0.0, 1.0, low_open=True),
    "colsample_bytree": _float_in(0.0, 1.0, low_open=True),
    "gamma": _float_in(0.0, INF),
    "lambda": _float_in(0.0, INF),
    "alpha": _float_in(0.0, INF),
    "max_delta_step": _float_in(0.0, INF),
    "scale_pos_weight": _float_in(0.0, INF, low_open=True),
    "base_score": _float_in(-INF, INF),
    "num_class": _positive_int,
    "seed": int,
    "tree_method": _one_of("auto", "exact", "approx", "hist"),
    "eval_metric": lambda value: [_one_of(*EVAL_METRICS)(v) for v in value.split(",")],
    "early_stopping_rounds": _positive_int,
}


@dataclass(frozen=True)
class TrainingParams:
    """Validated hyperparameters: XGBoost's params, the number of rounds, early stopping."""

    params: dict[str, Any]
    num_round: int
    early_stopping_rounds: int | None


def validate_hyperparameters(raw: dict[str, str]) -> TrainingParams:
    """The job's HyperParameters (all strings, as the API sends them) -> XGBoost parameters.
    Raises AlgorithmError naming the first unknown or invalid hyperparameter."""
    unknown = sorted(set(raw) - set(HYPERPARAMETERS))
    if unknown:
        raise AlgorithmError(f"Hyperparameter {unknown[0]!r} is not supported (unknown hyperparameter)")
    if "num_round" not in raw:
        raise AlgorithmError("Hyperparameter 'num_round' is required")
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            parsed[name] = HYPERPARAMETERS[name](str(value))
        except ValueError as error:
            raise AlgorithmError(f"Hyperparameter {name!r}: invalid value {value!r}: {error}") from error
    if str(parsed.get("objective", "")).startswith("multi:") and "num_class" not in parsed:
        raise AlgorithmError("Hyperparameter 'num_class' is required for multi-class objectives")
    num_round = parsed.pop("num_round")
    early = parsed.pop("early_stopping_rounds", None)
    parsed.setdefault("objective", "reg:squarederror")  # the container's default
    parsed["nthread"] = 1  # 2 shared cores: nthread=2 measured about 10x slower
    return TrainingParams(parsed, num_round, early)


def check_labels(labels: np.ndarray, objective: str, channel: str) -> None:
    """The container's label checks: binary and logistic objectives need labels in [0, 1]."""
    if objective.startswith("binary:") or objective == "reg:logistic":
        bad = int(np.count_nonzero((labels < 0) | (labels > 1)))
        if bad:
            raise AlgorithmError(
                f"channel {channel!r}: {bad} label(s) outside [0, 1], which objective {objective} requires"
            )


INFERENCE_CONTENT_TYPES = (CSV,)  # AWS also takes text/libsvm and recordio-protobuf; not Parquet


def media_type(content_type: str) -> str:
    """The media type of a ContentType, without parameters: text/csv;label_size=1 -> text/csv."""
    return content_type.split(";", maxsplit=1)[0].strip().lower()


def _numeric(table: pa.Table) -> pa.Table:
    """The container casts a Parquet channel to one numeric matrix: any other column fails the job."""
    for position, column in enumerate(table.schema):
        kind = column.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
            raise AlgorithmError(
                "Failed to load parquet data with exception: column "
                f"{position} ({column.name!r}) is {kind}, not numeric"
            )
    return table


def read_table(body: bytes, content_type: str) -> np.ndarray:
    """One channel file as a float32 matrix (headerless CSV or Parquet; empty fields are NaN)."""
    if media_type(content_type) == PARQUET:
        table = _numeric(pq.ParquetFile(pa.BufferReader(body)).read())  # not read_table: no pyarrow.dataset
    else:
        options = pacsv.ReadOptions(autogenerate_column_names=True)
        table = pacsv.read_csv(pa.BufferReader(body), read_options=options)
    if table.num_rows == 0:
        return np.empty((0, table.num_columns), dtype=np.float32)
    columns = [np.asarray(c.cast(pa.float32()).to_numpy(zero_copy_only=False)) for c in table.columns]
    return np.column_stack(columns).astype(np.float32, copy=False)


def model_tarball(booster_raw: bytes) -> bytes:
    """model.tar.gz holding `xgboost-model`, as the built-in algorithm writes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size = len(booster_raw)
        tar.addfile(info, io.BytesIO(booster_raw))
    return buffer.getvalue()


def booster_bytes(tarball: bytes) -> bytes:
    """The `xgboost-model` file inside a model.tar.gz."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        member = tar.extractfile(MODEL_FILE)
        if member is None:
            raise AlgorithmError(f"model.tar.gz holds no {MODEL_FILE}")
        return member.read()
