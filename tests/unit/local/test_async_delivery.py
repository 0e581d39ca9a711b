"""Failed asynchronous work lands where AWS sends it: Lambda's DLQ and OnFailure destination after
the retries of EventInvokeConfig, and EventBridge's target DLQ after the target's RetryPolicy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lockgate.local.clock import LocalClock
from lockgate.local.deployer.model import AsyncInvokeConfig, FunctionConfig
from lockgate.local.eventbridge import delivery as event_delivery
from lockgate.local.lambda_runtime.invocation import FunctionNotFound
from lockgate.local.lambda_runtime.runtime import LambdaRuntime

FIXTURES = Path(__file__).parent / "fixture_functions"
ACCOUNT = "123456789012"


def _function(name: str, handler: str, **kwargs: Any) -> FunctionConfig:
    return FunctionConfig(
        logical_id=name.title().replace("-", ""),
        name=name,
        arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
        handler=handler,
        code_dir=FIXTURES / "errors",
        **kwargs,
    )


def _queue(aws: Callable[[str], Any], name: str) -> tuple[str, str]:
    url = aws("sqs").create_queue(QueueName=name)["QueueUrl"]
    return url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def _receive(aws: Callable[[str], Any], url: str) -> list[dict[str, Any]]:
    return (
        aws("sqs")
        .receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        )
        .get("Messages", [])
    )


@pytest.fixture
def runtime(moto_endpoint: str) -> Any:
    rt = LambdaRuntime(endpoint_url=moto_endpoint, cloudwatch_logs=False, clock_factor=0.0001)
    yield rt
    rt.shutdown()


def test_failed_event_goes_to_the_dead_letter_queue_after_two_retries(
    runtime: LambdaRuntime, aws: Callable[[str], Any]
) -> None:
    url, arn = _queue(aws, "fn-dlq")
    results = []
    runtime.register(_function("always-fails", "app.raise_custom", dead_letter_arn=arn))
    request_id = runtime.invoke_async(
        "always-fails", b'{"key": "raw/credit.csv"}', on_complete=results.append
    )
    assert runtime.wait_async(timeout=60)
    (message,) = _receive(aws, url)
    assert json.loads(message["Body"]) == {"key": "raw/credit.csv"}  # the event as is
    attributes = message["MessageAttributes"]
    assert attributes["RequestID"] == {"StringValue": request_id, "DataType": "String"}
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == json.loads(results[0].payload)["errorMessage"]


def test_on_failure_destination_gets_the_invocation_record(
    runtime: LambdaRuntime, aws: Callable[[str], Any]
) -> None:
    url, arn = _queue(aws, "fn-on-failure")
    config = AsyncInvokeConfig(maximum_retry_attempts=1, on_failure=arn)
    runtime.register(_function("fails-once-more", "app.raise_custom", async_config=config))
    request_id = runtime.invoke_async("fails-once-more", b'{"n": 1}')
    assert runtime.wait_async(timeout=60)
    (message,) = _receive(aws, url)
    record = json.loads(message["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fails-once-more:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 2,
    }
    assert record["requestPayload"] == {"n": 1}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "DatasetRejected"


def test_event_older_than_maximum_age_is_not_retried(
    runtime: LambdaRuntime, aws: Callable[[str], Any]
) -> None:
    url, arn = _queue(aws, "fn-too-old")
    config = AsyncInvokeConfig(maximum_event_age_s=60, on_failure=arn)  # the first retry waits 60 s
    runtime.register(_function("too-old", "app.raise_custom", async_config=config))
    runtime.invoke_async("too-old", b"{}")
    assert runtime.wait_async(timeout=60)
    (message,) = _receive(aws, url)
    context = json.loads(message["Body"])["requestContext"]
    assert context["condition"] == "EventAgeExceeded" and context["approximateInvokeCount"] == 1


def test_success_goes_to_on_success_only(runtime: LambdaRuntime, aws: Callable[[str], Any]) -> None:
    ok_url, ok_arn = _queue(aws, "fn-on-success")
    dlq_url, dlq_arn = _queue(aws, "fn-unused-dlq")
    config = AsyncInvokeConfig(on_success=ok_arn)
    runtime.register(_function("succeeds", "app.decimals", dead_letter_arn=dlq_arn, async_config=config))
    runtime.invoke_async("succeeds", b"{}")
    assert runtime.wait_async(timeout=60)
    (message,) = _receive(aws, ok_url)
    assert json.loads(message["Body"])["requestContext"]["condition"] == "Success"
    assert _receive(aws, dlq_url) == []


# ---- EventBridge targets ---------------------------------------------------------------------------

RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/starter"
DLQ = f"arn:aws:sqs:us-east-1:{ACCOUNT}:events-dlq"


class _Sent:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, dict[str, tuple[str, str]]]] = []

    def __call__(self, arn: str, body: str, attributes: dict[str, tuple[str, str]]) -> None:
        self.messages.append((arn, body, attributes))


def _raiser(error: BaseException, calls: list[int]) -> Callable[[], None]:
    def invoke() -> None:
        calls.append(1)
        raise error

    return invoke


def test_missing_target_goes_to_the_dlq_without_retries() -> None:
    sent, calls = _Sent(), []
    target = {
        "Id": "t",
        "Arn": "arn:aws:lambda:us-east-1:123456789012:function:gone",
        "DeadLetterConfig": {"Arn": DLQ},
    }
    failure = event_delivery.deliver(
        _raiser(FunctionNotFound("Function not found: gone"), calls),
        target=target,
        rule_arn=RULE,
        event_json='{"id": "1"}',
        clock=LocalClock(1e6),
        send=sent,
    )
    assert failure is not None and failure.code == "NO_RESOURCE"
    assert len(calls) == 1
    ((queue, body, attributes),) = sent.messages
    assert queue == DLQ and body == '{"id": "1"}'
    assert attributes == {
        "RULE_ARN": ("String", RULE),
        "TARGET_ARN": ("String", target["Arn"]),
        "ERROR_CODE": ("String", "NO_RESOURCE"),
        "ERROR_MESSAGE": ("String", "Function not found: gone"),
    }


def test_throttled_target_is_retried_per_retry_policy_then_dead_lettered() -> None:
    sent, calls = _Sent(), []
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "StartExecution"
    )
    target = {
        "Id": "t",
        "Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:ingest",
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
        "DeadLetterConfig": {"Arn": DLQ},
    }
    failure = event_delivery.deliver(
        _raiser(throttled, calls),
        target=target,
        rule_arn=RULE,
        event_json="{}",
        clock=LocalClock(1e6),
        send=sent,
    )
    assert failure is not None and failure.code == "THROTTLING"
    assert len(calls) == 4  # the first attempt and 3 retries
    assert sent.messages[0][2]["ERROR_CODE"] == ("String", "THROTTLING")


def test_access_denied_target_is_not_retried() -> None:
    sent, calls = _Sent(), []
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "StartExecution")
    target = {"Id": "t", "Arn": "arn:aws:states:us-east-1:1:stateMachine:x", "DeadLetterConfig": {"Arn": DLQ}}
    event_delivery.deliver(
        _raiser(denied, calls),
        target=target,
        rule_arn=RULE,
        event_json="{}",
        clock=LocalClock(1e6),
        send=sent,
    )
    assert len(calls) == 1 and sent.messages[0][2]["ERROR_CODE"] == ("String", "NO_PERMISSIONS")


def test_retries_end_when_the_cloud_stops() -> None:
    import threading

    sent, calls = _Sent(), []
    stopping = threading.Event()
    stopping.set()
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "StartExecution")
    target = {"Id": "t", "Arn": "arn:aws:states:us-east-1:1:stateMachine:x", "DeadLetterConfig": {"Arn": DLQ}}
    failure = event_delivery.deliver(
        _raiser(throttled, calls),
        target=target,
        rule_arn=RULE,
        event_json="{}",
        clock=LocalClock(1),
        send=sent,
        stopping=stopping,
    )
    assert failure is not None and len(calls) == 1 and sent.messages == []
