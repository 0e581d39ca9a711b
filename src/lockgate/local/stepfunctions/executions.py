"""Waiting for state machine executions (the demo and the integration tests)."""

from __future__ import annotations

import time
from typing import Any

FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class ExecutionWaitTimeout(TimeoutError):
    """An execution did not appear or finish in time."""


def wait_for_execution(sfn: Any, state_machine_arn: str, name: str, timeout: float = 120.0) -> dict[str, Any]:
    """Wait until the named execution exists and has finished; returns describe_execution."""
    arn = f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
    deadline = time.monotonic() + timeout
    status = "NOT_STARTED"
    while time.monotonic() < deadline:
        try:
            described = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            described = None
        if described is not None:
            status = described["status"]
            if status in FINISHED:
                return dict(described)
        time.sleep(0.05)
    where = f" in state {state}" if status == "RUNNING" and (state := _current_state(sfn, arn)) else ""
    raise ExecutionWaitTimeout(f"execution {name} still {status}{where} after {timeout:.0f} s")


def _current_state(sfn: Any, execution_arn: str) -> str | None:
    """The state a running execution entered last (what a wait that ran out was waiting on)."""
    history = sfn.get_execution_history(executionArn=execution_arn, reverseOrder=True, maxResults=50)
    for event in history["events"]:
        if "stateEnteredEventDetails" in event:
            return str(event["stateEnteredEventDetails"]["name"])
    return None
