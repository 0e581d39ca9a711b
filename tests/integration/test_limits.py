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
