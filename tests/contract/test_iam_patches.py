"""Contract tests: the moto internals lockgate.local.iam.patches replaces or reads are still there with
the shape it assumes, and moto's own IAM authentication is still the one the module works around."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse
from moto.iam import access_control
from moto.stepfunctions import parser as moto_parser
from moto.stepfunctions.parser.asl.utils import boto_client

from lockgate.local.iam import patches as iam_patches
from lockgate.local.iam import state_machines


@pytest.mark.parametrize(
    ("owner", "name"), iam_patches.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), f"moto moved {owner}.{name}: lockgate.local.iam.patches needs updating"


def test_the_hook_signature_and_that_every_request_passes_it() -> None:
    hook = iam_patches._state.original or ActionAuthenticatorMixin._authenticate_and_authorize_action
    assert list(inspect.signature(hook).parameters) == ["self", "iam_request_cls", "resource"]
    assert "_authenticate_and_authorize_normal_action" in inspect.getsource(BaseResponse.call_action)
    source = inspect.getsource(ActionAuthenticatorMixin._authenticate_and_authorize_s3_action)
    assert "_authenticate_and_authorize_action" in source


def test_moto_iam_auth_is_off_by_default_and_process_wide() -> None:
    """If moto turns its own enforcement on by default, the harness's `testing` key would be refused."""
    assert float("inf") == settings.INITIAL_NO_AUTH_ACTION_COUNT


def test_moto_still_checks_resource_star_outside_s3_sqs_iam_sts() -> None:
    """Why the module derives resources itself: if moto learns them, compare and simplify."""
    assert "TODO add support for the Resource and Condition parts" in inspect.getsource(access_control)


def test_json_error_carries_type_and_message() -> None:
    error = JsonRESTError("AccessDeniedException", "no")
    assert '"__type": "AccessDeniedException"' in error.description


def test_apply_replaces_and_remove_restores() -> None:
    if iam_patches._state.original is not None:
        pytest.skip("a local cloud of this test session has the hook installed")
    original = ActionAuthenticatorMixin._authenticate_and_authorize_action
    iam_patches.apply(warn=lambda _: None)
    try:
        assert ActionAuthenticatorMixin._authenticate_and_authorize_action is iam_patches._authorize
        iam_patches.apply(warn=lambda _: None)  # idempotent
    finally:
        iam_patches.remove()
    assert ActionAuthenticatorMixin._authenticate_and_authorize_action is original


# ---- the state machines' roles (lockgate.local.iam.state_machines) -------------------------------


@pytest.mark.parametrize(
    ("owner", "name"), state_machines.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_state_machine_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), (
        f"moto moved {owner}.{name}: lockgate.local.iam.state_machines needs updating"
    )


def test_moto_still_signs_every_interpreter_call_with_one_key() -> None:
    """If moto passes the execution's role through itself, drop the client patch."""
    original = state_machines._state.originals.get(
        (boto_client, "boto_client_for"), boto_client.boto_client_for
    )
    assert list(inspect.signature(original).parameters) == ["region", "service", "state_credentials"]
    assert 'aws_access_key_id="ak"' in inspect.getsource(original)


def test_every_interpreter_module_that_builds_a_client_is_patched() -> None:
    """A new integration module binding boto_client_for would sign with moto's key, unchecked."""
    root = Path(moto_parser.__file__).parent
    binding = {
        path.relative_to(root).with_suffix("").as_posix().replace("/", ".")
        for path in root.rglob("*.py")
        if "import boto_client_for" in path.read_text() and path.name != "boto_client.py"
    }
    patched = {
        m.__name__.removeprefix(moto_parser.__name__ + ".")
        for m in state_machines.CLIENT_MODULES
        if m.__name__.startswith(moto_parser.__name__)
    }
    assert binding == patched


def test_the_integrations_whose_denial_is_renamed_define_from_error() -> None:
    for cls in state_machines.DENIED_ERRORS:
        assert "_from_error" in cls.__dict__ or (cls, "_from_error") in state_machines._state.originals
