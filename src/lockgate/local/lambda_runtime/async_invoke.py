"""Where a failed (or finished) asynchronous invocation goes, in AWS's message shapes.

After Lambda's retries of an Event invocation (MaximumRetryAttempts, MaximumEventAgeInSeconds from the
function's EventInvokeConfig; 2 and 6 hours by default), a failed event goes to:
- the function's DeadLetterConfig (SQS queue or SNS topic): the event as is, with the message
  attributes RequestID (String), ErrorCode (Number, the 3-digit HTTP status) and ErrorMessage (String,
  first 1 KB), https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
- its OnFailure destination (SQS, SNS, Lambda, EventBridge bus): the invocation record JSON
  {version, timestamp, requestContext{requestId, functionArn, condition, approximateInvokeCount},
  requestPayload, responseContext{statusCode, executedVersion, functionError}, responsePayload}.
Deliveries are made with the function's own credentials (its role must allow sqs:SendMessage /
sns:Publish / lambda:InvokeFunction / events:PutEvents on the target, as on AWS).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime.env import SessionCredentials
from lockgate.local.lambda_runtime.invocation import InvokeResult

_log = logging.getLogger(__name__)

ERROR_MESSAGE_BYTES = 1024  # the DLQ ErrorMessage attribute is truncated to 1 KB
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"

# (DataType, value) per message attribute
Attributes = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class AsyncOutcome:
    """The end of one Event invocation: its last result, how many times it ran, and why it stopped."""

    config: FunctionConfig
    request_id: str
    payload: bytes
    result: InvokeResult
    invoke_count: int
    condition: str  # "Success", RetriesExhausted, EventAgeExceeded

    @property
    def failed(self) -> bool:
        """True when the event goes to the failure destinations."""
        return self.condition != "Success"


def dead_letter_attributes(outcome: AsyncOutcome) -> Attributes:
    """The DLQ message attributes Lambda adds to the unchanged event."""
    message = (outcome.result.error_message or "").encode()[:ERROR_MESSAGE_BYTES]
    return {
        "RequestID": ("String", outcome.request_id),
        "ErrorCode": ("Number", str(outcome.result.status_code)),
        "ErrorMessage": ("String", message.decode("utf-8", errors="ignore") or "Unhandled"),
    }


def invocation_record(outcome: AsyncOutcome) -> dict[str, Any]:
    """The invocation record Lambda sends to an OnFailure / OnSuccess destination."""
    result = outcome.result
    response_context: dict[str, Any] = {"statusCode": result.status_code, "executedVersion": "$LATEST"}
    if result.function_error:
        response_context["functionError"] = result.function_error
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": outcome.request_id,
            "functionArn": f"{outcome.config.arn}:$LATEST",
            "condition": outcome.condition,
            "approximateInvokeCount": outcome.invoke_count,
        },
        "requestPayload": _json_or_text(outcome.payload),
        "responseContext": response_context,
        "responsePayload": _json_or_text(result.payload),
    }


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data.decode("utf-8", errors="replace")


class Destinations:
    """Sends to SQS, SNS and EventBridge at the local endpoint (Lambda destinations: `invoke_async`)."""

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        invoke_async: Callable[[str, bytes], object] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.invoke_async = invoke_async

    def deliver(self, outcome: AsyncOutcome, credentials: SessionCredentials | None) -> None:
        """Send a finished Event invocation where its configuration says; failures are logged, once each."""
        config = outcome.config
        if outcome.failed and config.dead_letter_arn:
            self._try(
                config,
                config.dead_letter_arn,
                outcome.payload.decode(),
                dead_letter_attributes(outcome),
                credentials=credentials,
            )
        target = config.async_config.on_failure if outcome.failed else config.async_config.on_success
        if target:
            record = invocation_record(outcome)
            self._try(
                config,
                target,
                json.dumps(record),
                {},
                credentials=credentials,
                detail_type=_detail_type(outcome),
            )

    def _try(
        self,
        config: FunctionConfig,
        arn: str,
        body: str,
        attributes: Attributes,
        *,
        credentials: SessionCredentials | None,
        detail_type: str = "",
    ) -> None:
        try:
            self.send(arn, body, attributes, credentials, source_arn=config.arn, detail_type=detail_type)
        except (BotoCoreError, ClientError, LookupError, ValueError) as error:
            _log.warning("%s: async delivery to %s failed: %s", config.name, arn, error)

    def send(
        self,
        arn: str,
        body: str,
        attributes: Attributes,
        credentials: SessionCredentials | None = None,
        *,
        source_arn: str = "",
        detail_type: str = "",
    ) -> None:
        """Send `body` to the SQS queue, SNS topic, Lambda function or event bus `arn`."""
        service = arn.split(":")[2]
        message_attributes = {
            name: {"DataType": kind, "StringValue": value} for name, (kind, value) in attributes.items()
        }
        if service == "sqs":
            account, name = arn.split(":")[4], arn.split(":")[5]
            self._client("sqs", credentials).send_message(
                QueueUrl=f"{self.endpoint_url}/{account}/{name}",
                MessageBody=body,
                MessageAttributes=message_attributes,
            )
        elif service == "sns":
            self._client("sns", credentials).publish(
                TopicArn=arn, Message=body, MessageAttributes=message_attributes
            )
        elif service == "events":
            entry = {
                "Source": "lambda",
                "DetailType": detail_type,
                "Detail": body,
                "Resources": [source_arn],
                "EventBusName": arn,
            }
            self._client("events", credentials).put_events(Entries=[entry])
        elif service == "lambda" and self.invoke_async is not None:
            self.invoke_async(arn, body.encode())
        else:
            raise ValueError(f"unsupported destination {arn}")

    def _client(self, service: str, credentials: SessionCredentials | None) -> Any:
        creds = credentials or SessionCredentials()
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=Config(retries={"max_attempts": 1}),
        )


def _detail_type(outcome: AsyncOutcome) -> str:
    return f"Lambda Function Invocation Result - {'Failure' if outcome.failed else 'Success'}"
