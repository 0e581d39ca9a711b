"""Contract tests: the moto internal lockgate.local.stepfunctions.execution_names patches, and what
a nameless StartExecution returns with the patch on (a UUID name, as on AWS)."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.config import default_user_config
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from lockgate.local.stepfunctions import execution_names

REGION = "us-east-1"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize(
    ("owner", "name"), execution_names.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), (
        f"moto moved {getattr(owner, '__name__', owner)}.{name}: update execution_names"
    )


def test_moto_still_formats_the_arn_from_the_name_as_given() -> None:
    """When moto names a nameless execution itself, the patch can go."""
    start = StepFunctionsParserBackend.start_execution
    assert "uuid" not in inspect.getsource(start) and "exec_name = name" in inspect.getsource(start)
    assert list(inspect.signature(start).parameters)[:3] == ["self", "state_machine_arn", "name"]


@pytest.fixture
def sfn() -> Iterator[Any]:
    was = default_user_config["stepfunctions"]["execute_state_machine"]
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    execution_names.apply()
    try:
        with mock_aws():
            yield boto3.client("stepfunctions", region_name=REGION)
    finally:
        execution_names.remove()
        default_user_config["stepfunctions"]["execute_state_machine"] = was


def _machine(sfn: Any) -> str:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    return str(
        sfn.create_state_machine(
            name="sm", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
    )


def test_a_nameless_execution_is_named_with_a_uuid(sfn: Any) -> None:
    arn = sfn.start_execution(stateMachineArn=_machine(sfn), input="{}")["executionArn"]
    name = arn.rsplit(":", 1)[-1]
    assert UUID.fullmatch(name), arn
    assert sfn.describe_execution(executionArn=arn)["name"] == name


def test_two_nameless_starts_with_the_same_input_are_two_executions(sfn: Any) -> None:
    machine = _machine(sfn)
    first = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    assert first != second


def test_a_named_execution_keeps_its_name(sfn: Any) -> None:
    arn = sfn.start_execution(stateMachineArn=_machine(sfn), name="run-1", input="{}")["executionArn"]
    assert arn.endswith(":execution:sm:run-1")


def test_apply_is_idempotent_and_remove_restores_moto() -> None:
    original = StepFunctionsParserBackend.start_execution
    execution_names.apply()
    execution_names.apply()
    assert StepFunctionsParserBackend.start_execution is not original
    execution_names.remove()
    assert StepFunctionsParserBackend.start_execution is original
