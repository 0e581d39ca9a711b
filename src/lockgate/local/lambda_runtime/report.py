"""One invocation's outcome as the parent saw it, and the lines Lambda logs around it
(START, the handler's output, END, REPORT), plus the error documents the runtime itself produces."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

LOG_TAIL_BYTES = 4096  # what LogType=Tail returns


@dataclass
class Outcome:
    """One invocation as the parent saw it."""

    payload: bytes
    error: bool
    duration_ms: float
    max_memory_mb: int
    output: str
    timed_out: bool = False


def report_line(request_id: str, outcome: Outcome, *, memory_mb: int, init_ms: float | None) -> str:
    """The REPORT line: durations, billed duration (init included on a cold start), memory, status."""
    billed = math.ceil(outcome.duration_ms) + (math.ceil(init_ms) if init_ms else 0)
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
        f"Billed Duration: {billed} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {outcome.max_memory_mb} MB"
    )
    if init_ms is not None:
        report += f"\tInit Duration: {init_ms:.2f} ms"
    if outcome.timed_out:
        report += "\tStatus: timeout"
    return report


def invocation_lines(
    request_id: str, outcome: Outcome, *, memory_mb: int, init_ms: float | None
) -> list[str]:
    """START, the handler's output, END and REPORT, as the function's log stream shows them."""
    lines = [f"START RequestId: {request_id} Version: $LATEST"]
    lines += outcome.output.splitlines()
    lines += [
        f"END RequestId: {request_id}",
        report_line(request_id, outcome, memory_mb=memory_mb, init_ms=init_ms),
    ]
    return lines


def log_tail(lines: list[str]) -> str:
    """The last 4 KB of the invocation's log, as LogType=Tail returns it."""
    tail = ("\n".join(lines) + "\n").encode()[-LOG_TAIL_BYTES:]
    return tail.decode("utf-8", errors="ignore")


def timed_out(request_id: str, elapsed_s: float, output: str) -> Outcome:
    """A handler killed at the function's Timeout: Lambda's Sandbox.Timedout error."""
    output += f"{iso_now()} {request_id} Task timed out after {elapsed_s:.2f} seconds\n"
    error = {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {elapsed_s:.2f} seconds",
    }
    return Outcome(json.dumps(error).encode(), True, elapsed_s * 1000, 0, output, timed_out=True)


def exited(request_id: str, elapsed_s: float, description: str, output: str) -> Outcome:
    """A runtime process that ended without answering: Lambda's Runtime.ExitError."""
    message = f"RequestId: {request_id} Error: Runtime exited with error: {description}"
    output += f"{message}\nRuntime.ExitError\n"
    error = {"errorType": "Runtime.ExitError", "errorMessage": message}
    return Outcome(json.dumps(error).encode(), True, elapsed_s * 1000, 0, output)


def response_too_large(limit_bytes: int) -> bytes:
    """The error document of a response over Lambda's payload limit."""
    error = {
        "errorMessage": f"Response payload size exceeded maximum allowed payload size ({limit_bytes} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    return json.dumps(error).encode()


def iso_now() -> str:
    """UTC now as Lambda stamps runtime messages (millisecond precision, Z)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
