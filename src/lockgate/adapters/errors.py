"""The one error map from AWS SDK failures to Lockgate's errors.

Every adapter passes its boto3 client through `guarded()`, which registers two botocore event
hooks: after a call that failed with throttling or a server-side error (once botocore's own retries
are spent), and after a connection that failed or timed out, the hook raises `TransientError`,
which every state machine retries with backoff. Everything else (a missing key, a denied call, bad
input) stays the ClientError botocore raises. Errors are told apart by their code and HTTP
status, never by class-name strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from botocore.client import BaseClient
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from lockgate.errors import TransientError

if TYPE_CHECKING:
    from botocore.exceptions import _ClientErrorResponseTypeDef

# ClientError codes AWS documents as throttling or a service-side failure worth a retry.
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "BandwidthLimitExceeded",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "TransactionInProgressException",
    }
)
# Failures before any answer came back: the network, not the request.
TRANSIENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    ResponseStreamingError,
)
SERVER_ERROR = 500

C = TypeVar("C", bound=BaseClient)
# Beyond the map, for SageMaker's deploy calls: an account's instance quota frees up as other
# endpoints are deleted, so ResourceLimitExceeded is worth the state machine's retry.
QUOTA = "ResourceLimitExceeded"


def is_transient(code: str | None, status: int | None) -> bool:
    """True for a throttling or service-side error (by code), or any HTTP 5xx."""
    return code in TRANSIENT_CODES or (status is not None and status >= SERVER_ERROR)


def transient_error(error: BaseException, operation: str) -> TransientError | None:
    """The TransientError for `error`, or None when it is not worth a retry."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if is_transient(code, status):
            return TransientError(f"{operation}: {code} (HTTP {status}): {error}")
        return None
    if isinstance(error, TRANSIENT_EXCEPTIONS):
        return TransientError(f"{operation}: {type(error).__name__}: {error}")
    return None


def _after_call(
    http_response: Any, parsed: Mapping[str, Any], model: Any, context: Mapping[str, Any], **_: Any
) -> None:
    if http_response.status_code < 300:  # botocore's own test for an error answer
        return
    error = parsed.get("Error", {})
    code = context.get("error_code_override") or error.get("Code")
    if is_transient(code, http_response.status_code):
        original = ClientError(
            cast("_ClientErrorResponseTypeDef", parsed), model.name
        )  # what botocore raises next
        raise TransientError(
            f"{model.name}: {code} (HTTP {http_response.status_code}): {original}"
        ) from original


def _after_call_error(exception: BaseException, event_name: str, **_: Any) -> None:
    operation = event_name.rsplit(".", 1)[-1]
    translated = transient_error(exception, operation)
    if translated is not None:
        raise translated from exception


def guarded[C: BaseClient](client: C) -> C:
    """`client`, raising TransientError for throttling, 5xx and connection failures."""
    client.meta.events.register("after-call", _after_call, unique_id="lockgate-transient-after-call")
    client.meta.events.register(
        "after-call-error", _after_call_error, unique_id="lockgate-transient-after-call-error"
    )
    return client


def quota_is_transient[T](operation: str, call: Callable[[], T]) -> T:
    """`call()`, raising TransientError when SageMaker answers ResourceLimitExceeded."""
    try:
        return call()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == QUOTA:
            raise TransientError(f"sagemaker {operation}: {error}") from error
        raise
