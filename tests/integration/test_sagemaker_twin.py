"""The SageMaker twin through the SageMaker API, as boto3 programs and Step Functions see it:
training that really trains (and fails as the algorithm does), transform predictions, a random
search, the registry's fields, tags and state-change events."""

from __future__ import annotations

import io
import json
import tarfile
import time
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.integration
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
ROLE = "arn:aws:iam::123456789012:role/lockgate-sagemaker-test"


def _csv(rows: int, seed: int, labels: np.ndarray | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 6))
    y = (
        (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.7, size=rows) > 0).astype(int)
        if labels is None
        else labels
    )
    return "".join(
        f"{label}," + ",".join(f"{v:.4f}" for v in row) + "\n" for label, row in zip(y, x, strict=True)
    ).encode()


@pytest.fixture(scope="module")
def twin(pipeline) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    bucket = pipeline.cloud.stack.outputs["ArtifactBucketName"]
    s3 = pipeline.cloud.client("s3")
    s3.put_object(Bucket=bucket, Key="twin/train/part-0.csv", Body=_csv(2000, 1))
    s3.put_object(Bucket=bucket, Key="twin/validation/part-0.csv", Body=_csv(500, 2))
    s3.put_object(Bucket=bucket, Key="twin/bad/part-0.csv", Body=_csv(200, 3, np.full(200, 3)))
    features = b"".join(line.split(b",", 1)[1] + b"\n" for line in _csv(300, 4).splitlines())
    s3.put_object(Bucket=bucket, Key="twin/test/features.csv", Body=features)
    return {"bucket": bucket, "sm": pipeline.cloud.client("sagemaker"), "s3": s3}


def _training(
    bucket: str, name: str, hp: dict[str, str], train: str = "train", runtime: int = 3600
) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "HyperParameters": hp,
        "InputDataConfig": [
            {
                "ChannelName": channel,
                "ContentType": "text/csv",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/twin/{folder}/"}
                },
            }
            for channel, folder in (("train", train), ("validation", "validation"))
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/twin/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": runtime},
    }


def _wait(describe: Any, key: str, name: str, status_field: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = describe(**{key: name})
        if out[status_field] not in ("InProgress", "Stopping"):
            return dict(out)
        time.sleep(0.05)
    raise TimeoutError(name)


HP = {"objective": "binary:logistic", "num_round": "20", "max_depth": "3", "eval_metric": "auc"}


def test_training_really_trains_and_writes_the_model(twin) -> None:  # type: ignore[no-untyped-def]
    sm, bucket = twin["sm"], twin["bucket"]
    sm.create_training_job(**_training(bucket, "twin-ok", HP))
    assert sm.describe_training_job(TrainingJobName="twin-ok")["TrainingJobStatus"] == "InProgress"
    job = _wait(sm.describe_training_job, "TrainingJobName", "twin-ok", "TrainingJobStatus")
    assert job["TrainingJobStatus"] == "Completed", (
        job.get("FailureReason"),
        job["SecondaryStatusTransitions"],
    )
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert metrics["validation:auc"] > 0.75
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]][-1] == "Completed"
    key = "twin/models/twin-ok/output/model.tar.gz"
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://{bucket}/{key}"
    body = io.BytesIO(twin["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
    with tarfile.open(fileobj=body) as tar:
        assert tar.getnames() == ["xgboost-model"]


@pytest.mark.parametrize(
    ("name", "hp", "train", "reason"),
    [
        ("twin-unknown-hp", {**HP, "bogus_rate": "1"}, "train", "bogus_rate"),
        ("twin-bad-value", {**HP, "eta": "7"}, "train", "'eta'"),
        ("twin-bad-label", HP, "bad", "outside [0, 1]"),
    ],
)
def test_a_bad_job_fails_with_algorithm_error(twin, name, hp, train, reason) -> None:  # type: ignore[no-untyped-def]
    sm = twin["sm"]
    sm.create_training_job(**_training(twin["bucket"], name, hp, train))
    job = _wait(sm.describe_training_job, "TrainingJobName", name, "TrainingJobStatus")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("AlgorithmError: ") and reason in job["FailureReason"]


def test_job_names_are_unique_as_on_aws(twin) -> None:  # type: ignore[no-untyped-def]
    sm = twin["sm"]
    sm.create_training_job(**_training(twin["bucket"], "twin-unique", HP))
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_training_job(**_training(twin["bucket"], "twin-unique", HP))
    _wait(sm.describe_training_job, "TrainingJobName", "twin-unique", "TrainingJobStatus")


def test_max_runtime_stops_the_job_on_the_local_clock(twin) -> None:  # type: ignore[no-untyped-def]
    sm = twin["sm"]
    slow = {**HP, "num_round": "5000", "max_depth": "8"}
    sm.create_training_job(**_training(twin["bucket"], "twin-slow", slow, runtime=1))
    job = _wait(sm.describe_training_job, "TrainingJobName", "twin-slow", "TrainingJobStatus")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")


def test_stop_training_job(twin) -> None:  # type: ignore[no-untyped-def]
    sm = twin["sm"]
    sm.create_training_job(**_training(twin["bucket"], "twin-stop", {**HP, "num_round": "5000"}))
    sm.stop_training_job(TrainingJobName="twin-stop")
    job = _wait(sm.describe_training_job, "TrainingJobName", "twin-stop", "TrainingJobStatus")
    assert job["TrainingJobStatus"] == "Stopped"


def test_transform_writes_one_prediction_per_row(twin) -> None:  # type: ignore[no-untyped-def]
    sm, bucket = twin["sm"], twin["bucket"]
    sm.create_training_job(**_training(bucket, "twin-for-transform", HP))
    job = _wait(sm.describe_training_job, "TrainingJobName", "twin-for-transform", "TrainingJobStatus")
    sm.create_model(
        ModelName="twin-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]},
    )
    sm.create_transform_job(
        TransformJobName="twin-transform",
        ModelName="twin-model",
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/twin/test/"}},
            "ContentType": "text/csv",
        },
        TransformOutput={"S3OutputPath": f"s3://{bucket}/twin/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )
    out = _wait(sm.describe_transform_job, "TransformJobName", "twin-transform", "TransformJobStatus")
    assert out["TransformJobStatus"] == "Completed", out.get("FailureReason")
    body = twin["s3"].get_object(Bucket=bucket, Key="twin/out/features.csv.out")["Body"].read().decode()
    scores = [float(v) for v in body.split()]
    assert len(scores) == 300 and all(0 <= s <= 1 for s in scores)


def _tuning(bucket: str, name: str, static: dict[str, str]) -> dict[str, Any]:
    training = _training(bucket, "unused", static)
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2", "MaxValue": "5"}]
            },
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": training["AlgorithmSpecification"],
            "RoleArn": ROLE,
            "StaticHyperParameters": static,
            "InputDataConfig": training["InputDataConfig"],
            "OutputDataConfig": training["OutputDataConfig"],
            "ResourceConfig": training["ResourceConfig"],
            "StoppingCondition": training["StoppingCondition"],
        },
    }


