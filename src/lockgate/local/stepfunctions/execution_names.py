"""A StartExecution without a name gets a UUID, as on AWS.

moto 5.2.5's interpreter (`StepFunctionsParserBackend.start_execution`) formats the execution ARN
from the name as given, so a nameless start ends in `:None`; and its name-and-input idempotency
check then treats two nameless starts with the same input as one execution. AWS names a nameless
execution with a UUID. The patch fills that name before moto sees the call.

Every target is listed in `PATCH_TARGETS`; tests/contract/test_execution_name_patches.py checks them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.models import StepFunctionsParserBackend

PATCH_TARGETS: tuple[tuple[object, str], ...] = ((StepFunctionsParserBackend, "start_execution"),)

_original: list[Callable[..., Any]] = []
_lock = threading.Lock()


def apply() -> None:
    """Install the patch (idempotent)."""
    with _lock:
        if _original:
            return
        _original.append(StepFunctionsParserBackend.start_execution)
        StepFunctionsParserBackend.start_execution = _start_execution  # type: ignore[method-assign]


def remove() -> None:
    """Undo the patch."""
    with _lock:
        if _original:
            StepFunctionsParserBackend.start_execution = _original.pop()  # type: ignore[method-assign]


def _start_execution(
    self: StepFunctionsParserBackend,
    state_machine_arn: str,
    name: str | None = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """StepFunctionsParserBackend.start_execution with a UUID for a missing name."""
    return _original[0](self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)
