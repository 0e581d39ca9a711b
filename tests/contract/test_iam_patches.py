"""Contract tests: the moto internals lockgate.local.iam.patches replaces or reads are still there with
the shape it assumes, and moto's own IAM authentication is still the one the module works around."""

from __future__ import annotations

import inspect

import pytest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse
from moto.iam import access_control

from lockgate.local.iam import patches as iam_patches


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
