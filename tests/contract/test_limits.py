"""Contract tests: the moto internals lockgate.local.limits patches are still there, still unenforced."""

from __future__ import annotations

import inspect

import pytest
from moto.events.models import EventsBackend
from moto.stepfunctions.models import StepFunctionBackend
from moto.stepfunctions.parser import quotas
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from lockgate.local import limits
from lockgate.local.stepfunctions import history_limit


@pytest.mark.parametrize(("owner", "name"), limits.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x))
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), f"moto moved {owner}.{name}: lockgate.local.limits needs updating"


def test_put_events_signature_and_no_size_check_of_its_own() -> None:
    original = limits._originals.get("put_events", EventsBackend.put_events)
    assert list(inspect.signature(original).parameters) == ["self", "events"]
    assert "256" not in inspect.getsource(original), "moto checks entry size now: drop ours"


def test_interpreter_backend_start_execution_still_skips_name_rules() -> None:
    original = limits._originals.get("start_execution", StepFunctionsParserBackend.start_execution)
    params = list(inspect.signature(original).parameters)
    assert params[:3] == ["self", "state_machine_arn", "name"]
    source = inspect.getsource(original)
    assert "_validate_name" not in source, "moto validates execution names now: drop ours"
    assert list(inspect.signature(StepFunctionBackend._validate_name).parameters) == ["self", "name"]


def test_moto_keeps_the_256_kib_state_quota_we_rely_on() -> None:
    assert quotas.MAX_STATE_SIZE_UTF8_BYTES == 256 * 1024


def test_apply_and_remove() -> None:
    if limits._originals:
        pytest.skip("a local cloud of this test session has the patches applied")
    original = EventsBackend.put_events
    limits.apply()
    try:
        assert EventsBackend.put_events is limits._put_events
    finally:
        limits.remove()
    assert EventsBackend.put_events is original


# ---- the 25,000 history events (lockgate.local.stepfunctions.history_limit) ----------------------


@pytest.mark.parametrize(
    ("owner", "name"), history_limit.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_history_limit_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), f"moto moved {owner}.{name}: lockgate.local.stepfunctions.history_limit"


def test_the_default_history_limit_is_aws_25_000() -> None:
    assert history_limit.HISTORY_EVENTS == 25_000
    assert inspect.signature(history_limit.apply).parameters["limit"].default == 25_000


def test_every_history_event_passes_add_event_and_frames_share_the_manager() -> None:
    original = history_limit._state.originals.get("add_event", EventManager.add_event)
    params = list(inspect.signature(original).parameters)
    assert params[:3] == ["self", "context", "event_type"]
    assert "self._history_event_list.append" in inspect.getsource(EventManager._publish_history_event)
    assert "frame.event_manager = env.event_manager" in inspect.getsource(Environment.as_inner_frame_of)
    assert "self.event_manager = EventManager(" in inspect.getsource(
        history_limit._state.originals.get("__init__", Environment.__init__)
    )
