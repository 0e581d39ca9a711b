"""Offline fidelity with the real template: IAM enforced per function role, failed async work in the
dead-letter queue in AWS's shape, an EventBridge target that cannot be invoked."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.stepfunctions.executions import wait_for_execution

pytestmark = pytest.mark.integration
PROBE_DIR = Path(__file__).parent / "fixture_functions" / "iam_probe"
ACCOUNT = "123456789012"


def _probe(pipeline: Any, name: str, policy: dict[str, Any]) -> tuple[str, str]:
    """A function whose role has exactly `policy`; returns (function ARN, role ARN)."""
    iam, awslambda = pipeline.cloud.client("iam"), pipeline.cloud.client("lambda")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName=f"{name}-role", PolicyName="only", PolicyDocument=json.dumps(policy))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "")
    arn = awslambda.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    pipeline.cloud.register_function(
        FunctionConfig(
            logical_id=name.title().replace("-", ""),
            name=name,
            arn=arn,
            handler="app.handler",
            code_dir=PROBE_DIR,
            timeout=30,
            role_arn=role,
        )
    )
    return arn, role


def _messages(sqs: Any, url: str, want: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < want and time.monotonic() < deadline:
        found += sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        time.sleep(0.05)
    return found


def test_a_call_the_role_does_not_allow_is_access_denied_and_caught(pipeline: Any) -> None:
    topic = pipeline.cloud.stack.outputs["NotificationTopicArn"]
    readonly = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    function, role = _probe(pipeline, "iam-denied", readonly)
    sfn = pipeline.cloud.client("stepfunctions")
    definition = {
        "StartAt": "Publish",
        "States": {
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload": {"topic": topic}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                "End": True,
            },
            "Failed": {"Type": "Pass", "End": True},
        },
    }
    machine = sfn.create_state_machine(name="iam-denied", definition=json.dumps(definition), roleArn=role)[
        "stateMachineArn"
    ]
    sfn.start_execution(stateMachineArn=machine, name="run", input="{}")
    described = wait_for_execution(sfn, machine, "run", timeout=60)
    error = json.loads(described["output"])["error"]
    cause = json.loads(error["Cause"])
    assert error["Error"] == "ClientError" == cause["errorType"]
    message = cause["errorMessage"]
    assert "(AccessDenied) when calling the Publish operation" in message
    assert "sns:Publish" in message and f"on resource: {topic}" in message
    assert "function iam-denied" in message and f"role {role}" in message


def test_the_same_call_passes_when_the_role_allows_it(pipeline: Any) -> None:
    topic = pipeline.cloud.stack.outputs["NotificationTopicArn"]
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}],
    }
    _probe(pipeline, "iam-allowed", allow)
    result = pipeline.cloud.runtime.invoke("iam-allowed", json.dumps({"topic": topic}).encode())
    assert result.function_error is None, result.payload
    pipeline.notifications()  # drain the probe's message


def test_iam_can_be_switched_off_for_debugging(pipeline: Any) -> None:
    from lockgate.local.cloud import LocalCloud

    assert pipeline.cloud.iam is True
    assert LocalCloud(Path("template.yaml"), iam=False).iam is False


def test_an_async_invocation_that_keeps_failing_lands_in_the_dead_letter_queue(pipeline: Any) -> None:
    """An event the starter cannot parse, invoked asynchronously as EventBridge does: after the
    retries it is in the function's DLQ with AWS's attributes (an unroutable key under raw/ no
    longer fails: the starter tells people once and returns, issue 10)."""
    sqs = pipeline.cloud.client("sqs")
    url = pipeline.cloud.stack.outputs["DeadLetterQueueUrl"]
    starter = pipeline.cloud.stack.functions["StarterFunction"].name
    event = {"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": "x"}}}
    pipeline.cloud.client("lambda").invoke(
        FunctionName=starter, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    # Earlier tests' failed deliveries may share the queue: look for this event's message. Two
    # retries on the local clock take seconds, more on a loaded machine: wait up to two minutes.
    deadline, mine = time.monotonic() + 120, []
    while not mine and time.monotonic() < deadline:
        mine = [m for m in _messages(sqs, url, timeout=1) if json.loads(m["Body"]) == event]
    assert mine, "the failed event did not reach the function's dead-letter queue"
    message = mine[0]
    assert "RequestID" in message["MessageAttributes"]
    attributes = message["MessageAttributes"]
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_an_eventbridge_target_that_cannot_be_invoked_goes_to_its_dlq(pipeline: Any) -> None:
    sqs, events = pipeline.cloud.client("sqs"), pipeline.cloud.client("events")
    url = sqs.create_queue(QueueName="it-target-dlq")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:it-target-dlq"
    gone = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:no-such-function"
    rule_arn = events.put_rule(Name="it-gone-target", EventPattern=json.dumps({"source": ["it.fidelity"]}))[
        "RuleArn"
    ]
    events.put_targets(
        Rule="it-gone-target",
        Targets=[{"Id": "gone", "Arn": gone, "DeadLetterConfig": {"Arn": queue_arn}}],
    )
    events.put_events(Entries=[{"Source": "it.fidelity", "DetailType": "Probe", "Detail": '{"n": 1}'}])
    (message,) = _messages(sqs, url)
    assert json.loads(message["Body"])["detail"] == {"n": 1}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rule_arn
    assert attributes["TARGET_ARN"] == gone
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert "no-such-function" in attributes["ERROR_MESSAGE"]
