"""AWS limits hold offline, each with AWS's error: a payload over a limit at each hop."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.stepfunctions import history_limit
from lockgate.local.stepfunctions.executions import wait_for_execution

pytestmark = pytest.mark.integration
PROBE_DIR = Path(__file__).parent / "fixture_functions" / "iam_probe"


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def test_lambda_sync_request_over_6_mb(pipeline: Any) -> None:
    starter = pipeline.cloud.stack.outputs["StarterFunctionArn"]
    body = json.dumps({"x": "y" * 6_300_000}).encode()
    code = _code(lambda: pipeline.cloud.client("lambda").invoke(FunctionName=starter, Payload=body))
    assert code == "RequestTooLargeException"


def test_lambda_async_request_over_1_mb(pipeline: Any) -> None:
    starter = pipeline.cloud.stack.outputs["StarterFunctionArn"]
    body = json.dumps({"x": "y" * 1_100_000}).encode()
    awslambda = pipeline.cloud.client("lambda")
    code = _code(lambda: awslambda.invoke(FunctionName=starter, Payload=body, InvocationType="Event"))
    assert code == "RequestTooLargeException"


def test_state_output_over_256_kib_is_states_data_limit_exceeded(pipeline: Any) -> None:
    role = pipeline.cloud.client("iam").create_role(RoleName="big-result", AssumeRolePolicyDocument="{}")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "")
    arn = pipeline.cloud.client("lambda").create_function(
        FunctionName="big-result",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="app.big",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    invoke = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}
    pipeline.cloud.client("iam").put_role_policy(  # the state machine below runs as this role
        RoleName="big-result",
        PolicyName="invoke",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [invoke]}),
    )
    pipeline.cloud.register_function(
        FunctionConfig(
            logical_id="BigResult", name="big-result", arn=arn, handler="app.big", code_dir=PROBE_DIR
        )
    )
    sfn = pipeline.cloud.client("stepfunctions")
    definition = {
        "StartAt": "Big",
        "States": {
            "Big": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": arn, "Payload": {}},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name="data-limit",
        definition=json.dumps(definition),
        roleArn=role["Role"]["Arn"],
    )["stateMachineArn"]
    sfn.start_execution(stateMachineArn=machine, name="run", input="{}")
    described = wait_for_execution(sfn, machine, "run", timeout=60)
    assert described["status"] == "FAILED"
    assert described["error"] == "States.DataLimitExceeded"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("x" * 81, "ValidationException"),
        ("has space", "InvalidName"),
        ("a/b", "InvalidName"),
        ("<tag>", "InvalidName"),
    ],
)
def test_execution_names_follow_aws_rules(pipeline: Any, name: str, code: str) -> None:
    sfn = pipeline.cloud.client("stepfunctions")
    got = _code(lambda: sfn.start_execution(stateMachineArn=pipeline.ingest_arn, name=name, input="{}"))
    assert got == code


def test_put_events_entry_over_256_kb(pipeline: Any) -> None:
    entry = {"Source": "lockgate", "DetailType": "Probe", "Detail": json.dumps({"x": "y" * (256 * 1024)})}
    code = _code(lambda: pipeline.cloud.client("events").put_events(Entries=[entry]))
    assert code == "ValidationException"


def test_sns_message_over_256_kib(pipeline: Any) -> None:
    topic = pipeline.cloud.stack.outputs["NotificationTopicArn"]
    code = _code(lambda: pipeline.cloud.client("sns").publish(TopicArn=topic, Message="x" * (256 * 1024 + 1)))
    assert code == "InvalidParameter"


# ---- 25,000 history events (AWS: bp-history-limit.html) -------------------------------------------


@pytest.fixture
def lowered_history_limit() -> Any:
    """Lower the history quota for one test (a loop to 25,000 events takes minutes in moto's
    interpreter); the cloud's default is checked by test_the_cloud_enforces_25_000_history_events."""

    def lower(limit: int) -> None:
        history_limit.apply(limit=limit)

    yield lower
    history_limit.apply(limit=history_limit.HISTORY_EVENTS)


def _machine(pipeline: Any, name: str, definition: dict[str, Any]) -> str:
    role = pipeline.cloud.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    return str(
        pipeline.cloud.client("stepfunctions").create_state_machine(
            name=name, definition=json.dumps(definition), roleArn=role["Role"]["Arn"]
        )["stateMachineArn"]
    )


def test_the_cloud_enforces_25_000_history_events(pipeline: Any) -> None:
    assert history_limit.HISTORY_EVENTS == 25_000
    assert history_limit.current_limit() == 25_000


def test_a_loop_past_the_history_limit_fails_the_execution(pipeline: Any, lowered_history_limit: Any) -> None:
    spin = {
        "StartAt": "Spin",
        "States": {
            "Spin": {"Type": "Pass", "Next": "Again"},
            "Again": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Spin"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    machine = _machine(pipeline, "history-spin", spin)
    lowered_history_limit(101)
    sfn = pipeline.cloud.client("stepfunctions")
    sfn.start_execution(stateMachineArn=machine, name="run", input='{"go": true}')
    described = wait_for_execution(sfn, machine, "run", timeout=60)
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"
    assert described["cause"] == "The execution reached the maximum number of history events (101)."
    events = sfn.get_execution_history(executionArn=described["executionArn"], maxResults=1000)["events"]
    assert len(events) == 101
    assert events[-1]["type"] == "ExecutionFailed" and events[-1]["id"] == 101


@pytest.mark.parametrize(("limit", "status"), [(6, "SUCCEEDED"), (5, "FAILED")])
def test_event_number_limit_may_only_be_execution_succeeded(
    pipeline: Any, lowered_history_limit: Any, limit: int, status: str
) -> None:
    """Started, Pass entered/exited, Succeed entered/exited, ExecutionSucceeded: 6 events."""
    short = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "S"}, "S": {"Type": "Succeed"}}}
    machine = _machine(pipeline, f"history-edge-{limit}", short)
    lowered_history_limit(limit)
    sfn = pipeline.cloud.client("stepfunctions")
    sfn.start_execution(stateMachineArn=machine, name="run", input="{}")
    described = wait_for_execution(sfn, machine, "run", timeout=60)
    assert described["status"] == status
    events = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
    assert [e["id"] for e in events] == list(range(1, limit + 1))
    assert events[-1]["type"] == ("ExecutionSucceeded" if status == "SUCCEEDED" else "ExecutionFailed")
