"""IAM for the state machines offline: every call moto's interpreter makes for a state machine carries
credentials of the state machine's role (or of a Task's `Credentials.RoleArn`), so the IAM hook of
iam/patches.py checks it against that role's policies, as AWS does; a call the role does not allow fails
the Task state with the error Step Functions gives, so Retry / Catch see it.

How (moto 5.2.5): the interpreter builds every service client with
`moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for(region, service, state_credentials)`,
signed with one fixed key ("ak"); `state_credentials.role_arn` is the execution's role (or the Task's
Credentials). Each module imports the function by name, so each module's binding is replaced (and
Lockgate's SageMaker integration's). The role's statements are read once per role, on first use, through
`credentials_for` (LocalCloud reads them from the endpoint's IAM, with the SAM-expanded policies).

Error names, as Step Functions names a service integration's error after the AWS SDK for Java exception
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html, and the Lambda
errors listed in https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#bp-lambda-serviceexception):
an AccessDeniedException the SDK does not model becomes the service's base exception,
`Lambda.AWSLambdaException`, `DynamoDB.AmazonDynamoDBException`, `EventBridge.AmazonEventBridgeException`
(SageMaker's, `SageMaker.AmazonSageMakerException`, is already the SageMaker integration's), with the
cause `<message> (Service: ...; Status Code: 403; Error Code: AccessDeniedException; ...)`. moto would
name them `Lambda.AccessDeniedException` etc.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.models import botocore_stubber
from moto.settings import moto_server_port
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
    resource_eval_s3 as item_reader_s3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
    resource_eval_s3 as result_writer_s3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk,
    state_task_service_batch,
    state_task_service_dynamodb,
    state_task_service_ecs,
    state_task_service_events,
    state_task_service_glue,
    state_task_service_lambda,
    state_task_service_sfn,
    state_task_service_sns,
    state_task_service_sqs,
    state_task_service_unsupported,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

from lockgate.local.lambda_runtime.env import SessionCredentials
from lockgate.local.sagemaker import sync as sagemaker_sync

# Every module that binds `boto_client_for`: the interpreter's clients (and Lockgate's SageMaker one).
CLIENT_MODULES: tuple[ModuleType, ...] = (
    lambda_eval_utils,
    item_reader_s3,
    result_writer_s3,
    state_task_service_aws_sdk,
    state_task_service_batch,
    state_task_service_dynamodb,
    state_task_service_ecs,
    state_task_service_events,
    state_task_service_glue,
    state_task_service_sfn,
    state_task_service_sns,
    state_task_service_sqs,
    state_task_service_unsupported,
    sagemaker_sync,
)
# Integration -> (the error Step Functions gives for an AccessDeniedException, the cause's Service).
DENIED_ERRORS: dict[type, tuple[str, str]] = {
    state_task_service_lambda.StateTaskServiceLambda: ("Lambda.AWSLambdaException", "AWSLambda"),
    state_task_service_dynamodb.StateTaskServiceDynamoDB: (
        "DynamoDB.AmazonDynamoDBException",
        "AmazonDynamoDBv2",
    ),
    state_task_service_events.StateTaskServiceEvents: (
        "EventBridge.AmazonEventBridgeException",
        "AmazonEventBridge",
    ),
}
# (owner, attribute) replaced; checked by tests/contract/test_iam_patches.py.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    *((module, "boto_client_for") for module in CLIENT_MODULES),
    *((cls, "_from_error") for cls in DENIED_ERRORS),
)
DENIED_CODES = ("AccessDenied", "AccessDeniedException")


class _State:
    credentials_for: Callable[[str], SessionCredentials | None] | None = None
    originals: dict[tuple[object, str], Any] = {}  # noqa: RUF012


_state = _State()
_lock = threading.Lock()


def apply(credentials_for: Callable[[str], SessionCredentials | None]) -> None:
    """Sign the interpreter's calls with `credentials_for(role_arn)` (None: moto's own key, unchecked)."""
    with _lock:
        _state.credentials_for = credentials_for
        if _state.originals:
            return
        for module in CLIENT_MODULES:
            _state.originals[(module, "boto_client_for")] = module.boto_client_for
            module.boto_client_for = _client_for  # type: ignore[attr-defined]
        for cls in DENIED_ERRORS:
            original = cls.__dict__["_from_error"]
            _state.originals[(cls, "_from_error")] = original
            cls._from_error = _denied_error(cls, original)  # type: ignore[attr-defined]


def remove() -> None:
    """Restore moto's fixed-key clients and error names."""
    with _lock:
        for (owner, name), original in _state.originals.items():
            setattr(owner, name, original)
        _state.originals.clear()
        _state.credentials_for = None


def _client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's boto_client_for, signed with the role's credentials when the role is known."""
    role = getattr(state_credentials, "role_arn", None)
    resolve = _state.credentials_for
    credentials = resolve(role) if resolve is not None and isinstance(role, str) and role else None
    kwargs: dict[str, Any] = {}
    if not botocore_stubber.enabled:
        kwargs["endpoint_url"] = f"http://localhost:{moto_server_port()}"
    return boto3.client(  # type: ignore[call-overload]
        service_name=service,
        region_name=region,
        aws_access_key_id=credentials.access_key_id if credentials else "ak",
        aws_secret_access_key=credentials.secret_access_key if credentials else "sk",
        aws_session_token=credentials.session_token if credentials else None,
        config=Config(
            parameter_validation=False,
            retries={"max_attempts": 0, "total_max_attempts": 1},
            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
        ),
        **kwargs,
    )


def denied(ex: Exception) -> bool:
    """Whether `ex` is an AccessDenied(Exception) answer."""
    return isinstance(ex, ClientError) and ex.response.get("Error", {}).get("Code") in DENIED_CODES


def _denied_error(cls: type, original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    error, service = DENIED_ERRORS[cls]

    def _from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
        if not isinstance(ex, ClientError) or not denied(ex):
            return original(self, env, ex)
        meta = ex.response.get("ResponseMetadata", {})
        cause = (
            f"{ex.response['Error'].get('Message', '')} (Service: {service}; Status Code: "
            f"{meta.get('HTTPStatusCode', 403)}; Error Code: AccessDeniedException; "
            f"Request ID: {meta.get('RequestId', '')}; Proxy: null)"
        )
        details = TaskFailedEventDetails(
            error=error,
            cause=cause,
            resource=self._get_sfn_resource(),
            resourceType=self._get_sfn_resource_type(),
        )
        return FailureEvent(
            env=env,
            error_name=CustomErrorName(error),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=details),  # type: ignore[typeddict-item]
        )

    return _from_error
