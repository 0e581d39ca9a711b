"""AWS limits moto does not enforce, enforced offline with AWS's errors (one patch module).

Each figure is AWS's current documented one:
- EventBridge PutEvents: an entry (Time 14 bytes if set, Source, DetailType, Detail, each Resources entry,
  UTF-8) must stay within 256 KB, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
  and https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
- Lambda environment variables: 4 KB in total, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  (checked by the deployer with `check_environment`, as CreateFunction would refuse the function);
  Timeout 1-900 s and MemorySize 128-10,240 MB, same page.
- Step Functions execution names: 80 characters, no whitespace, brackets, wildcards, special or control
  characters, https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (moto checks them
  for state machines, and for executions only outside its interpreter backend: applied here).
What moto 5.2.5 already enforces (and tests/integration/test_limits.py checks): Step Functions state
input/output 256 KiB (States.DataLimitExceeded), SNS Publish 256 KiB (InvalidParameter). Lambda's 6 MB / 1 MB
payload limits are the runtime's (lambda_runtime).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.events.exceptions import ValidationException
from moto.events.models import EventsBackend
from moto.stepfunctions.models import StepFunctionBackend
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

PUT_EVENTS_ENTRY_BYTES = 256 * 1024
ENVIRONMENT_BYTES = 4 * 1024
TIMEOUT_RANGE_S = (1, 900)
MEMORY_RANGE_MB = (128, 10_240)

# (owner, attribute) the patches replace; checked by tests/contract/test_limits.py.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (EventsBackend, "put_events"),
    (StepFunctionsParserBackend, "start_execution"),
    (StepFunctionBackend, "_validate_name"),  # read: moto's name rules, applied to executions too
)

_originals: dict[str, Any] = {}
_lock = threading.Lock()


class LimitExceeded(ValueError):
    """A resource definition over an AWS limit (the deployer names the resource)."""


def entry_size(entry: dict[str, Any]) -> int:
    """The size EventBridge counts for one PutEvents entry."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        if entry.get(key):
            size += len(str(entry[key]).encode())
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or [] if r is not None)


def check_environment(name: str, variables: dict[str, str]) -> None:
    """Raise LimitExceeded, with Lambda's message, when the variables are over 4 KB."""
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > ENVIRONMENT_BYTES:
        raise LimitExceeded(
            f"InvalidParameterValueException: {name}: Lambda was unable to configure your environment "
            "variables because the environment variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured[:200]}... ({len(measured.encode())} bytes)"
        )


def check_function(name: str, timeout: int, memory_mb: int) -> None:
    """Raise LimitExceeded when Timeout or MemorySize is outside what CreateFunction accepts."""
    if not TIMEOUT_RANGE_S[0] <= timeout <= TIMEOUT_RANGE_S[1]:
        raise LimitExceeded(
            f"InvalidParameterValueException: {name}: Timeout {timeout} is not within 1-900 seconds"
        )
    if not MEMORY_RANGE_MB[0] <= memory_mb <= MEMORY_RANGE_MB[1]:
        raise LimitExceeded(
            f"InvalidParameterValueException: {name}: MemorySize {memory_mb} is not within 128-10240 MB"
        )


def apply() -> None:
    """Install the patches (idempotent)."""
    with _lock:
        if not _originals:
            _originals["put_events"] = EventsBackend.put_events
            EventsBackend.put_events = _put_events  # type: ignore[method-assign]
            _originals["start_execution"] = StepFunctionsParserBackend.start_execution
            StepFunctionsParserBackend.start_execution = _start_execution  # type: ignore[method-assign]


def remove() -> None:
    """Restore moto."""
    with _lock:
        if "put_events" in _originals:
            EventsBackend.put_events = _originals.pop("put_events")  # type: ignore[method-assign]
            StepFunctionsParserBackend.start_execution = _originals.pop("start_execution")  # type: ignore[method-assign]


def _put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for entry in events:
        if entry_size(entry) > PUT_EVENTS_ENTRY_BYTES:
            raise ValidationException("Total size of the entries in the request is over the limit.")
    return list(_originals["put_events"](self, events))


def _start_execution(
    self: StepFunctionsParserBackend, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
) -> Any:
    """StartExecution with the name rules AWS applies (80 characters, no whitespace, brackets,
    wildcards, special or control characters): moto's interpreter backend skips them."""
    if name:
        self._validate_name(name)
    return _originals["start_execution"](self, state_machine_arn, name, *args, **kwargs)
