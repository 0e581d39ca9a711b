"""What moto plus the patches must do like AWS: Retry and Catch on a custom Lambda error name,
backoff intervals and Wait states on the local clock, JSONata with Variables."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.stepfunctions.executions import wait_for_execution

pytestmark = pytest.mark.integration
PROBE_DIR = Path(__file__).parent / "fixture_functions" / "asl_probe"


@pytest.fixture(scope="module")
def probe(pipeline) -> str:  # type: ignore[no-untyped-def]
    """The probe function, created in the endpoint and registered with the runtime."""
    iam, awslambda = pipeline.cloud.client("iam"), pipeline.cloud.client("lambda")
    role = iam.create_role(RoleName="asl-probe", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "")
    arn = awslambda.create_function(
        FunctionName="asl-probe",
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    invoke = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}
    iam.put_role_policy(  # the state machines below run as this role (IAM is enforced for them too)
        RoleName="asl-probe",
        PolicyName="invoke-probe",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [invoke]}),
    )
    pipeline.cloud.runtime.register(
        FunctionConfig(
            logical_id="AslProbe",
            name="asl-probe",
            arn=arn,
            handler="app.handler",
            code_dir=PROBE_DIR,
            timeout=10,
        )
    )
    return arn


def _run(pipeline, name: str, definition: dict, payload: dict) -> tuple[dict, float]:  # type: ignore[no-untyped-def]
    sfn = pipeline.cloud.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/asl-probe"
    )["stateMachineArn"]
    began = time.perf_counter()
    sfn.start_execution(stateMachineArn=machine, name="run", input=json.dumps(payload))
    described = wait_for_execution(sfn, machine, "run", timeout=60)
    return described, time.perf_counter() - began


def test_retry_then_catch_on_a_custom_error_name_with_compressed_backoff(
    pipeline, probe: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    task = {
        "Type": "Task",
        "Resource": probe,
        "TimeoutSeconds": 30,
        "Retry": [
            {"ErrorEquals": ["CustomFailure"], "IntervalSeconds": 30, "MaxAttempts": 2, "BackoffRate": 2.0}
        ],
        "Catch": [{"ErrorEquals": ["CustomFailure"], "ResultPath": "$.error", "Next": "Caught"}],
        "End": True,
    }
    definition = {"StartAt": "Probe", "States": {"Probe": task, "Caught": {"Type": "Pass", "End": True}}}
    counter = tmp_path / "attempts"
    described, seconds = _run(pipeline, "retry-catch", definition, {"counter": str(counter), "fail_times": 9})
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["error"]["Error"] == "CustomFailure"
    assert json.loads(output["error"]["Cause"])["errorType"] == "CustomFailure"
    assert counter.read_text() == "3"  # the first attempt and two retries
    assert seconds < 10  # 30 s + 60 s of backoff at clock speed 1000


def test_retry_succeeds_when_the_error_goes_away(pipeline, probe: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    task = {
        "Type": "Task",
        "Resource": probe,
        "TimeoutSeconds": 30,
        "Retry": [{"ErrorEquals": ["CustomFailure"], "IntervalSeconds": 5, "MaxAttempts": 3}],
        "End": True,
    }
    counter = tmp_path / "attempts"
    described, _ = _run(
        pipeline,
        "retry-ok",
        {"StartAt": "Probe", "States": {"Probe": task}},
        {"counter": str(counter), "fail_times": 2, "echo": "x"},
    )
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"attempts": 3, "echo": "x"}


def test_jsonata_variables_and_a_compressed_wait(pipeline) -> None:  # type: ignore[no-untyped-def]
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Remember",
        "States": {
            "Remember": {
                "Type": "Pass",
                "Assign": {"total": "{% $sum($states.input.values) %}", "who": "{% $states.input.name %}"},
                "Next": "Nap",
            },
            "Nap": {"Type": "Wait", "Seconds": 600, "Next": "Answer"},
            "Answer": {
                "Type": "Pass",
                "Output": {"greeting": "{% 'hello ' & $uppercase($who) %}", "double": "{% $total * 2 %}"},
                "End": True,
            },
        },
    }
    described, seconds = _run(pipeline, "jsonata", definition, {"values": [1, 2, 3.5], "name": "lockgate"})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    assert json.loads(described["output"]) == {"greeting": "hello LOCKGATE", "double": 13}
    assert seconds < 5  # a 10-minute Wait at clock speed 1000
