"""Callback tasks (`.waitForTaskToken`) in moto's interpreter, as on AWS.

moto 5.2.5 gets two things wrong (DESIGN.md, "SageMaker, CloudWatch and callbacks offline"):
1. `send_task_failure` drops `cause` (moto/stepfunctions/responses.py passes only `error`): the
   Catch path then cannot say why a person rejected a model.
2. A callback Task's TimeoutSeconds (`ExecutionState._evaluate_with_timeout`, a
   `threading.Event().wait`) and HeartbeatSeconds (`HeartbeatEndpoint.clear_and_wait`) run in real
   time: a 7-day approval timeout would take 7 days offline. For `.waitForTaskToken` tasks both
   follow the local clock here. Other tasks keep real-time timeouts: a Lambda function or a
   training job computes in real time, and a clocked 900 s limit would cut it off after 0.9 s.
3. With HeartbeatSeconds, an answer sent while the task's Lambda function is still running (the
   function stored the token, a person answered at once) is lost: the heartbeat endpoint is set
   up after the invocation and never hears of it, so the task waits and dies of a heartbeat
   timeout. `CallbackEndpoint.setup_heartbeat_endpoint` now passes an outcome already received.
4. A heartbeat timeout fails the task as States.Timeout (`StateTask._from_error` maps every
   TimeoutError so); AWS names it States.HeartbeatTimeout, and Catch/Retry match on that name.
5. A callback's inner thread waits for its token in real time, for the task's whole TimeoutSeconds,
   even after the task timed out or its execution stopped: it outlived the local cloud. Every
   callback endpoint is recorded (`CallbackPoolManager.add`), and `interrupt_waiting()` wakes those
   still waiting when the cloud stops (moto's own `CallbackEndpoint.interrupt_all`).

Every target is listed in `PATCH_TARGETS`; tests/contract/test_task_token_patches.py checks them.
"""

from __future__ import annotations

import threading
import types
import weakref
from typing import Any

from moto.core.responses import EmptyResult
from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.eval.callback import callback
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.responses import StepFunctionResponse

from lockgate.local.clock import LocalClock

PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (StepFunctionResponse, "send_task_failure"),
    (StepFunctionResponse, "stepfunction_backend"),
    (execute_state, "threading"),
    (execute_state.ExecutionState, "_evaluate_with_timeout"),
    (callback.HeartbeatEndpoint, "clear_and_wait"),
    (callback.CallbackEndpoint, "setup_heartbeat_endpoint"),
    (callback, "HeartbeatTimeoutError"),
    (StateTask, "_from_error"),
    (callback.CallbackPoolManager, "add"),
    (callback.CallbackEndpoint, "interrupt_all"),  # read: wakes every wait on the endpoint
)


class _Clock:
    current: LocalClock | None = None


_clock = _Clock()
_originals: dict[tuple[int, str], tuple[object, Any]] = {}
_lock = threading.Lock()
_endpoints: weakref.WeakSet[callback.CallbackEndpoint] = weakref.WeakSet()


class ClockedEvent(threading.Event):
    """A threading.Event whose `wait(timeout)` counts local-clock seconds."""

    def wait(self, timeout: float | None = None) -> bool:
        clock = _clock.current
        if timeout is None or clock is None:
            return super().wait(timeout)
        return super().wait(clock.scale(timeout))


_callback_state = threading.local()


def _event() -> threading.Event:
    """execute_state's `threading.Event()`: clocked inside a .waitForTaskToken task, real elsewhere."""
    return ClockedEvent() if getattr(_callback_state, "active", False) else threading.Event()


# Stands in for the `threading` module inside execute_state: only Event changes.
_clocked_threading = types.SimpleNamespace(**{**vars(threading), "Event": _event})


def apply(*, clock: LocalClock) -> None:
    """Install the patches (idempotent) on this clock."""
    with _lock:
        _clock.current = clock
        if _originals:
            return
        _replace(StepFunctionResponse, "send_task_failure", _send_task_failure)
        _replace(execute_state, "threading", _clocked_threading)
        _replace(execute_state.ExecutionState, "_evaluate_with_timeout", _evaluate_with_timeout)
        _replace(callback.HeartbeatEndpoint, "clear_and_wait", _clear_and_wait)
        _replace(callback.CallbackEndpoint, "setup_heartbeat_endpoint", _setup_heartbeat_endpoint)
        _replace(StateTask, "_from_error", _from_error)
        _replace(callback.CallbackPoolManager, "add", _add)


