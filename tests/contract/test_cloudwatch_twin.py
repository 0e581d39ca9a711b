"""Contract tests of the CloudWatch twin: every moto internal lockgate.local.cloudwatch.patches
relies on is still there with the shape it assumes, and the hooks behave (INSUFFICIENT_DATA at
creation, a state-change event per transition, evaluation from metric data, schedules, status
change events)."""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.cloudwatch.models import Alarm, CloudWatchBackend, MetricAggregatedDatum
from moto.events.models import Rule
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

from lockgate.local.clock import LocalClock
from lockgate.local.cloudwatch import patches

REGION = "us-east-1"


def _params(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


@pytest.mark.parametrize(("owner", "name"), patches.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x))
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), f"moto moved {getattr(owner, '__name__', owner)}.{name}: update the twin"


def test_shapes_the_twin_reads() -> None:
    assert _params(Alarm.update_state) == ["self", "reason", "reason_data", "state_value"]
    assert _params(CloudWatchBackend.put_metric_alarm)[:2] == ["self", "name"]
    init = inspect.getsource(Alarm.__init__)
    for field in (
        "self.state_value",
        "self.state_updated_timestamp",
        "self.treat_missing_data",
        "self.datapoints_to_alarm",
        "self.extended_statistic",
        "self.metric_data_queries",
    ):
        assert field in init, field
    assert "self.metric_data" in inspect.getsource(CloudWatchBackend.__init__)
    assert "self.sample_count" in inspect.getsource(MetricAggregatedDatum.__init__)
    assert "self.scheduled_expression" in inspect.getsource(Rule.__init__)
    assert _params(BaseExecutionWorkerCommunication.terminated) == ["self"]
    assert "exec_status" in inspect.getsource(BaseExecutionWorkerCommunication._reflect_execution_status)


def test_moto_still_starts_alarms_ok_and_emits_nothing() -> None:
    """If moto learns INSUFFICIENT_DATA or alarm events, hook 1/2 may be dropped: this says so."""
    assert 'self.state_value = "OK"' in inspect.getsource(Alarm.__init__)
    assert "put_events" not in inspect.getsource(Alarm.update_state)


@pytest.fixture
def twin() -> Iterator[dict[str, Any]]:
    with mock_aws():
        patches.apply(clock=LocalClock(1000), ticking=False)  # the tests drive every tick themselves
        try:
            sqs = boto3.client("sqs", region_name=REGION)
            url = sqs.create_queue(QueueName="seen")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            events = boto3.client("events", region_name=REGION)
            events.put_rule(
                Name="all-aws", EventPattern=json.dumps({"source": ["aws.cloudwatch", "aws.states"]})
            )
            events.put_targets(Rule="all-aws", Targets=[{"Id": "q", "Arn": arn}])
            yield {
                "sqs": sqs,
                "url": url,
                "arn": arn,
                "events": events,
                "cw": boto3.client("cloudwatch", region_name=REGION),
            }
        finally:
            patches.remove()


