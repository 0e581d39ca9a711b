"""A run as people read it: the states an execution went through, in order, with durations.

Pure: takes Step Functions GetExecutionHistory events, returns state visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.type_defs import HistoryEventTypeDef


@dataclass(frozen=True)
class StateVisit:
    """One state entered and (maybe) exited."""

    name: str
    type: str
    entered: datetime
    exited: datetime | None
    outcome: str  # "ok", "failed", "running"

    @property
    def seconds(self) -> float | None:
        """How long the state ran, or None while it still runs."""
        return None if self.exited is None else (self.exited - self.entered).total_seconds()


_EXECUTION_ENDS = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}


def state_visits(events: Sequence[HistoryEventTypeDef]) -> list[StateVisit]:
    """Pair each StateEntered event with its StateExited event; a failure in between marks it."""
    visits: list[StateVisit] = []
    open_states: dict[str, tuple[str, datetime, str]] = {}
    for event in sorted(events, key=lambda item: int(item["id"])):
        kind: str = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            open_states[name] = (kind.removesuffix("StateEntered"), event["timestamp"], "ok")
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            state_type, entered, outcome = open_states.pop(
                name, (kind.removesuffix("StateExited"), event["timestamp"], "ok")
            )
            visits.append(StateVisit(name, state_type, entered, event["timestamp"], outcome))
        elif kind in _EXECUTION_ENDS:
            outcome = "ok" if kind == "ExecutionSucceeded" else "failed"
            visits.extend(
                StateVisit(n, t, e, event["timestamp"], outcome) for n, (t, e, _) in open_states.items()
            )
            open_states.clear()
        elif kind.endswith("Failed") or kind.endswith("TimedOut"):
            for name, (state_type, entered, _) in open_states.items():
                open_states[name] = (state_type, entered, "failed")
    visits.extend(
        StateVisit(n, t, e, None, "running" if o == "ok" else o) for n, (t, e, o) in open_states.items()
    )
    return sorted(visits, key=lambda visit: visit.entered)