def remove() -> None:
    """Undo every patch."""
    with _lock:
        for (_, name), (owner, original) in list(_originals.items()):
            setattr(owner, name, original)
        _originals.clear()
        _clock.current = None


def interrupt_waiting() -> int:
    """Wake every callback still waiting for its token (the cloud is stopping); returns how many."""
    with _lock:
        waiting = [endpoint for endpoint in _endpoints if endpoint.get_outcome() is None]
        _endpoints.clear()
    for endpoint in waiting:
        endpoint.interrupt_all()  # type: ignore[no-untyped-call]
    return len(waiting)


def _add(self: callback.CallbackPoolManager, callback_id: str) -> callback.CallbackEndpoint:
    """CallbackPoolManager.add, recording the endpoint for `interrupt_waiting`."""
    original = _originals[(id(callback.CallbackPoolManager), "add")][1]
    endpoint: callback.CallbackEndpoint = original(self, callback_id)
    with _lock:
        _endpoints.add(endpoint)
    return endpoint


def _replace(owner: object, name: str, value: object) -> None:
    _originals[(id(owner), name)] = (owner, getattr(owner, name))
    setattr(owner, name, value)


def _send_task_failure(self: StepFunctionResponse) -> EmptyResult:
    """SendTaskFailure with its `cause` (moto forwards only `error`)."""
    backend: Any = self.stepfunction_backend  # the parser backend when execute_state_machine is on
    backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    return EmptyResult()


def _from_error(self: StateTask, env: Any, ex: Exception) -> FailureEvent:
    """StateTask._from_error, naming a heartbeat timeout States.HeartbeatTimeout as AWS does."""
    if isinstance(ex, callback.HeartbeatTimeoutError):
        name = StatesErrorNameType.StatesHeartbeatTimeout
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=name),
            event_type=HistoryEventType.TaskTimedOut,
            event_details=EventDetails(
                taskTimedOutEventDetails=TaskTimedOutEventDetails(error=name.to_name())  # type: ignore[typeddict-item]
            ),
        )
    original = _originals[(id(StateTask), "_from_error")][1]
    return original(self, env, ex)  # type: ignore[no-any-return]


def _is_token_task(state: Any) -> bool:
    resource = getattr(state, "resource", None)
    return getattr(resource, "condition", None) == "waitForTaskToken"


def _evaluate_with_timeout(self: execute_state.ExecutionState, env: Any) -> None:
    """ExecutionState._evaluate_with_timeout; a .waitForTaskToken task's TimeoutSeconds on the local clock."""
    original = _originals[(id(execute_state.ExecutionState), "_evaluate_with_timeout")][1]
    if not _is_token_task(self):
        original(self, env)
        return
    _callback_state.active = True
    try:
        original(self, env)
    finally:
        _callback_state.active = False


def _clear_and_wait(self: callback.HeartbeatEndpoint) -> bool:
    """HeartbeatEndpoint.clear_and_wait with HeartbeatSeconds on the local clock."""
    with self._mutex:
        if self._next_heartbeat_event.is_set():
            self._next_heartbeat_event.clear()
            return True
    clock = _clock.current
    seconds = clock.scale(self._heartbeat_seconds) if clock else self._heartbeat_seconds
    return self._next_heartbeat_event.wait(timeout=seconds)


def _setup_heartbeat_endpoint(
    self: callback.CallbackEndpoint, heartbeat_seconds: int
) -> callback.HeartbeatEndpoint:
    """CallbackEndpoint.setup_heartbeat_endpoint that does not lose an answer received before it."""
    original = _originals[(id(callback.CallbackEndpoint), "setup_heartbeat_endpoint")][1]
    endpoint: callback.HeartbeatEndpoint = original(self, heartbeat_seconds)
    if self.get_outcome() is not None:
        endpoint.notify()  # type: ignore[no-untyped-call]
    return endpoint
