"""EventBridge delivery to one rule target, with the target's RetryPolicy and DeadLetterConfig.

As EventBridge does (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html):
an error from missing permissions or a target that does not exist is not retried; the event goes
straight to the target's dead-letter queue. Other errors (throttling, service errors) are retried with
exponential backoff until RetryPolicy.MaximumRetryAttempts (default 185) or MaximumEventAgeInSeconds
(default 86,400) is reached, on the local clock. The DLQ message is the event, with the attributes
RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE. Without a DLQ the event is dropped (logged here).
A Lambda target is invoked asynchronously: a function error is the function's business (its own
async retries and DLQ), not a failed target invocation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from lockgate.local.clock import LocalClock
from lockgate.local.lambda_runtime.invocation import FunctionNotFound, RequestTooLarge

_log = logging.getLogger(__name__)

DEFAULT_MAX_RETRIES = 185
DEFAULT_MAX_AGE_S = 86_400
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 300.0
_NO_RESOURCE = {"ResourceNotFoundException", "StateMachineDoesNotExist", "NotFoundException", "NoSuchEntity"}
_NO_PERMISSIONS = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "Throttling"}

Attributes = dict[str, tuple[str, str]]
Send = Callable[[str, str, Attributes], None]  # (queue ARN, body, attributes)


@dataclass(frozen=True)
class Failure:
    """Why a target could not be invoked, as EventBridge names it."""

    code: str  # ERROR_CODE: NO_RESOURCE, NO_PERMISSIONS, THROTTLING, INVALID_PARAMETER, SDK_CLIENT_ERROR
    message: str
    retriable: bool


def classify(error: BaseException) -> Failure:
    """EventBridge's ERROR_CODE for an exception raised while invoking a target."""
    if isinstance(error, FunctionNotFound):
        return Failure("NO_RESOURCE", str(error), False)
    if isinstance(error, RequestTooLarge):
        return Failure("INVALID_PARAMETER", str(error), False)
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", error))
        if code in _NO_RESOURCE:
            return Failure("NO_RESOURCE", message, False)
        if code in _NO_PERMISSIONS:
            return Failure("NO_PERMISSIONS", message, False)
        if code in _THROTTLED:
            return Failure("THROTTLING", message, True)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
        return Failure("SDK_CLIENT_ERROR", message, status >= 500 or status == 429)
    return Failure("SDK_CLIENT_ERROR", str(error), True)


def deliver(
    invoke: Callable[[], object],
    *,
    target: dict[str, Any],
    rule_arn: str,
    event_json: str,
    clock: LocalClock,
    send: Send | None,
    stopping: threading.Event | None = None,
) -> Failure | None:
    """Invoke one target under its RetryPolicy; on final failure send the event to its DLQ.

    Returns None when delivered, else the last failure. Setting `stopping` ends the retries at once."""
    policy = target.get("RetryPolicy") or {}
    max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
    max_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S))
    age, backoff, attempt = 0.0, FIRST_BACKOFF_S, 0
    while True:
        try:
            invoke()
            return None
        except Exception as error:
            failure = classify(error)
        if not failure.retriable or attempt >= max_retries or age + backoff > max_age:
            break
        if stopping is not None and stopping.wait(clock.scale(backoff)):
            return failure
        if stopping is None:
            clock.sleep(backoff)
        age, backoff, attempt = age + backoff, min(backoff * 2, MAX_BACKOFF_S), attempt + 1
    _dead_letter(failure, target=target, rule_arn=rule_arn, event_json=event_json, send=send)
    return failure


def _dead_letter(
    failure: Failure, *, target: dict[str, Any], rule_arn: str, event_json: str, send: Send | None
) -> None:
    queue = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue or send is None:
        _log.warning(
            "EventBridge dropped an event for %s (rule %s): %s %s",
            target["Arn"],
            rule_arn,
            failure.code,
            failure.message,
        )
        return
    attributes = {
        "RULE_ARN": ("String", rule_arn),
        "TARGET_ARN": ("String", str(target["Arn"])),
        "ERROR_CODE": ("String", failure.code),
        "ERROR_MESSAGE": ("String", failure.message[:1024] or failure.code),
    }
    try:
        send(str(queue), event_json, attributes)
    except Exception as error:  # InvocationsFailedToBeSentToDLQ on AWS
        _log.warning("EventBridge could not send to the dead-letter queue %s: %s", queue, error)
