"""The SageMaker endpoint twin through boto3, as AWS would answer: lifecycle on the local clock,
UpdateEndpoint guardrails and rollback, real predictions, errors, metrics, data capture, faults."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import numpy as np
import pytest
import xgboost as xgb

from lockgate.local.sagemaker import endpoint_patches
from lockgate.local.sagemaker.algorithm import model_tarball

pytestmark = pytest.mark.integration
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
BUCKET = "twin-models"


@pytest.fixture(scope="module")
def sm(pipeline, booster_factory) -> Any:  # type: ignore[no-untyped-def]
    """sagemaker client with two models (m0 shallow, m1 deeper) whose artifacts are in S3."""
    s3, sm = pipeline.cloud.client("s3"), pipeline.cloud.client("sagemaker")
    s3.create_bucket(Bucket=BUCKET)
    for index, depth in enumerate((2, 4)):
        booster, _ = booster_factory(seed=10 + index, depth=depth)
        raw = bytes(booster.save_raw("ubj"))
        s3.put_object(Bucket=BUCKET, Key=f"m{index}/model.tar.gz", Body=model_tarball(raw))
        sm.create_model(
            ModelName=f"twin-m{index}",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": "xgb", "ModelDataUrl": f"s3://{BUCKET}/m{index}/model.tar.gz"},
        )
    return sm


def _config(sm: Any, name: str, *variants: tuple[str, str, float], capture: bool = False) -> str:
    extra: dict[str, Any] = {}
    if capture:
        extra["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": f"s3://{BUCKET}/capture",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        }
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InitialInstanceCount": 2,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": weight,
            }
            for variant, model, weight in variants
        ],
        **extra,
    )
    return name


def _wait_status(sm: Any, name: str, status: str = "InService", timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = sm.describe_endpoint(EndpointName=name)
        if described["EndpointStatus"] == status:
            return dict(described)
        time.sleep(0.01)
    raise TimeoutError(f"{name} never reached {status}: {described['EndpointStatus']}")


def _rows(n: int = 3, width: int = 6) -> np.ndarray:
    return np.random.default_rng(3).normal(size=(n, width)).astype(np.float32)


def _csv(rows: np.ndarray) -> str:
    return "\n".join(",".join(f"{v:.7g}" for v in row) for row in rows)


def _endpoint(sm: Any, name: str, config: str) -> None:
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    _wait_status(sm, name)


def test_create_goes_creating_then_in_service_and_predicts_for_real(pipeline, sm, booster_factory) -> None:  # type: ignore[no-untyped-def]
    twin = endpoint_patches.twin()
    twin.creation_seconds = 2000  # 2 s at speed 1000: long enough to see Creating under load
    try:
        sm.create_endpoint(
            EndpointName="twin-a", EndpointConfigName=_config(sm, "twin-a-c1", ("AllTraffic", "twin-m0", 1.0))
        )
        assert sm.describe_endpoint(EndpointName="twin-a")["EndpointStatus"] == "Creating"
        runtime = pipeline.cloud.client("sagemaker-runtime")
        with pytest.raises(botocore.exceptions.ClientError) as creating:
            runtime.invoke_endpoint(EndpointName="twin-a", ContentType="text/csv", Body="1,2")
        assert "not in service" in creating.value.response["Error"]["Message"]
    finally:
        twin.creation_seconds = 30.0
    _wait_status(sm, "twin-a")
    rows = _rows()
    runtime = pipeline.cloud.client("sagemaker-runtime")
    answer = runtime.invoke_endpoint(EndpointName="twin-a", ContentType="text/csv", Body=_csv(rows))
    got = [float(x) for x in answer["Body"].read().decode().split()]
    booster, _ = booster_factory(seed=10, depth=2)
    expected = booster.predict(xgb.DMatrix(np.array([[float(f"{v:.7g}") for v in r] for r in rows])))
    assert got == pytest.approx(expected.tolist(), abs=1e-6)
    assert answer["InvokedProductionVariant"] == "AllTraffic"


def test_invoke_errors_have_aws_shapes(pipeline, sm) -> None:  # type: ignore[no-untyped-def]
    runtime = pipeline.cloud.client("sagemaker-runtime")
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        runtime.invoke_endpoint(EndpointName="twin-nowhere", ContentType="text/csv", Body="1,2")
    assert missing.value.response["Error"]["Code"] == "ValidationError"
    assert "twin-nowhere" in missing.value.response["Error"]["Message"]
    _endpoint(sm, "twin-b", _config(sm, "twin-b-c1", ("AllTraffic", "twin-m0", 1.0)))
    with pytest.raises(runtime.exceptions.ModelError) as width:
        runtime.invoke_endpoint(EndpointName="twin-b", ContentType="text/csv", Body=_csv(_rows(width=4)))
    assert width.value.response["OriginalStatusCode"] == 400
    assert "expects 6 features" in width.value.response["Error"]["Message"]


def test_weighted_routing_target_variant_metrics_and_capture(pipeline, sm) -> None:  # type: ignore[no-untyped-def]
    config = _config(sm, "twin-c-c1", ("A", "twin-m0", 0.8), ("B", "twin-m1", 0.2), capture=True)
    _endpoint(sm, "twin-c", config)
    runtime, body = pipeline.cloud.client("sagemaker-runtime"), _csv(_rows(1))
    seen = [
        runtime.invoke_endpoint(EndpointName="twin-c", Body=body)["InvokedProductionVariant"]
        for _ in range(200)
    ]
    assert 120 < seen.count("A") < 190, seen.count("A")
    assert (
        runtime.invoke_endpoint(EndpointName="twin-c", Body=body, TargetVariant="B")[
            "InvokedProductionVariant"
        ]
        == "B"
    )
    cloudwatch = pipeline.cloud.client("cloudwatch")
    pages = cloudwatch.get_paginator("list_metrics").paginate(
        Namespace="AWS/SageMaker", Dimensions=[{"Name": "EndpointName", "Value": "twin-c"}]
    )  # this endpoint's only: the package-wide cloud holds every earlier test's metrics
    names = {
        (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
        for page in pages
        for m in page["Metrics"]
    }
    for metric in ("Invocations", "Invocation5XXErrors", "ModelLatency"):
        assert (metric, (("EndpointName", "twin-c"), ("VariantName", "B"))) in names
    keys = [
        o["Key"]
        for o in pipeline.cloud.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="capture/twin-c/")[
            "Contents"
        ]
    ]
    assert len(keys) == 201 and all(k.endswith(".jsonl") for k in keys)
    assert (
        keys[0].split("/")[2] in ("A", "B") and len(keys[0].split("/")) == 8
    )  # capture/ep/variant/y/m/d/h/file
    line = json.loads(pipeline.cloud.client("s3").get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    assert line["captureData"]["endpointInput"]["mode"] == "INPUT"
    assert line["captureData"]["endpointOutput"]["encoding"] == "CSV" and line["eventVersion"] == "0"


def test_weight_update_keeps_instance_counts(pipeline, sm) -> None:  # type: ignore[no-untyped-def]
    _endpoint(sm, "twin-d", _config(sm, "twin-d-c1", ("A", "twin-m0", 0.5), ("B", "twin-m1", 0.5)))
    sm.update_endpoint_weights_and_capacities(
        EndpointName="twin-d", DesiredWeightsAndCapacities=[{"VariantName": "A", "DesiredWeight": 1.0}]
    )
    variants = {v["VariantName"]: v for v in _wait_status(sm, "twin-d")["ProductionVariants"]}
    assert variants["A"]["CurrentWeight"] == 1.0 and variants["A"]["CurrentInstanceCount"] == 2


def _canary(
    percent: int = 10, wait: int = 600, alarms: list[str] | None = None, **policy: Any
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": wait,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": percent},
            },
            "TerminationWaitInSeconds": 60,
            **policy,
        }
    }
    if alarms is not None:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in alarms]}
    return config


def _alarm(pipeline, name: str, endpoint: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A 5XX rollback alarm; on an endpoint's AllTraffic metrics when `endpoint` is given."""
    dimensions = (
        [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": "AllTraffic"}]
        if endpoint
        else []
    )
    pipeline.cloud.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Dimensions=dimensions,
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return name


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        (_canary(percent=60, alarms=["twin-ok"]), "between 1% and 50%"),
        ({**_canary(), "AutoRollbackConfiguration": {"Alarms": []}}, "length greater than or equal to 1"),
        (_canary(alarms=[f"twin-ok{i}" for i in range(11)]), "less than or equal to 10"),
        (_canary(wait=4000, alarms=["twin-ok"]), "waitIntervalInSeconds"),
        (
            _canary(alarms=["twin-ok"], MaximumExecutionTimeoutInSeconds=30000),
            "maximumExecutionTimeoutInSeconds",
        ),
        (
            _canary(wait=900, alarms=["twin-ok"], MaximumExecutionTimeoutInSeconds=600),
            "larger than the total",
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "LINEAR",
                        "WaitIntervalInSeconds": 60,
                        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 5},
                    }
                }
            },
            "between 10% and 50%",
        ),
        (_canary(alarms=["twin-no-such-alarm"]), "do not exist"),
    ],
)
def test_guardrail_configs_aws_rejects_are_rejected(pipeline, sm, config, fragment) -> None:  # type: ignore[no-untyped-def]
    _alarm(pipeline, "twin-ok")
    if not sm.list_endpoints(NameContains="twin-e")["Endpoints"]:
        _endpoint(sm, "twin-e", _config(sm, "twin-e-c1", ("AllTraffic", "twin-m0", 1.0)))
        _config(sm, "twin-e-c2", ("AllTraffic", "twin-m1", 1.0))
    # the server's answer, not botocore's client-side checks (which catch only the minimums)
    unchecked = boto3.client(
        "sagemaker",
        endpoint_url=pipeline.cloud.url,
        region_name="us-east-1",
        config=botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    with pytest.raises(botocore.exceptions.ClientError) as rejected:
        unchecked.update_endpoint(
            EndpointName="twin-e", EndpointConfigName="twin-e-c2", DeploymentConfig=config
        )
    assert rejected.value.response["Error"]["Code"] == "ValidationException"
    assert fragment in rejected.value.response["Error"]["Message"]
    assert sm.describe_endpoint(EndpointName="twin-e")["EndpointStatus"] == "InService"


def test_canary_completes_on_the_new_config(pipeline, sm) -> None:  # type: ignore[no-untyped-def]
    _endpoint(sm, "twin-f", _config(sm, "twin-f-c1", ("AllTraffic", "twin-m0", 1.0)))
    _config(sm, "twin-f-c2", ("AllTraffic", "twin-m1", 1.0))
    alarm = _alarm(pipeline, "twin-f-5xx", "twin-f")
    sm.update_endpoint(
        EndpointName="twin-f", EndpointConfigName="twin-f-c2", DeploymentConfig=_canary(alarms=[alarm])
    )
    assert sm.describe_endpoint(EndpointName="twin-f")["EndpointStatus"] == "Updating"
    with pytest.raises(botocore.exceptions.ClientError) as busy:  # one update at a time, as on AWS
        sm.update_endpoint(EndpointName="twin-f", EndpointConfigName="twin-f-c1")
    assert "in-progress" in busy.value.response["Error"]["Message"]
    described = _wait_status(sm, "twin-f")
    assert described["EndpointConfigName"] == "twin-f-c2"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 2


def test_canary_alarm_rolls_back_and_the_old_model_keeps_serving(pipeline, sm) -> None:  # type: ignore[no-untyped-def]
    _endpoint(sm, "twin-g", _config(sm, "twin-g-c1", ("AllTraffic", "twin-m0", 1.0)))
    sm.create_model(
        ModelName="twin-faulty",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "xgb", "ModelDataUrl": f"s3://{BUCKET}/m1/model.tar.gz"},
        Tags=[{"Key": "lockgate:fault-5xx-rate", "Value": "1.0"}],  # the fault switch
    )
    _config(sm, "twin-g-c2", ("AllTraffic", "twin-faulty", 1.0))
    alarm = _alarm(pipeline, "twin-g-5xx", "twin-g")
    sm.update_endpoint(
        EndpointName="twin-g",
        EndpointConfigName="twin-g-c2",
        DeploymentConfig=_canary(percent=50, wait=3000, alarms=[alarm]),
    )
    runtime, body, failures = pipeline.cloud.client("sagemaker-runtime"), _csv(_rows(1)), 0
    deadline = time.monotonic() + 30
    # the canary takes half the traffic and fails it; the CloudWatch twin turns the 5XX metrics into
    # ALARM (nobody sets it) and the rollout rolls back
    while (
        sm.describe_endpoint(EndpointName="twin-g")["EndpointStatus"] != "InService"
        and time.monotonic() < deadline
    ):
        try:
            runtime.invoke_endpoint(EndpointName="twin-g", Body=body)
        except runtime.exceptions.ModelError as error:
            assert error.response["OriginalStatusCode"] == 500
            failures += 1
    assert failures >= 1
    state = pipeline.cloud.client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
    assert state["StateReason"].startswith("Threshold Crossed")  # the evaluator's words, not a person's
    described = sm.describe_endpoint(EndpointName="twin-g")
    assert described["EndpointConfigName"] == "twin-g-c1"
    assert "twin-g-5xx" in described["FailureReason"]
    for _ in range(30):
        runtime.invoke_endpoint(EndpointName="twin-g", Body=body)  # the old model: no fault
