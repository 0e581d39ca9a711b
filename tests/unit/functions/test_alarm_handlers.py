"""The remediation and pipeline-status handlers with the events/ samples, over in-process moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

EVENTS = Path(__file__).resolve().parents[3] / "events"
REGION = "us-east-1"
TRAIN_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:lockgate-train-dev"


def _event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
        ddb, sns, sqs = (boto3.client(s, region_name=REGION) for s in ("dynamodb", "sns", "sqs"))
        ddb.create_table(
            TableName="audit",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "alarm", "AttributeType": "S"},
                {"AttributeName": "timestamp", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "alarm", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
        )
        topic = sns.create_topic(Name="people")["TopicArn"]
        queue = sqs.create_queue(QueueName="people")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        env = {
            "ENVIRONMENT": "dev",
            "AUDIT_TABLE": "audit",
            "TOPIC_ARN": topic,
            "DATA_BUCKET": "data",
            "TRAIN_STATE_MACHINE_ARN": TRAIN_ARN,
            "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield {"sqs": sqs, "queue": queue, "ddb": ddb}


def _messages(aws: dict[str, Any]) -> list[str]:
    got = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"])["Message"] for m in got]


def test_remediation_ignores_an_alarm_from_outside_lockgate(
    aws: dict[str, Any], context: Any, load_handler: Callable[[str], ModuleType]
) -> None:
    handler = load_handler("remediation")
    result = handler.lambda_handler(_event("remediation_outside_alarm.json"), context())
    assert result["outcome"].startswith("ignored: not a Lockgate alarm")
    assert aws["ddb"].scan(TableName="audit")["Items"] == [] and _messages(aws) == []


def test_remediation_reports_an_idle_alarm_whose_endpoint_is_gone(
    aws: dict[str, Any], context: Any, load_handler: Callable[[str], ModuleType]
) -> None:
    handler = load_handler("remediation")
    first = handler.lambda_handler(_event("remediation_idle_staging.json"), context())
    again = handler.lambda_handler(_event("remediation_idle_staging.json"), context())
    assert first["outcome"].startswith("resource-gone") and not first["duplicate"]
    assert again["duplicate"]


def test_pipeline_status_tells_once_per_execution(
    aws: dict[str, Any], context: Any, load_handler: Callable[[str], ModuleType]
) -> None:
    handler = load_handler("pipeline_status")
    event = _event("pipeline_status_timed_out.json")
    assert handler.lambda_handler(event, context())["notified"]
    assert not handler.lambda_handler(event, context())["notified"]
    (message,) = _messages(aws)
    assert "timed out" in message and "lockgate-train-dev:run-1" in message
    other = json.loads(json.dumps(event))
    other["detail"]["stateMachineArn"] = "arn:aws:states:us-east-1:123456789012:stateMachine:not-ours"
    assert handler.lambda_handler(other, context())["reason"].startswith("not a Lockgate state machine")
