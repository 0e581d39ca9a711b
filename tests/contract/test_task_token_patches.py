"""Contract tests: the moto internals lockgate.local.stepfunctions.task_tokens relies on."""

from __future__ import annotations

import inspect
import threading

import pytest
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.eval.callback import callback
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from lockgate.local.clock import LocalClock
from lockgate.local.stepfunctions import task_tokens as task_token_patches


@pytest.mark.parametrize(
    ("owner", "name"), task_token_patches.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), (
        f"moto moved {getattr(owner, '__name__', owner)}.{name}: update task_token_patches"
    )


def test_moto_still_drops_the_cause() -> None:
    """When moto forwards `cause` itself, the send_task_failure patch can go."""
    source = inspect.getsource(StepFunctionResponse.send_task_failure)
    assert "cause" not in source
    assert "cause" in inspect.signature(StepFunctionsParserBackend.send_task_failure).parameters


def test_timeouts_wait_on_the_events_we_clock() -> None:
    assert "threading.Event()" in inspect.getsource(execute_state.ExecutionState._evaluate_with_timeout)
    assert "terminated_event.wait(timeout_seconds)" in inspect.getsource(
        execute_state.ExecutionState._evaluate_with_timeout
    )
    source = inspect.getsource(callback.HeartbeatEndpoint.clear_and_wait)
    assert "self._next_heartbeat_event.wait(timeout=self._heartbeat_seconds)" in source
    assert "self._mutex" in source


def test_clocked_waits_only_for_token_tasks() -> None:
    task_token_patches.apply(clock=LocalClock(1000))
    try:
        assert execute_state.threading.Thread is threading.Thread
        assert type(execute_state.threading.Event()) is threading.Event  # not a token task: real time
        task_token_patches._callback_state.active = True
        try:
            event = execute_state.threading.Event()
        finally:
            task_token_patches._callback_state.active = False
        assert isinstance(event, task_token_patches.ClockedEvent)
        assert event.wait(100) is False  # 100 local seconds = 0.1 s real
        assert callback.HeartbeatEndpoint(heartbeat_seconds=50).clear_and_wait() is False  # 0.05 s
    finally:
        task_token_patches.remove()
    assert execute_state.threading is threading


def test_moto_still_names_every_task_timeout_states_timeout() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask

    source = inspect.getsource(StateTask._from_error)
    assert "isinstance(ex, TimeoutError)" in source and "HeartbeatTimeout" not in source
    assert issubclass(callback.HeartbeatTimeoutError, TimeoutError)


def test_an_early_answer_reaches_a_later_heartbeat_endpoint() -> None:
    source = inspect.getsource(callback.CallbackEndpoint.notify)
    assert "if self._heartbeat_endpoint:" in source  # moto notifies only an endpoint that exists already
    task_token_patches.apply(clock=LocalClock(1000))
    try:
        endpoint = callback.CallbackEndpoint("token")
        endpoint.notify(callback.CallbackOutcomeSuccess("token", "{}"))
        heartbeat = endpoint.setup_heartbeat_endpoint(heartbeat_seconds=3600)
        assert heartbeat.clear_and_wait() is True
    finally:
        task_token_patches.remove()


def test_a_callback_still_waiting_is_woken_when_the_cloud_stops() -> None:
    """The inner thread of a .waitForTaskToken task waits on its endpoint in real time; the cloud's
    stop wakes it (moto's interrupt_all) instead of leaving it for the task's whole timeout."""
    task_token_patches.apply(clock=LocalClock(1000))
    try:
        endpoint = callback.CallbackPoolManager(activity_store={}).add("token-1")
        answered = callback.CallbackPoolManager(activity_store={}).add("token-2")
        answered.notify(callback.CallbackOutcomeSuccess(callback_id="token-2", output="{}"))
        waiter = threading.Thread(target=endpoint.wait, kwargs={"timeout": 3600})
        waiter.start()
        assert task_token_patches.interrupt_waiting() == 1  # the answered one is not counted
        waiter.join(timeout=5)
        assert not waiter.is_alive()
        assert endpoint.get_outcome() is None  # woken, not answered: the task reads "interrupted"
    finally:
        task_token_patches.remove()
