"""Terminal output shared by the subcommands: function logs and run tables."""

from __future__ import annotations

import sys
import threading
from typing import Any

from lockgate.pipeline.run_history import StateVisit, state_visits

_print_lock = threading.Lock()


def say(line: str = "") -> None:
    """Print one line, whole, even with many threads printing."""
    with _print_lock:
        print(line, flush=True)


def function_log_sink(function_name: str, line: str) -> None:
    """Print a function's log line prefixed with the function, like `sam logs`."""
    with _print_lock:
        sys.stderr.write(f"[{function_name}] {line.rstrip()}\n")
        sys.stderr.flush()


def quiet_log_sink(function_name: str, line: str) -> None:
    """Drop function logs (they still reach the endpoint's CloudWatch Logs)."""


def render_visits(visits: list[StateVisit]) -> list[str]:
    """One line per state: name, type, outcome, seconds."""
    lines = []
    for visit in visits:
        seconds = "running" if visit.seconds is None else f"{visit.seconds * 1000:8.1f} ms"
        lines.append(f"    {visit.name:<28} {visit.type:<10} {visit.outcome:<7} {seconds}")
    return lines


def describe_runs(sfn: Any, state_machine_arns: list[str], limit: int = 20) -> list[str]:
    """Every execution (newest first) of the given state machines, with the states it went through."""
    lines: list[str] = []
    for arn in state_machine_arns:
        executions = sfn.list_executions(stateMachineArn=arn, maxResults=limit)["executions"]
        for execution in executions:
            stop = execution.get("stopDate")
            took = f"{(stop - execution['startDate']).total_seconds():.2f} s" if stop else "running"
            lines.append(
                f"{execution['status']:<10} {took:>9}  {execution['name']}  ({arn.rsplit(':', 1)[-1]})"
            )
            history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
            lines.extend(render_visits(state_visits(history["events"])))
    return lines or ["no executions yet"]
