"""Waiting for state machine executions (the demo and the integration tests)."""

from __future__ import annotations

import time
from typing import Any

FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class ExecutionWaitTimeout(TimeoutError):
    """Executions did not appear or finish in time."""


def wait_for_executions(
    sfn: Any, state_machine_arn: str, count: int = 1, timeout: float = 120.0
) -> list[dict[str, Any]]:
    """Wait until `count` executions exist and all have finished; return them (oldest first)."""
    deadline = time.monotonic() + timeout
    while True:
        executions = sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]
        if len(executions) >= count and all(item["status"] in FINISHED for item in executions):
            return sorted(executions, key=lambda item: item["startDate"])
        if time.monotonic() > deadline:
            states = [(item["name"], item["status"]) for item in executions]
            raise ExecutionWaitTimeout(
                f"after {timeout:.0f} s wanted {count} finished executions, have {states}"
            )
        time.sleep(0.05)
