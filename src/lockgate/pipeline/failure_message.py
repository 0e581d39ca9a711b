"""The words people read when a run fails (pure)."""

from __future__ import annotations

import json
from typing import Any

from lockgate.errors import InputRejected, error_named
from lockgate.layout import quarantine_prefix


def failure_message(
    pipeline: str, run: dict[str, Any], error: dict[str, Any], outcome: str = "failed"
) -> tuple[str, str]:
    """(subject, body) from a Step Functions Catch output: {"Error": name, "Cause": text}.
    `outcome` is "failed", or e.g. "needs a person's review" for a gate that wants a human.

    A Lambda error's Cause is JSON ({errorMessage, errorType, stackTrace}); only the message is
    for people. Any other Cause (States.Timeout, an SDK error) is shown as it is.
    """
    name = str(error.get("Error", "UnknownError"))
    cause = _readable_cause(str(error.get("Cause", "")))
    where = run.get("key") or run.get("prefix") or ""
    location = f"s3://{run['bucket']}/{where}" if run.get("bucket") and where else where
    if not location and run.get("dataset"):
        location = f"dataset {run['dataset']}" + (
            f" version {str(run['version'])[:12]}" if run.get("version") else ""
        )
    subject = f"Lockgate {pipeline} {outcome}: {name}"
    lines = [f"The {pipeline} run for {location or 'an unnamed input'} {outcome}.", "", f"Reason: {name}"]
    if cause:
        lines += ["", cause]
    for label, key in (("Report", "report"), ("Dataset version", "version")):
        if run.get(key):
            lines += ["", f"{label}: {run[key]}"]
    if run.get("execution"):
        lines += ["", f"Execution: {run['execution']}"]
    error_class = error_named(name)
    if error_class is not None and issubclass(error_class, InputRejected) and run.get("dataset"):
        lines += [
            "",
            f"The data and its report are under {quarantine_prefix(run['dataset'])} in the data bucket.",
        ]
    return subject, "\n".join(lines)


def _readable_cause(cause: str) -> str:
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        return str(parsed["errorMessage"])
    return cause
