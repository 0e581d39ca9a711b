"""Callback tasks on the local cloud: send_task_failure keeps its cause; TimeoutSeconds and
HeartbeatSeconds follow the local clock (an hour-long approval timeout ends in seconds)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from lockgate.local.stepfunctions.executions import wait_for_execution

pytestmark = pytest.mark.integration


def _machine(pipeline, name: str, **timeouts: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    sqs = pipeline.cloud.client("sqs")
    queue = sqs.create_queue(QueueName=f"{name}-tokens")["QueueUrl"]
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                **timeouts,
                "End": True,
            }
        },
    }
    arn = pipeline.cloud.client("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=_role(pipeline)
    )["stateMachineArn"]
    return arn, queue


def _role(pipeline) -> str:  # type: ignore[no-untyped-def]
    """The machines' role: sqs:SendMessage on the token queues (IAM is enforced for state machines)."""
    iam = pipeline.cloud.client("iam")
    try:
        return str(iam.get_role(RoleName="tokens")["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = iam.create_role(RoleName="tokens", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    send = {
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": "arn:aws:sqs:us-east-1:123456789012:*-tokens",
    }
    iam.put_role_policy(
        RoleName="tokens",
        PolicyName="send-tokens",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [send]}),
    )
    return str(arn)


def _token(pipeline, queue: str) -> str:  # type: ignore[no-untyped-def]
    sqs, deadline = pipeline.cloud.client("sqs"), time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue).get("Messages", []):
            return str(json.loads(message["Body"])["token"])
        time.sleep(0.05)
    raise TimeoutError("no task token")


def _run(pipeline, arn: str) -> Any:  # type: ignore[no-untyped-def]
    sfn = pipeline.cloud.client("stepfunctions")
    sfn.start_execution(stateMachineArn=arn, name="run", input="{}")
    return sfn


def test_send_task_failure_keeps_the_cause(pipeline) -> None:  # type: ignore[no-untyped-def]
    arn, queue = _machine(pipeline, "tokens-cause", TimeoutSeconds=3600)
    sfn = _run(pipeline, arn)
    sfn.send_task_failure(
        taskToken=_token(pipeline, queue), error="Rejected", cause="bias post verdict fails"
    )
    described = wait_for_execution(sfn, arn, "run", timeout=30)
    assert described["status"] == "FAILED"
    assert (described["error"], described["cause"]) == ("Rejected", "bias post verdict fails")


def test_task_timeout_follows_the_local_clock(pipeline) -> None:  # type: ignore[no-untyped-def]
    arn, _ = _machine(pipeline, "tokens-timeout", TimeoutSeconds=3600)  # one hour: 3.6 s at speed 1000
    began = time.monotonic()
    sfn = _run(pipeline, arn)
    described = wait_for_execution(sfn, arn, "run", timeout=60)
    assert described["status"] == "FAILED" and described["error"] == "States.Timeout"
    assert time.monotonic() - began < 30


def test_heartbeat_timeout_follows_the_local_clock(pipeline) -> None:  # type: ignore[no-untyped-def]
    arn, queue = _machine(pipeline, "tokens-heartbeat", TimeoutSeconds=86400, HeartbeatSeconds=600)
    sfn = _run(pipeline, arn)
    token = _token(pipeline, queue)
    sfn.send_task_heartbeat(taskToken=token)
    described = wait_for_execution(sfn, arn, "run", timeout=60)
    assert described["status"] == "FAILED" and described["error"] == "States.HeartbeatTimeout"


def test_a_spent_token_is_refused(pipeline) -> None:  # type: ignore[no-untyped-def]
    arn, queue = _machine(pipeline, "tokens-spent", TimeoutSeconds=3600)
    sfn = _run(pipeline, arn)
    token = _token(pipeline, queue)
    sfn.send_task_success(taskToken=token, output="{}")
    assert wait_for_execution(sfn, arn, "run", timeout=30)["status"] == "SUCCEEDED"
    with pytest.raises(sfn.exceptions.ClientError) as spent:
        sfn.send_task_success(taskToken=token, output="{}")
    assert spent.value.response["Error"]["Code"] in ("InvalidToken", "TaskTimedOut", "TaskDoesNotExist")
