"""Terminal output shared by the subcommands: function logs and run tables."""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the run-table helpers import them when called: `say` stays light for every command
    from lockgate.pipeline.run_history import StateVisit

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


class LogFile:
    """A log file for what is not the command's answer (functions' logs, offline warnings); with
    `echo`, each line is also shown on stderr. Thread-safe; lines are written whole."""

    def __init__(self, path: Path, echo: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.echo = path, echo
        self._file = path.open("w", encoding="utf-8", buffering=1)  # this run's log only

    @property
    def stream(self) -> TextIO:
        """The open file (for faulthandler's stack dumps)."""
        return self._file

    def line(self, text: str) -> None:
        """Append one line (and show it on stderr with echo)."""
        with _print_lock:
            if self._file.closed:  # a worker's last line after the command ended
                return
            self._file.write(text.rstrip() + "\n")
            if self.echo:
                sys.stderr.write(text.rstrip() + "\n")
                sys.stderr.flush()

    def function_line(self, function_name: str, line: str) -> None:
        """A function's log line, prefixed with the function (a log sink of the local cloud)."""
        self.line(f"[{function_name}] {line}")

    def logging_handler(self) -> logging.Handler:
        """A `logging` handler that writes WARNING and above here (instead of the terminal)."""
        log = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                log.line(f"{record.levelname} {record.name}: {record.getMessage()}")

        return _Handler(logging.WARNING)

    def close(self) -> None:
        """Close the file."""
        with _print_lock:
            self._file.close()


def render_visits(visits: list[StateVisit]) -> list[str]:
    """One line per state: name, type, outcome, seconds."""
    lines = []
    for visit in visits:
        seconds = "running" if visit.seconds is None else f"{visit.seconds * 1000:8.1f} ms"
        lines.append(f"    {visit.name:<28} {visit.type:<10} {visit.outcome:<7} {seconds}")
    return lines


_ENDED_BADLY = {"FAILED", "TIMED_OUT", "ABORTED"}


def describe_runs(
    sfn: Any,
    state_machine_arns: list[str],
    limit: int = 20,
    *,
    status: str | None = None,
    dataset: str | None = None,
) -> list[str]:
    """Executions of the given state machines, newest first (`limit` per machine, filtered by
    status and dataset), each with the states it went through and, when it failed, the error and
    its cause; then how many matching runs are not shown."""
    lines: list[str] = []
    hidden = 0
    for arn in state_machine_arns:
        listed = _executions(sfn, arn, status)
        if dataset is not None:
            listed = [e for e in listed if _dataset_of(sfn, e) == dataset]
        hidden += max(len(listed) - limit, 0)
        for execution in listed[:limit]:
            lines.extend(_describe(sfn, arn, execution))
    if not lines:
        lines.append("no runs yet" if status is None and dataset is None else "no runs match")
    if hidden:
        lines.append(f"{hidden} more runs not shown (raise --limit, or narrow with --status / --dataset)")
    return lines


def _executions(sfn: Any, arn: str, status: str | None) -> list[dict[str, Any]]:
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=arn, **({"statusFilter": status} if status else {})
    )
    executions = [e for page in pages for e in page["executions"]]
    return sorted(executions, key=lambda e: e["startDate"], reverse=True)


def _dataset_of(sfn: Any, execution: dict[str, Any]) -> str | None:
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    try:
        value = json.loads(described.get("input") or "{}").get("dataset")
    except (ValueError, AttributeError):
        return None
    return str(value) if value is not None else None


def _describe(sfn: Any, arn: str, execution: dict[str, Any]) -> list[str]:
    from lockgate.pipeline.failure_message import readable_cause
    from lockgate.pipeline.review import WAITING_STATE, review_command
    from lockgate.pipeline.run_history import state_visits

    stop = execution.get("stopDate")
    took = f"{(stop - execution['startDate']).total_seconds():.2f} s" if stop else "running"
    lines = [f"{execution['status']:<10} {took:>9}  {execution['name']}  ({arn.rsplit(':', 1)[-1]})"]
    if execution["status"] in _ENDED_BADLY:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        cause = " ".join(readable_cause(str(described.get("cause", ""))).split())
        error = described.get("error") or execution["status"]
        lines.append(f"    error {error}" + (f": {cause[:300]}" if cause else ""))
    history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
    visits = state_visits(history["events"])
    lines.extend(render_visits(visits))
    if execution["status"] == "RUNNING" and visits and visits[-1].name == WAITING_STATE:
        lines.append(f"    waiting for a person: {review_command(execution['executionArn'])}")
    return lines
