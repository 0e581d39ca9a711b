"""The local Lambda runtime delivers each invocation's logs to CloudWatch Logs at the endpoint."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime.runtime import LambdaRuntime

FIXTURES = Path(__file__).parent / "fixture_functions"


@pytest.fixture(scope="module")
def endpoint(moto_endpoint: str) -> str:
    """The session's moto server (tests/unit/local/conftest.py)."""
    return moto_endpoint


def test_logs_reach_the_function_log_group(endpoint: str) -> None:
    runtime = LambdaRuntime(endpoint_url=endpoint, cloudwatch_logs=True)
    try:
        runtime.register(
            FunctionConfig(
                logical_id="Chatty",
                name="lockgate-chatty",
                arn="arn:aws:lambda:us-east-1:123456789012:function:lockgate-chatty",
                handler="app.chatty",
                code_dir=FIXTURES / "basic",
                layer_dirs=(FIXTURES / "layer",),
            )
        )
        first = runtime.invoke("lockgate-chatty", b"{}")
        second = runtime.invoke("lockgate-chatty", b"{}")
        runtime.flush_logs()
    finally:
        runtime.shutdown()
    logs = boto3.client(
        "logs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/lockgate-chatty")["logStreams"]
    assert len(streams) == 1  # one execution environment, reused warm
    assert "/[$LATEST]" in streams[0]["logStreamName"]
    events = logs.get_log_events(
        logGroupName="/aws/lambda/lockgate-chatty",
        logStreamName=streams[0]["logStreamName"],
        startFromHead=True,
    )["events"]
    messages = [event["message"] for event in events]
    for result in (first, second):
        rid = result.request_id
        start = messages.index(f"START RequestId: {rid} Version: $LATEST")
        end = messages.index(f"END RequestId: {rid}")
        assert "to stdout" in messages[start:end] and "to stderr" in messages[start:end]
        assert messages[end + 1].startswith(f"REPORT RequestId: {rid}\t")
    timestamps = [event["timestamp"] for event in events]
    assert timestamps == sorted(timestamps)


def test_unreachable_endpoint_does_not_fail_invocations() -> None:
    runtime = LambdaRuntime(endpoint_url="http://127.0.0.1:9", cloudwatch_logs=True)
    try:
        runtime.register(
            FunctionConfig(
                logical_id="Noop",
                name="noop",
                arn="arn:aws:lambda:us-east-1:123456789012:function:noop",
                handler="app.noop",
                code_dir=FIXTURES / "basic",
                layer_dirs=(FIXTURES / "layer",),
            )
        )
        assert runtime.invoke("noop", b"{}").function_error is None
        runtime.flush_logs()
    finally:
        runtime.shutdown()
