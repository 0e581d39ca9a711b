"""Alarms that fix things, end to end on the local cloud: metric data -> the twin's evaluator ->
"CloudWatch Alarm State Change" -> EventBridge rule -> RemediationFunction -> audit + SNS.

Endpoints are plain moto endpoints with the agreed tags (lockgate.local.alarm_fixtures) until the
endpoint twin is merged."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from lockgate.data.versioning import manifest_features
from lockgate.local import alarm_fixtures as fx
from lockgate.local.fixtures import sample_csv

pytestmark = pytest.mark.integration


def _wait(check: Any, timeout: float = 60.0, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise TimeoutError(getattr(check, "__doc__", None) or "condition not met")


def _audit(pipeline: Any, alarm: str) -> list[dict[str, Any]]:
    table = pipeline.cloud.stack.outputs["AuditTableName"]
    items = pipeline.cloud.client("dynamodb").scan(TableName=table)["Items"]
    records = [json.loads(i["record"]["S"]) for i in items if i["alarm"]["S"] == alarm]
    return [r for r in records if r["status"] == "done"]


def test_idle_tagged_staging_is_deleted_and_untagged_prod_is_reported(pipeline) -> None:  # type: ignore[no-untyped-def]
    sagemaker, cloudwatch = pipeline.cloud.client("sagemaker"), pipeline.cloud.client("cloudwatch")
    staging, prod = "lockgate-dev-credit-staging", "lockgate-dev-credit"
    idle = ("lockgate-dev-idle-credit-staging", "lockgate-dev-idle-credit-prod")
    # no endpoint, no alarm: nothing fires at `lockgate up` (issue 21), nothing is audited
    assert cloudwatch.describe_alarms(AlarmNames=list(idle))["MetricAlarms"] == []
    assert all(_audit(pipeline, a) == [] for a in idle)
    fx.create_endpoint(
        sagemaker,
        staging,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "delete"},
        cloudwatch=cloudwatch,
    )
    fx.create_endpoint(sagemaker, prod, "credit", "prod", cloudwatch=cloudwatch)
    pipeline.notifications()
    for name in (staging, prod):  # served once (the smoke test): the idle alarms go OK ...
        fx.put_invocations(cloudwatch, name, 1.0)
    started = time.monotonic()
    # ... and, with no traffic for 2 x 1 h (7.2 s at clock speed 1000), ALARM again by themselves.
    deleted = _wait(
        lambda: [r for r in _audit(pipeline, "lockgate-dev-idle-credit-staging") if r["outcome"] == "done"],
        timeout=60,
    )
    assert time.monotonic() - started > 5  # not before the idle window
    assert staging not in {e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]}
    assert sagemaker.describe_endpoint_config(EndpointConfigName=staging)["EndpointConfigName"] == staging
    assert cloudwatch.describe_alarms(AlarmNames=[idle[0]])["MetricAlarms"] == []  # gone with it
    assert "create-endpoint" in deleted[0]["after"]["restore"]
    reported = _wait(
        lambda: [
            r
            for r in _audit(pipeline, "lockgate-dev-idle-credit-prod")
            if r["outcome"].startswith("left-alone")
        ],
        timeout=30,
    )
    assert reported and sagemaker.describe_endpoint(EndpointName=prod)["EndpointStatus"] == "InService"
    messages = _wait(
        lambda: [m for m in pipeline.notifications() if "idle" in m.get("Subject", "")] or None, 30
    )
    text = " ".join(m["Message"] for m in messages)
    assert f"delete endpoint {staging}" in text and "left-alone" in text
    assert [m for m in messages if "not-idle-yet" in m["Message"]] == []  # the window's resets: quiet
    sagemaker.delete_endpoint(EndpointName=prod)


def test_drifted_capture_raises_the_drift_alarm_and_starts_one_retrain(pipeline) -> None:  # type: ignore[no-untyped-def]
    body = sample_csv(3000, seed=77)
    assert pipeline.wait(pipeline.upload("raw/credit/drift/base.csv", body))["status"] == "SUCCEEDED"
    version = hashlib.sha256(body).hexdigest()
    pipeline.train_run_for(version)  # its own train run ends first (a running one skips the retrain)
    outputs, cloud = pipeline.cloud.stack.outputs, pipeline.cloud
    s3, sagemaker = cloud.client("s3"), cloud.client("sagemaker")
    endpoint = "lockgate-dev-credit"
    fx.create_endpoint(
        sagemaker,
        endpoint,
        "credit",
        "prod",
        artifact_bucket=outputs["ArtifactBucketName"],
        cloudwatch=cloud.client("cloudwatch"),
    )
    manifest = json.loads(pipeline.read(f"datasets/credit/{version}/manifest.json"))
    names = manifest_features(manifest)
    train = fx.train_features(s3, pipeline.bucket, "credit", version)[:2000]
    live = fx.drifted(train, names)
    sfn = cloud.client("stepfunctions")
    with _monitor_schedule_paused(pipeline):  # a scheduled pass would take this capture first
        fx.write_capture(
            s3, outputs["ArtifactBucketName"], endpoint, fx.capture_lines(live, np.full(len(live), 0.7))
        )
        result = json.loads(
            cloud.client("lambda")
            .invoke(FunctionName=outputs["MonitorFunctionArn"], Payload=json.dumps(_scheduled()))["Payload"]
            .read()
        )
    (measured,) = [e for e in result["endpoints"] if e["endpoint"] == endpoint]
    assert measured["rows"] == 2000 and measured["measured"], measured.get("note")
    assert {"credit_amount", "age"} <= set(measured["drifted"])  # KS rejects, PSI's lower bound counts
    assert not any("=" in name for name in measured["drifted"])  # contract columns, not one-hot features
    assert pipeline.read(f"datasets/credit/{version}/baseline-columns.json")  # cached beside the manifest

    def retrains() -> list[dict[str, Any]]:
        """a retrain execution started by the drift alarm"""
        runs = sfn.list_executions(stateMachineArn=pipeline.train_arn)["executions"]
        return [r for r in runs if r["name"].startswith("retrain-credit-")]

    _wait(retrains, timeout=60)
    alarm = cloud.client("cloudwatch").describe_alarms(AlarmNames=["lockgate-dev-drift-credit-features"])
    assert alarm["MetricAlarms"][0]["StateValue"] == "ALARM"
    # the same episode again (EventBridge at-least-once): still one retrain
    cloud.client("lambda").invoke(
        FunctionName=outputs["MonitorFunctionArn"], Payload=json.dumps(_scheduled())
    )
    time.sleep(2)
    (run,) = retrains()
    started = json.loads(sfn.describe_execution(executionArn=run["executionArn"])["input"])
    assert started["dataset"] == "credit" and started["version"] == version
    (record,) = _audit(pipeline, "lockgate-dev-drift-credit-features")
    assert record["outcome"] == "done" and record["after"]["execution"] == run["executionArn"]
    sagemaker.delete_endpoint(EndpointName=endpoint)


@contextmanager
def _monitor_schedule_paused(pipeline: Any) -> Iterator[None]:
    """The monitor's schedule rule DISABLED meanwhile, and a pass it already started finished: at clock
    speed 1000 its hourly pass fires every 3.6 s and moves the capture cursor, so a test reading one
    pass's result must own that pass."""
    events, arn = pipeline.cloud.client("events"), pipeline.cloud.stack.outputs["MonitorFunctionArn"]
    rules = [
        r["Name"]
        for r in events.list_rules()["Rules"]
        if r.get("ScheduleExpression")
        and r.get("State") == "ENABLED"
        and any(t["Arn"] == arn for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"])
    ]
    assert rules, "the monitor has a schedule rule"
    for name in rules:
        events.disable_rule(Name=name)
    pipeline.cloud.runtime.wait_async(timeout=60)  # a pass the schedule started just before
    try:
        yield
    finally:
        for name in rules:
            events.enable_rule(Name=name)


def _scheduled() -> dict[str, Any]:
    return {
        "version": "0",
        "id": "t",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-02T00:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/test"],
        "detail": {},
    }


def test_cli_alarm_actions_and_monitor(pipeline, capsys) -> None:  # type: ignore[no-untyped-def]
    from lockgate.cli import main

    url = pipeline.cloud.url
    assert main(["alarm", "no-such-alarm", "--state", "ALARM", "--endpoint-url", url]) == 1  # not found
    assert "no alarm named 'no-such-alarm'" in capsys.readouterr().err
    name = "lockgate-dev-notify-dlq"
    assert main(["alarm", name, "--state", "ALARM", "--reason", "testing", "--endpoint-url", url]) == 0
    _wait(lambda: _audit(pipeline, name), timeout=60)
    capsys.readouterr()
    assert main(["actions", "--endpoint-url", url]) == 0
    out = capsys.readouterr().out
    assert name in out and "notify" in out and "notified" in out
    assert main(["monitor", "run", "--endpoint-url", url]) == 0
    out = capsys.readouterr().out
    assert "no managed endpoints" in out or "rows, max PSI" in out


def test_a_scheduled_monitor_pass_succeeds_when_a_packages_version_is_gone(pipeline, quick_packages) -> None:  # type: ignore[no-untyped-def]
    """The monitor's schedule fires on the local clock. An endpoint whose package names a dataset
    version with no manifest (deleted data, a package from elsewhere) used to fail every scheduled
    pass with NoSuchKey, for every endpoint, into the dead-letter queue; now it is reported."""
    outputs, cloud = pipeline.cloud.stack.outputs, pipeline.cloud
    s3, sagemaker, logs = cloud.client("s3"), cloud.client("sagemaker"), cloud.client("logs")
    artifacts = outputs["ArtifactBucketName"]
    package = quick_packages.register("credit-gone", 7, approve=False)
    endpoint = "lockgate-dev-credit-gone"
    fx.create_endpoint(
        sagemaker, endpoint, "credit-gone", "prod", package_arn=package.arn, artifact_bucket=artifacts
    )
    fx.write_capture(s3, artifacts, endpoint, fx.capture_lines(np.ones((5, 4)), np.full(5, 0.5)))
    started = int(time.time() * 1000)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started / 1000))
    group = f"/aws/lambda/{cloud.stack.functions['MonitorFunction'].name}"

    def passes() -> list[dict[str, Any]]:
        """two scheduled monitoring passes that measured the endpoint"""
        events = logs.filter_log_events(logGroupName=group, startTime=started)["events"]
        found = [json.loads(e["message"]) for e in events if '"monitoring pass"' in e["message"]]
        mine = [f for f in found if endpoint in f.get("endpoints", [])]
        return mine if len(mine) >= 2 else []

    _wait(passes, timeout=90)
    sqs, url = cloud.client("sqs"), outputs["DeadLetterQueueUrl"]
    failed: list[str] = []
    for _ in range(5):
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            body = json.loads(message["Body"])
            mine = "MonitorSchedule" in str(body.get("resources")) and body.get("time", "") >= since
            if body.get("detail-type") == "Scheduled Event" and mine:
                failed.append(body["time"])
    assert not failed, f"scheduled monitor passes dead-lettered: {failed}"
    sagemaker.delete_endpoint(EndpointName=endpoint)