def test_tuning_is_a_random_search_over_real_jobs(twin) -> None:  # type: ignore[no-untyped-def]
    sm = twin["sm"]
    static = {k: v for k, v in HP.items() if k != "max_depth"}
    sm.create_hyper_parameter_tuning_job(**_tuning(twin["bucket"], "twin-tune", static))
    job = _wait(
        sm.describe_hyper_parameter_tuning_job,
        "HyperParameterTuningJobName",
        "twin-tune",
        "HyperParameterTuningJobStatus",
        180,
    )
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    assert job["TrainingJobStatusCounters"]["Completed"] == 3
    children = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="twin-tune")
    summaries = children["TrainingJobSummaries"]
    assert len(summaries) == 3
    best = max(summaries, key=lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert job["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    tags = sm.list_tags(ResourceArn=job["HyperParameterTuningJobArn"])["Tags"]
    assert {"Key": "lockgate:twin-strategy", "Value": "random-search (requested: Random)"} in tags


def test_a_tuning_job_whose_every_child_fails_fails(twin) -> None:  # type: ignore[no-untyped-def]
    sm = twin["sm"]
    static = {"objective": "binary:logistic", "num_round": "5", "not_a_parameter": "1"}
    sm.create_hyper_parameter_tuning_job(**_tuning(twin["bucket"], "twin-tune-bad", static))
    job = _wait(
        sm.describe_hyper_parameter_tuning_job,
        "HyperParameterTuningJobName",
        "twin-tune-bad",
        "HyperParameterTuningJobStatus",
        180,
    )
    assert job["HyperParameterTuningJobStatus"] == "Failed"
    assert "All training jobs failed" in job["FailureReason"] and "not_a_parameter" in job["FailureReason"]
    assert "BestTrainingJob" not in job


def test_registry_keeps_fields_and_tags_and_emits_state_changes(pipeline, twin) -> None:  # type: ignore[no-untyped-def]
    cloud, sm = pipeline.cloud, twin["sm"]
    sqs, events = cloud.client("sqs"), cloud.client("events")
    queue = sqs.create_queue(QueueName="twin-registry-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["twin-group"]},
    }
    events.put_rule(Name="twin-registry", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="twin-registry", Targets=[{"Id": "q", "Arn": arn}])
    sm.create_model_package_group(ModelPackageGroupName="twin-group")
    package = sm.create_model_package(
        ModelPackageGroupName="twin-group",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={"dataset": "twin"},
    )["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=package, ApprovalDescription="waiting for a person")
    sm.update_model_package(ModelPackageArn=package, ModelApprovalStatus="Approved")
    described = sm.describe_model_package(ModelPackageName=package)
    assert described["CustomerMetadataProperties"] == {"dataset": "twin"}
    assert described["ApprovalDescription"] == "waiting for a person"
    sm.add_tags(ResourceArn=package, Tags=[{"Key": "lockgate:stage", "Value": "prod"}])
    assert sm.list_tags(ResourceArn=package)["Tags"] == [{"Key": "lockgate:stage", "Value": "prod"}]
    statuses: list[str] = []
    deadline = time.monotonic() + 10
    while len(statuses) < 3 and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            statuses.append(json.loads(message["Body"])["detail"]["ModelApprovalStatus"])
    assert statuses == ["PendingManualApproval", "PendingManualApproval", "Approved"]
