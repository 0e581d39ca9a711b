"""Step Functions' execution history quota offline: 25,000 events per execution.

AWS (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html, the quota in
https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html): "When an execution reaches
24,999 events, it waits for the next event to happen. If the event number 25,000 is ExecutionSucceeded,
the execution finishes successfully. If the event number 25,000 isn't ExecutionSucceeded, the
ExecutionFailed event is logged and the state machine execution fails". The failure is the execution's,
not a state's: no Catch sees it. AWS does not document the ExecutionFailed event's error name; the cause
users report is "The execution reached the maximum number of history events (25000)." Offline the error
is States.Runtime (the execution failed for a reason outside the states' errors) with that cause.

How (moto 5.2.5): every history event passes `EventManager.add_event` (one manager per execution; Map
and Parallel frames share their execution's, a Distributed Map's child executions have their own, as on
AWS). The patch counts the events there: event number HISTORY_EVENTS that is not ExecutionSucceeded is
replaced by ExecutionFailed, the execution's environment is set to that error (its loop stops after the
state that is running), and every later event of that execution is dropped. `Environment.__init__` is
wrapped to tie each manager to its execution's environment, and `Environment.set_error` so that a later
error of the running state does not replace the history-limit one.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

HISTORY_EVENTS = 25_000  # AWS's hard quota; tests may lower it through apply(limit=...)
ERROR = "States.Runtime"
CAUSE = "The execution reached the maximum number of history events ({limit})."

# (owner, attribute) replaced; checked by tests/contract/test_limits.py.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (EventManager, "add_event"),
    (Environment, "__init__"),
    (Environment, "set_error"),
)


class _State:
    limit: int = HISTORY_EVENTS
    originals: dict[str, Any] = {}  # noqa: RUF012


_state = _State()
_lock = threading.Lock()


def apply(limit: int = HISTORY_EVENTS) -> None:
    """Install the patches (idempotent); `limit` other than 25,000 is for tests only."""
    with _lock:
        _state.limit = limit
        if _state.originals:
            return
        _state.originals = {
            "add_event": EventManager.add_event,
            "__init__": Environment.__init__,
            "set_error": Environment.set_error,
        }
        EventManager.add_event = _add_event  # type: ignore[method-assign]
        Environment.__init__ = _environment_init  # type: ignore[method-assign]
        Environment.set_error = _set_error  # type: ignore[method-assign]


def remove() -> None:
    """Restore moto."""
    with _lock:
        if _state.originals:
            EventManager.add_event = _state.originals["add_event"]  # type: ignore[method-assign]
            Environment.__init__ = _state.originals["__init__"]  # type: ignore[method-assign]
            Environment.set_error = _state.originals["set_error"]  # type: ignore[method-assign]
            _state.originals = {}
        _state.limit = HISTORY_EVENTS


def current_limit() -> int:
    """The limit in force (25,000 unless a test lowered it)."""
    return _state.limit


def _environment_init(self: Environment, *args: Any, **kwargs: Any) -> None:
    _state.originals["__init__"](self, *args, **kwargs)
    # A frame replaces this manager with its execution's right after, keeping the execution's owner.
    self.event_manager._lockgate_owner = self  # type: ignore[attr-defined]


def _set_error(self: Environment, error: ExecutionFailedEventDetails) -> None:
    failed = getattr(self.event_manager, "_lockgate_failed", None)
    _state.originals["set_error"](self, failed or error)


def _add_event(self: EventManager, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
    original = _state.originals["add_event"]
    with _lock:
        if getattr(self, "_lockgate_failed", None) is not None:
            return int(self._lockgate_last)  # type: ignore[attr-defined]  # the execution has failed
        reached = len(self._history_event_list) >= _state.limit - 1
        failed = None
        if reached and event_type != HistoryEventType.ExecutionSucceeded:
            failed = ExecutionFailedEventDetails(error=ERROR, cause=CAUSE.format(limit=_state.limit))
            self._lockgate_failed = failed  # type: ignore[attr-defined]
            details = EventDetails(executionFailedEventDetails=failed)  # type: ignore[typeddict-item]
            self._lockgate_last = original(self, context, HistoryEventType.ExecutionFailed, details)  # type: ignore[attr-defined]
    if failed is None:
        return int(original(self, context, event_type, *args, **kwargs))
    owner = getattr(self, "_lockgate_owner", None)
    if owner is not None:
        owner.set_error(failed)
    return int(self._lockgate_last)  # type: ignore[attr-defined]
