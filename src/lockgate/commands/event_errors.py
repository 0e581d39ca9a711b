"""`lockgate invoke` of an event that fails the handler's pydantic model: one line per invalid field
(name, reason) on stderr, instead of pydantic's many-line message and the runtime's traceback; the
result on stdout stays Lambda's error document, as `sam local invoke` prints it."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable

_HEADER = re.compile(r"^\d+ validation errors? for (\S+)")
_DETAILS = re.compile(r"\s*\[type=.*$")
VALIDATION_ERROR = "ValidationError"


def invalid_fields(payload: bytes) -> list[tuple[str, str]]:
    """(field, reason) of each invalid field when `payload` is a pydantic ValidationError in
    Lambda's error shape; [] for any other result."""
    try:
        error = json.loads(payload)
    except ValueError:
        return []
    if not isinstance(error, dict) or error.get("errorType") != VALIDATION_ERROR:
        return []
    lines = str(error.get("errorMessage", "")).splitlines()
    if not lines or not _HEADER.match(lines[0]):
        return []
    fields: list[tuple[str, str]] = []
    for name, reason in itertools.pairwise(lines[1:]):
        if name and not name.startswith(" ") and reason.startswith("  ") and not reason.startswith("    "):
            fields.append((name, _DETAILS.sub("", reason.strip())))
    return fields


def field_lines(function: str, payload: bytes) -> list[str]:
    """`lockgate invoke: <Function>: event field <name>: <reason>`, one per invalid field."""
    model = ""
    try:
        message = str(json.loads(payload).get("errorMessage", ""))
        found = _HEADER.match(message)
        model = f" ({found.group(1)})" if found else ""
    except (ValueError, AttributeError):
        pass
    return [
        f"lockgate invoke: {function}: event field {name!r}{model}: {reason}"
        for name, reason in invalid_fields(payload)
    ]


class WithoutValidationTrace:
    """A log sink that passes every line on, except the runtime's `[ERROR] ValidationError` record
    (pydantic's message and the traceback): `field_lines` says the same in one line per field.
    The record is the last thing a failed invocation logs, so the rest of the run is dropped."""

    def __init__(self, sink: Callable[[str, str], None]) -> None:
        self.sink, self.dropping = sink, False

    def __call__(self, function_name: str, line: str) -> None:
        """Forward one log line unless it belongs to the validation error record."""
        if line.startswith(f"[ERROR] {VALIDATION_ERROR}:"):
            self.dropping = True
        elif line.startswith("END RequestId"):  # the runtime's END and REPORT lines are kept
            self.dropping = False
        if not self.dropping:
            self.sink(function_name, line)
