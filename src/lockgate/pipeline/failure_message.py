"""The words people read when a run fails or waits on them (pure)."""

from __future__ import annotations

import json

from lockgate.steps.notify import NotifyFailureRequest, RunRef

_REJECTIONS = {"DatasetRejected", "InputRejected"}


def failure_message(request: NotifyFailureRequest) -> tuple[str, str]:
    """(subject, body) from the Catch path's payload: which run, what happened, why, what next.

    A Lambda error's Cause is JSON ({errorMessage, errorType, stackTrace}): only the message is
    for people. A JSON list (a gate's reasons) is shown one reason per line. Any other Cause
    (States.Timeout, an SDK error) is shown as it is.
    """
    run, name, outcome = request.run, request.error.error, request.outcome
    subject = f"Lockgate {request.pipeline} {outcome}: {name}"
    lines = [f"The {request.pipeline} run for {_location(run)} {outcome}.", "", f"Reason: {name}"]
    if cause := readable_cause(request.error.cause):
        lines += ["", cause]
    for label, value in (("Report", run.report), ("Dataset version", run.version)):
        if value:
            lines += ["", f"{label}: {value}"]
    lines += [f"{key}: {value}" for key, value in run.extras().items() if value is not None]
    if run.execution:
        lines += ["", f"Execution: {run.execution}"]
    if name in _REJECTIONS and run.dataset:
        lines += ["", f"The data and its report are under quarantine/{run.dataset}/ in the data bucket."]
    elif name == "InternalError":
        lines += [
            "",
            "This is a Lockgate bug, not bad data: the object is unchanged; run it again once fixed.",
        ]
    elif not request.failed and run.report:
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
