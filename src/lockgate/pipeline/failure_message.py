"""The words people read when a run fails or waits on them (pure)."""

from __future__ import annotations

import json

from lockgate.errors import InputRejected, InternalError, error_named
from lockgate.layout import quarantine_prefix
from lockgate.messages.notify import NotifyFailureRequest, RunRef


def failure_message(request: NotifyFailureRequest) -> tuple[str, str]:
    """(subject, body) from the Catch path's payload: which run, what happened, why, what next.

    A Lambda error's Cause is JSON ({errorMessage, errorType, stackTrace}): only the message is
    for people. A JSON list (a gate's reasons) is shown one reason per line. Any other Cause
    (States.Timeout, an SDK error) is shown as it is.
    """
    run, name, outcome = request.run, request.error.Error, request.outcome
    subject = f"Lockgate {request.pipeline} {outcome}: {name}"
    lines = [f"The {request.pipeline} run for {_location(run)} {outcome}.", "", f"Reason: {name}"]
    if cause := readable_cause(request.error.Cause):
        lines += ["", cause]
    for label, value in (("Report", run.report), ("Dataset version", run.version)):
        if value:
            lines += ["", f"{label}: {value}"]
    extras = run.model_extra or {}
    lines += [
        f"{key}: {value}" for key, value in extras.items() if isinstance(value, str | int | float | bool)
    ]
    if run.execution:
        lines += ["", f"Execution: {run.execution}"]
    error_class = error_named(name)
    if error_class is not None and issubclass(error_class, InputRejected) and run.dataset:
        lines += [
            "",
            f"The data and its report are under {quarantine_prefix(run.dataset)} in the data bucket.",
        ]
    elif error_class is InternalError:
        lines += [
            "",
            "This is a Lockgate bug, not bad data: the object is unchanged; run it again once fixed.",
        ]
    elif outcome != "failed" and run.report:
        lines += ["", "Read the report, then decide."]
    return subject, "\n".join(lines)


def _location(run: RunRef) -> str:
    where = run.key or run.prefix or ""
    if run.bucket and where:
        return f"s3://{run.bucket}/{where}"
    if where:
        return where
    if run.dataset:
        return f"dataset {run.dataset}" + (f" version {run.version[:12]}" if run.version else "")
    return "an unnamed input"


def readable_cause(cause: str) -> str:
    """The part of a Step Functions Cause people read (a Lambda error's message; a list as lines)."""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        return str(parsed["errorMessage"])
    if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
        return "\n".join(f"- {item}" for item in parsed)
    return cause
