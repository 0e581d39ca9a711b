"""What runs inside a job's worker process: a training job or a batch transform, end to end,
reading and writing the local S3 through its endpoint like a SageMaker instance would.

`main` is the process entry: it sends one `(status, payload)` tuple back through the pipe,
status "Completed" (payload: the result) or the failure class "AlgorithmError"/"ClientError"
(payload: the message that becomes FailureReason).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import boto3
import numpy as np

from lockgate.errors import InputRejected
from lockgate.local.sagemaker.algorithm import (
    CSV,
    INFERENCE_CONTENT_TYPES,
    AlgorithmError,
    booster_bytes,
    check_labels,
    media_type,
    model_tarball,
    read_table,
    validate_hyperparameters,
)
from lockgate.names import split_location


class ClientError(Exception):
    """The job's input is missing or unreadable (SageMaker's "ClientError: ..." failures)."""


@dataclass(frozen=True)
class Channel:
    """One input channel: every object under an S3 prefix (or one object)."""

    name: str
    uri: str
    content_type: str = CSV


@dataclass(frozen=True)
class TrainingSpec:
    """What the worker needs to run one training job."""

    endpoint_url: str
    region: str
    hyperparameters: dict[str, str]
    channels: list[Channel]
    model_uri: str  # s3://.../<job>/output/model.tar.gz


@dataclass(frozen=True)
class TransformSpec:
    """What the worker needs to run one batch transform."""

    endpoint_url: str
    region: str
    model_data_url: str
    input_uri: str
    output_path: str
    content_type: str = CSV
    input_filter: str | None = None  # "$[1:]": drop the first column (the label) before predicting
    extra: dict[str, Any] = field(default_factory=dict)
    encoder_url: str | None = None  # an inference pipeline's encoder artifact (raw records in)


def _split(uri: str) -> tuple[str, str]:
    try:
        return split_location(uri)
    except InputRejected as error:
        raise ClientError(f"not an S3 URI: {uri}") from error


@functools.cache
def _s3(endpoint_url: str, region: str) -> Any:
    """One S3 client per endpoint for the worker's life (a warm worker runs job after job)."""
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


def _objects(s3: Any, uri: str) -> list[tuple[str, str]]:
    """(bucket, key) of every object the S3Prefix URI names, in key order (S3Prefix semantics)."""
    bucket, prefix = _split(uri)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    if not keys:
        raise ClientError(f"no objects under {uri}")
    return [(bucket, key) for key in sorted(keys)]


def _matrix(s3: Any, channel: Channel) -> np.ndarray:
    parts = [
        read_table(s3.get_object(Bucket=b, Key=k)["Body"].read(), channel.content_type)
        for b, k in _objects(s3, channel.uri)
    ]
    return np.vstack(parts) if len(parts) > 1 else parts[0]


def train(spec: TrainingSpec) -> dict[str, Any]:
    """Train, write model.tar.gz, return {"metrics": {name: value}, "seconds": float}."""
    import xgboost as xgb  # only in the worker: the server process never imports it

    began = time.perf_counter()
    params = validate_hyperparameters(spec.hyperparameters)
    s3 = _s3(spec.endpoint_url, spec.region)
    matrices: list[tuple[Any, str]] = []
    objective = str(params.params["objective"])
    for channel in spec.channels:
        data = _matrix(s3, channel)
        labels = data[:, 0]
        check_labels(labels, objective, channel.name)
        matrices.append((xgb.DMatrix(data[:, 1:], label=labels, missing=np.nan), channel.name))
    if not any(name == "train" for _, name in matrices):
        raise ClientError("no 'train' channel")
    dtrain = next(m for m, name in matrices if name == "train")
    history: dict[str, dict[str, list[float]]] = {}
    try:
        booster = xgb.train(
            params.params,
            dtrain,
            params.num_round,
            evals=matrices,
            evals_result=history,
            early_stopping_rounds=params.early_stopping_rounds,
            verbose_eval=False,
        )
    except xgb.core.XGBoostError as error:
        raise AlgorithmError(str(error).splitlines()[0]) from error
    bucket, key = _split(spec.model_uri)
    s3.put_object(Bucket=bucket, Key=key, Body=model_tarball(bytes(booster.save_raw("ubj"))))
    metrics = {
        f"{channel}:{metric}": float(values[-1])
        for channel, per_metric in history.items()
        for metric, values in per_metric.items()
    }
    return {"metrics": metrics, "seconds": time.perf_counter() - began}