def _drain(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    while batch := ctx["sqs"].receive_message(QueueUrl=ctx["url"], MaxNumberOfMessages=10).get("Messages"):
        for m in batch:
            out.append(json.loads(m["Body"]))
            ctx["sqs"].delete_message(QueueUrl=ctx["url"], ReceiptHandle=m["ReceiptHandle"])
    return out


def _alarm(cw: Any, name: str = "a", **extra: Any) -> None:
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace="T",
        MetricName="Errors",
        Dimensions=[{"Name": "E", "Value": "x"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmDescription="errors",
        **extra,
    )


def test_a_state_set_by_hand_holds_until_new_data(twin: dict[str, Any]) -> None:
    cw = twin["cw"]
    _alarm(cw)
    cw.set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="by hand")
    patches.tick(time.time() + 1.0)  # no data: held (AWS would re-evaluate at the next minute)
    assert cw.describe_alarms(AlarmNames=["a"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    cw.put_metric_data(
        Namespace="T",
        MetricData=[{"MetricName": "Errors", "Dimensions": [{"Name": "E", "Value": "x"}], "Value": 0}],
    )
    patches.tick(time.time() + 0.01)
    assert cw.describe_alarms(AlarmNames=["a"])["MetricAlarms"][0]["StateValue"] == "OK"


def test_new_alarm_is_insufficient_data_and_update_keeps_state(twin: dict[str, Any]) -> None:
    cw = twin["cw"]
    _alarm(cw)
    assert cw.describe_alarms(AlarmNames=["a"])["MetricAlarms"][0]["StateValue"] == "INSUFFICIENT_DATA"
    cw.set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="by hand")
    _alarm(cw)
    assert cw.describe_alarms(AlarmNames=["a"])["MetricAlarms"][0]["StateValue"] == "ALARM"


def test_set_alarm_state_emits_the_aws_event_once_per_transition(twin: dict[str, Any]) -> None:
    cw = twin["cw"]
    _alarm(cw)
    cw.set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="by hand")
    cw.set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="again")  # no transition
    seen = _drain(twin)
    assert len(seen) == 1
    event = seen[0]
    assert event["source"] == "aws.cloudwatch" and event["detail-type"] == "CloudWatch Alarm State Change"
    detail = event["detail"]
    assert detail["alarmName"] == "a"
    assert detail["state"]["value"] == "ALARM" and detail["state"]["reason"] == "by hand"
    assert detail["previousState"]["value"] == "INSUFFICIENT_DATA"
    assert detail["state"]["timestamp"].endswith("+0000")
    metric = detail["configuration"]["metrics"][0]["metricStat"]
    assert metric["metric"] == {"namespace": "T", "name": "Errors", "dimensions": {"E": "x"}}
    assert metric["period"] == 60 and metric["stat"] == "Sum"


def test_evaluator_moves_states_from_metric_data(twin: dict[str, Any]) -> None:
    cw = twin["cw"]
    _alarm(cw)
    _alarm(cw, "quiet", TreatMissingData="notBreaching")
    cw.put_metric_data(
        Namespace="T",
        MetricData=[{"MetricName": "Errors", "Dimensions": [{"Name": "E", "Value": "x"}], "Value": 3.0}],
    )
    now = time.time()  # after the put: the datapoint is stamped when moto receives it
    patches.tick(now)
    states = {a["AlarmName"]: a["StateValue"] for a in cw.describe_alarms()["MetricAlarms"]}
    assert states == {"a": "ALARM", "quiet": "ALARM"}
    patches.tick(now + 1.0)  # 1 s real = 1000 s local: the datapoint left the 60 s window
    states = {a["AlarmName"]: a["StateValue"] for a in cw.describe_alarms()["MetricAlarms"]}
    assert states == {"a": "INSUFFICIENT_DATA", "quiet": "OK"}
    values = [e["detail"]["state"]["value"] for e in _drain(twin) if e["detail"]["alarmName"] == "a"]
    assert values == ["ALARM", "INSUFFICIENT_DATA"]


def test_schedule_rule_fires_on_the_local_clock(twin: dict[str, Any]) -> None:
    events = twin["events"]
    events.put_rule(Name="every-5", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="every-5", Targets=[{"Id": "q", "Arn": twin["arn"]}])
    _drain(twin)
    now = time.time()
    patches.tick(now)  # first sight: due one period (0.3 s real) later
    patches.tick(now + 0.1)
    assert _drain(twin) == []
    patches.tick(now + 0.31)
    fired = _drain(twin)
    assert [e["detail-type"] for e in fired] == ["Scheduled Event"]
    assert fired[0]["resources"][0].endswith(":rule/every-5")
    events.put_events(Entries=[{"Source": "custom", "DetailType": "x", "Detail": "{}"}])
    assert _drain(twin) == []  # a schedule rule matches no event (moto's empty pattern matches all)


def test_failed_execution_emits_status_change(twin: dict[str, Any]) -> None:
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"]["execute_state_machine"] = True
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "why"}}}
    arn = sfn.create_state_machine(
        name="sm", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name="run-1", input="{}")["executionArn"]
    deadline = time.monotonic() + 10
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not seen:
        seen = [e for e in _drain(twin) if e["source"] == "aws.states"]
        time.sleep(0.05)
    assert len(seen) == 1
    detail = seen[0]["detail"]
    assert seen[0]["detail-type"] == "Step Functions Execution Status Change"
    assert detail["status"] == "FAILED" and detail["executionArn"] == execution
    assert detail["error"] == "Boom" and detail["cause"] == "why" and detail["stateMachineArn"] == arn
