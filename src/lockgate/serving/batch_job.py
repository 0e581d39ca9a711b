"""Batch inference on new raw records, as a job: which package scores them, the checked input and
the transform that scores it (`prepare`), and the scores joined back to the input's keys beside the
input (`finish`). No AWS here: `lockgate batch-predict --direct` runs the transform itself between
the two, the batch-predict state machine runs it as `sagemaker:createTransformJob.sync`.

Files of one job, under `s3://<the package's model bucket>/models/<dataset>/batch/<job>/` (where
the SageMaker role may read and write): `input/records.csv` (the good rows, what the transform
reads), `keys.parquet` (their key columns, types kept), `problems.json` (the refused rows) and the
transform's `output/records.csv.out`. Beside the input: `<input>.scores.csv` and
`<input>.bad-rows.json` (`lockgate.serving.batch`).
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lockgate.errors import InputRejected
from lockgate.messages.batch import (
    BatchModelRequest,
    BatchPlan,
    BatchPredictRequest,
    BatchPredictResult,
    BatchTransformRequest,
)
from lockgate.names import batch_job_name, group_name, split_location, split_uri
from lockgate.pipeline.ports import ObjectStore
from lockgate.sagemaker_ports import PackageInfo
from lockgate.serving import artifact, batch
from lockgate.serving.encoder import Encoder, EncoderError
from lockgate.serving.encoder_spec import EncoderSpec

RECORDS, KEYS, PROBLEMS = "input/records.csv", "keys.parquet", "problems.json"
OUTPUT = "output/records.csv.out"  # the transform's answer for input/records.csv


class Packages(Protocol):
    """The model registry, as batch inference reads it (lockgate.adapters.sagemaker_registry)."""

    def approved_packages(self, group: str) -> list[tuple[str, int]]:
        """(arn, version) of every Approved package of the group, oldest first."""
        ...

    def package(self, arn: str) -> PackageInfo:
        """DescribeModelPackage, reduced."""
        ...


def split_s3(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key); anything else is refused naming the value."""
    try:
        bucket, key = split_uri(uri)
    except InputRejected:
        bucket, key = "", ""
    if not key or key.endswith("/"):
        raise InputRejected(uri, "input_is_an_s3_object", 1, "give the input as s3://bucket/key", unit="")
    return bucket, key


def package_of(
    registry: Packages, store: ObjectStore, environment: str, dataset: str, arn: str | None
) -> tuple[PackageInfo, EncoderSpec]:
    """The package (`arn`, or the dataset's newest Approved) and its encoder's spec."""
    if arn is None:
        approved = registry.approved_packages(group_name(environment, dataset))
        if not approved:
            raise InputRejected(
                dataset, "an_approved_package", 0, "the dataset has no Approved model package; pass its ARN"
            )
        arn = approved[-1][0]
    package = registry.package(arn)
    encoders = [c for c in package.containers if c.environment.get("SAGEMAKER_PROGRAM")]
    if not encoders:
        raise InputRejected(
            arn,
            "package_takes_raw_records",
            1,
            "it takes numeric features only (registered before raw records); pick a newer one",
            unit="",
        )
    spec, _ = artifact.read_tarball(store.read(*split_s3(encoders[0].model_data_url)))
    if spec.get("dataset") not in (None, dataset):
        raise InputRejected(
            arn, "package_of_the_dataset", 1, f"a model of {spec['dataset']}, not {dataset}", unit=""
        )
    return package, spec


def job_name(package: str, source: str, now: int) -> str:
    """The transform job's (and its model's) name: `lg-batch-<digest>-<seconds>`."""
    return batch_job_name(hashlib.sha256(f"{package}{source}".encode()).hexdigest()[:10], now)


def prepare(
    store: ObjectStore, registry: Packages, request: BatchPredictRequest, environment: str, now: int
) -> BatchPlan:
    """Check every row with the package's encoder; write the good rows, their keys and the
    problems under the job's folder; the CreateModel and CreateTransformJob that score them."""
    bucket, key = split_s3(request.input)
    package, spec = package_of(registry, store, environment, request.dataset, request.package)
    try:
        checked = batch.check(Encoder(spec), store.read(bucket, key), list(spec.get("keys", [])))
    except EncoderError as error:
        raise InputRejected(request.input, "records_readable", 0, error.message, unit="") from None
    job = job_name(package.arn, request.input, now)
    work_bucket = split_s3(package.model_data_url)[0]
    prefix = f"models/{request.dataset}/batch/{job}"
    if checked.scored:
        store.put(work_bucket, f"{prefix}/{RECORDS}", checked.records, "text/csv")
    sink = io.BytesIO()
    pq.write_table(checked.keys, sink)
    store.put(work_bucket, f"{prefix}/{KEYS}", sink.getvalue(), "application/vnd.apache.parquet")
    store.put(work_bucket, f"{prefix}/{PROBLEMS}", json.dumps(checked.problems).encode(), "application/json")
    work = f"s3://{work_bucket}/{prefix}/"
    return BatchPlan(
        dataset=request.dataset,
        input=request.input,
        package=package.arn,
        job=job,
        rows=checked.rows,
        scored=checked.scored,
        bad=checked.rows - checked.scored,
        work=work,
        scores=f"s3://{bucket}/{key}.scores.csv",
        report=f"s3://{bucket}/{key}.bad-rows.json",
        model=BatchModelRequest(
            ModelName=job,
            Containers=artifact.model_containers(package.containers),
            InferenceExecutionConfig={"Mode": "Serial"},
        ),
        transform=BatchTransformRequest(
            TransformJobName=job,
            ModelName=job,
            TransformInput={
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"{work}input/"}},
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            TransformOutput={"S3OutputPath": f"{work}output", "Accept": "text/csv", "AssembleWith": "Line"},
            TransformResources={"InstanceType": request.instance_type, "InstanceCount": 1},
        ),
    )


def finish(store: ObjectStore, plan: BatchPlan) -> BatchPredictResult:
    """Join the transform's scores to the good rows' keys (`<input>.scores.csv`, when a row was
    scored) and write the bad-rows report (`<input>.bad-rows.json`)."""
    work_bucket, prefix = split_location(plan.work)  # the prefix ends in "/"
    keys = pq.read_table(pa.BufferReader(store.read(work_bucket, f"{prefix}{KEYS}")))
    problems = json.loads(store.read(work_bucket, f"{prefix}{PROBLEMS}"))
    good = np.zeros(plan.rows, dtype=bool)
    good[: plan.scored] = True  # only the count matters from here on
    checked = batch.BatchInput(plan.rows, good, b"", keys, list(problems))
    scores = ""
    if plan.scored:
        answer = store.read(work_bucket, f"{prefix}{OUTPUT}").decode()
        store.put(*split_s3(plan.scores), batch.join(checked, answer), "text/csv")
        scores = plan.scores
    report = batch.report(checked, plan.input, plan.package, scores)
    store.put(*split_s3(plan.report), batch.report_json(report), "application/json")
    return BatchPredictResult(
        input=plan.input,
        package=plan.package,
        rows=plan.rows,
        scored=plan.scored,
        bad=plan.bad,
        scores=scores,
        report=plan.report,
    )