def transform(spec: TransformSpec) -> dict[str, Any]:
    """Predict every input file; write `<output path>/<file name relative to the prefix>.out`,
    one prediction per line. Returns {"files": n, "rows": n}."""
    import xgboost as xgb

    if media_type(spec.content_type) not in INFERENCE_CONTENT_TYPES:  # the container answers 415
        raise ClientError(f"Content-type {spec.content_type} is not supported by the XGBoost inference")
    s3 = _s3(spec.endpoint_url, spec.region)
    bucket, key = _split(spec.model_data_url)
    booster = xgb.Booster(params={"nthread": 1})
    booster.load_model(bytearray(booster_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())))
    out_bucket, out_prefix = _split(spec.output_path.rstrip("/") + "/")
    _, in_prefix = _split(spec.input_uri)
    base = in_prefix if in_prefix.endswith("/") else in_prefix.rsplit("/", 1)[0] + "/"
    rows = 0
    objects = _objects(s3, spec.input_uri)
    score = _encoder(s3, spec.encoder_url) if spec.encoder_url else None
    for in_bucket, in_key in objects:
        body = s3.get_object(Bucket=in_bucket, Key=in_key)["Body"].read()
        if score is not None:  # an inference pipeline: raw records through its encoder
            scores = score(body, in_key, booster)
        else:
            data = read_table(body, spec.content_type)
            if spec.input_filter == "$[1:]":
                data = data[:, 1:]
            elif spec.input_filter not in (None, "$"):
                raise ClientError(
                    f"InputFilter {spec.input_filter!r} is not supported by the twin (only $[1:])"
                )
            try:
                scores = booster.predict(xgb.DMatrix(data, missing=np.nan), validate_features=False)
            except xgb.core.XGBoostError as error:
                raise ClientError(f"{in_key}: {str(error).splitlines()[0]}") from error
        lines = "\n".join(repr(float(s)) if np.ndim(s) == 0 else ",".join(map(repr, s)) for s in scores)
        relative = in_key[len(base) :] if in_key.startswith(base) else in_key.rsplit("/", 1)[-1]
        body = (lines + "\n").encode() if len(scores) else b""
        s3.put_object(Bucket=out_bucket, Key=f"{out_prefix}{relative}.out", Body=body)
        rows += len(scores)
    return {"files": len(objects), "rows": rows}


def _encoder(s3: Any, url: str) -> Any:
    """The pipeline's encoder, loaded from its artifact as the endpoint twin loads it: a file of
    raw CSV records -> scores (`serving.batch.score_csv` with the script's vectorised path); a bad
    record fails the job, as a 400 from the container fails a SageMaker transform."""
    import sys

    from lockgate.local.sagemaker.pipeline import load_script

    if "pandas" in sys.modules and sys.modules["pandas"] is None:
        del sys.modules["pandas"]  # `serve` blocked it; pyarrow needs it to build arrays from lists
    bucket, key = _split(url)
    code = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    script = load_script(code, None, "lockgate_encoder.py", "encode")
    module, encoder = script.module, script.model.encoder
    # The vectorised path ships beside the script (artifacts written before it did: in the script).
    table = script.sibling("lockgate_encoder_table.py") or module

    def score(body: bytes, name: str, booster: Any) -> np.ndarray:
        from lockgate.serving.batch import score_csv

        try:
            scores, _, problems = score_csv(body, encoder, booster.inplace_predict, module=table)
        except module.EncoderError as error:
            raise ClientError(f"{name}: {error.message}") from error
        if problems:
            raise ClientError(f"{name}: {problems[0]} (and {len(problems) - 1} more)")
        return scores

    return score


STARTED = "Started"
# Libraries xgboost would import if present (the dev venv has them) that the worker never uses:
# blocking them halves the worker's start-up (scikit-learn pulls scipy.stats).
UNUSED = ("sklearn", "pandas", "dask", "cudf", "cupy")


# Of those, what the cloud process may hide while it imports xgboost: only scikit-learn (seconds of
# the first InvokeEndpoint). Not pandas: pyarrow imports it lazily from other threads of that process,
# which must not find it missing.
SKIPPED_IN_CLOUD = ("sklearn",)


def load_xgboost(skip: tuple[str, ...] = SKIPPED_IN_CLOUD) -> Any:
    """xgboost, imported without the `skip` libraries (the endpoint twin loads it in the cloud process
    on the first InvokeEndpoint, where scikit-learn alone cost seconds); they stay importable
    afterwards for whoever needs them."""
    import sys

    blocked = [name for name in skip if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import xgboost
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return xgboost


def run(spec: TrainingSpec | TransformSpec) -> tuple[str, Any]:
    """One job: ("Completed", result) or (failure class, message)."""
    try:
        return "Completed", (train(spec) if isinstance(spec, TrainingSpec) else transform(spec))
    except AlgorithmError as error:
        return "AlgorithmError", str(error)
    except ClientError as error:
        return "ClientError", str(error)
    except Exception as error:  # the worker must always answer: any other failure names its type
        return "AlgorithmError", f"{type(error).__name__}: {error}"


def serve(conn: Connection) -> None:
    """Process entry of a warm worker: load the libraries once, then for each job received send
    (STARTED, None) then its (status, payload); exit when the pipe closes."""
    import sys

    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    load_xgboost(skip=())  # before any job's clock starts (UNUSED stay hidden in this process)

    conn.send(("Ready", None))
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        conn.send((STARTED, None))
        conn.send(run(spec))
