"""What the local Lambda runtime returns and raises: Invoke's result and the API's error types."""

from __future__ import annotations

import json
from dataclasses import dataclass


class FunctionNotFound(LookupError):
    """No function registered under that name or ARN (Lambda's ResourceNotFoundException)."""


class InvalidRequestContent(ValueError):
    """The payload is not JSON (Lambda's InvalidRequestContentException)."""


class RequestTooLarge(ValueError):
    """The payload is over Lambda's limit (RequestTooLargeException)."""


@dataclass(frozen=True)
class InvokeResult:
    """What Invoke returns. `function_error` is "Unhandled" when the payload is an error document."""

    payload: bytes
    function_error: str | None
    log_tail: str
    duration_ms: float
    cold_start: bool
    request_id: str
    status_code: int = 200
    executed_version: str = "$LATEST"
    init_duration_ms: float | None = None
    max_memory_used_mb: int = 0

    @property
    def error_type(self) -> str | None:
        """The errorType of a failed invocation (what Step Functions matches in Retry/Catch)."""
        if self.function_error is None:
            return None
        return str(json.loads(self.payload).get("errorType"))

    @property
    def error_message(self) -> str | None:
        """The errorMessage of a failed invocation."""
        if self.function_error is None:
            return None
        return str(json.loads(self.payload).get("errorMessage", ""))
