"""Contract tests: every moto internal that lockgate.local.moto_patches relies on is still there,
with the shape the patch assumes. A moto upgrade that moves one fails here, by name."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import pytest
from moto.awslambda.models import LambdaFunction
from moto.events.models import Rule
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata
from moto.stepfunctions.parser.asl.utils import boto_client

from lockgate.local import moto_patches
from lockgate.local.clock import LocalClock

PINNED_MOTO = "5.2.5"


def _params(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_moto_is_the_pinned_version() -> None:
    assert version("moto") == PINNED_MOTO, (
        f"moto {version('moto')} installed, the patches were checked against {PINNED_MOTO}: "
        "run tests/contract, fix lockgate/local/moto_patches.py, then bump the pin in pyproject.toml"
    )


@pytest.mark.parametrize(
    ("owner", "name"), moto_patches.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name) or name in getattr(owner, "__annotations__", {}), (
        f"moto moved {getattr(owner, '__name__', owner)}.{name}: lockgate.local.moto_patches needs updating"
    )


def test_lambda_invoke_signature() -> None:
    assert _params(LambdaFunction.invoke) == ["self", "body", "request_headers", "response_headers"]


def test_rule_send_to_targets_signature_and_fields() -> None:
    assert _params(Rule.send_to_targets) == ["self", "original_event", "transform_input"]
    source = inspect.getsource(Rule.__init__)
    assert "self.targets" in source and "self.event_pattern" in source


def test_rule_targets_moto_lacks_are_still_unimplemented() -> None:
    """If moto learns Lambda/Step Functions targets, our patch may be dropped: this says so."""
    source = inspect.getsource(Rule.send_to_targets)
    assert '"lambda"' not in source and '"states"' not in source


def test_jsonata_hook_is_the_module_global_we_fill() -> None:
    source = inspect.getsource(moto_jsonata.eval_jsonata_expression)
    assert "_eval_jsonata" in source and "global _eval_jsonata" in source


def test_retrier_sleeps_through_its_time_module() -> None:
    source = inspect.getsource(retrier_decl.RetrierDecl._eval_body)
    assert "time.sleep(" in source


def test_wait_state_waits_through_wait_interval() -> None:
    assert _params(WaitFunction._wait_interval) == ["self", "env", "wait_seconds"]
    assert "_wait_interval" in inspect.getsource(WaitFunction._eval_body)


def test_interpreter_reaches_services_through_moto_port() -> None:
    assert "moto_server_port()" in inspect.getsource(boto_client.boto_client_for)


class _Invoker:
    def invoke(
        self, function_name_or_arn: str, payload: bytes, *, invocation_type: str = "RequestResponse"
    ) -> None:
        raise AssertionError("not called here")

    def invoke_async(self, function_name_or_arn: str, payload: bytes) -> None:
        raise AssertionError("not called here")


@pytest.fixture
def patched():  # type: ignore[no-untyped-def]
    moto_patches.apply(invoker=_Invoker(), clock=LocalClock(1000), start_execution=lambda *_: None)
    yield
    moto_patches.remove()


@pytest.mark.usefixtures("patched")
def test_apply_replaces_and_remove_restores() -> None:
    assert LambdaFunction.invoke is moto_patches._lambda_invoke
    assert retrier_decl.time is moto_patches._ClockedTime
    moto_patches.remove()
    assert LambdaFunction.invoke is not moto_patches._lambda_invoke
    assert retrier_decl.time.sleep.__module__ == "time"
    moto_patches.apply(invoker=_Invoker(), clock=LocalClock(1000), start_execution=lambda *_: None)


@pytest.mark.usefixtures("patched")
def test_jsonata_evaluates_with_variables() -> None:
    expression = moto_jsonata.compose_jsonata_expression("$x * 2 + $count($y)", ["$x:=20;", "$y:=[1,2];"])
    assert moto_jsonata.eval_jsonata_expression(expression) == 42


@pytest.mark.usefixtures("patched")
def test_jsonata_error_is_a_states_error() -> None:
    with pytest.raises(moto_jsonata.JSONataException) as raised:
        moto_jsonata.eval_jsonata_expression("$undefinedfn(")
    assert raised.value.error == "States.QueryEvaluationError"
