"""The local Lambda runtime: worker processes, warm reuse, Lambda's error shapes, logs, timeouts."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime.runtime import (
    FunctionNotFound,
    InvalidRequestContent,
    InvokeResult,
    LambdaRuntime,
    RequestTooLarge,
)

FIXTURES = Path(__file__).parent / "fixture_functions"
ACCOUNT = "123456789012"
ENDPOINT = "http://127.0.0.1:4566"


def config(name: str, handler: str, code: str = "basic", **kwargs: object) -> FunctionConfig:
    """A function of the fixture directory `code`."""
    return FunctionConfig(
        logical_id=name.title().replace("-", ""),
        name=name,
        arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
        handler=handler,
        code_dir=FIXTURES / code,
        layer_dirs=(FIXTURES / "layer",),
        **kwargs,  # type: ignore[arg-type]
    )


class Sink:
    """A log_sink that keeps (function, line) pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, function: str, line: str) -> None:
        with self._lock:
            self.lines.append((function, line))

    def of(self, function: str) -> list[str]:
        with self._lock:
            return [line for name, line in self.lines if name == function]


@pytest.fixture(scope="module")
def sink() -> Sink:
    return Sink()


@pytest.fixture(scope="module")
def runtime(sink: Sink) -> Iterator[LambdaRuntime]:
    rt = LambdaRuntime(endpoint_url=ENDPOINT, log_sink=sink, cloudwatch_logs=False, clock_factor=0.0005)
    env = {"TABLE_NAME": "runs", "POWERTOOLS_SERVICE_NAME": "lockgate", "AWS_ENDPOINT_URL": "http://aws"}
    functions = [
        config("echo", "app.handler"),
        config("noop", "app.noop"),
        config("env", "app.env", environment=env, memory_mb=512),
        config("context", "app.context_probe", timeout=30, memory_mb=256),
        config("sleepy", "app.sleepy"),
        config("chatty", "app.chatty"),
        config("custom-error", "app.raise_custom", code="errors"),
        config("not-serialisable", "app.not_serialisable", code="errors"),
        config("decimals", "app.decimals", code="errors"),
        config("sleep", "app.sleep", code="errors", timeout=1),
        config("exit", "app.exit_now", code="errors"),
        config("flaky", "app.flaky", code="errors"),
        config("broken-import", "app.handler", code="broken_import"),
        config("missing-handler", "app.nope", code="errors"),
        config("huge", "app.huge", code="errors"),
        config("powertools", "app.handler", code="powertools"),
    ]
    for function in functions:
        rt.register(function)
    yield rt
    rt.shutdown()


def invoke(rt: LambdaRuntime, name: str, event: object = None, **kwargs: str) -> tuple[InvokeResult, Any]:
    result = rt.invoke(name, json.dumps(event if event is not None else {}).encode(), **kwargs)
    return result, json.loads(result.payload)


def test_result_round_trip(runtime: LambdaRuntime) -> None:
    result, body = invoke(runtime, "echo", {"key": "raw/a b+c.csv", "n": [1, 2.5, None]})
    assert result.function_error is None
    assert result.status_code == 200
    assert body["event"] == {"key": "raw/a b+c.csv", "n": [1, 2.5, None]}


def test_none_result_is_null(runtime: LambdaRuntime) -> None:
    result = runtime.invoke("noop", b"")
    assert result.payload == b"null"
    assert result.function_error is None


def test_warm_reuse_keeps_module_state_and_process(runtime: LambdaRuntime) -> None:
    _, a = invoke(runtime, "echo")
    second, b = invoke(runtime, "echo")
    third, c = invoke(runtime, "echo")
    assert a["pid"] == b["pid"] == c["pid"]
    assert b["count"] == a["count"] + 1 and c["count"] == b["count"] + 1
    assert not second.cold_start and not third.cold_start


def test_cold_start_flag_and_init_duration(runtime: LambdaRuntime, sink: Sink) -> None:
    runtime.register(config("cold-probe", "app.noop"))
    first = runtime.invoke("cold-probe", b"{}")
    second = runtime.invoke("cold-probe", b"{}")
    assert first.cold_start and first.init_duration_ms is not None
    assert not second.cold_start and second.init_duration_ms is None
    reports = [line for line in sink.of("cold-probe") if line.startswith("REPORT")]
    assert "Init Duration:" in reports[0] and "Init Duration:" not in reports[1]


def test_environment_visible_to_handler(runtime: LambdaRuntime) -> None:
    _, body = invoke(runtime, "env")
    env = body["env"]
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT  # the function cannot point itself elsewhere
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/env"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].split("/")[3].startswith("[$LATEST]")
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["_HANDLER"] == "app.env"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert env["TABLE_NAME"] == "runs" and env["POWERTOOLS_SERVICE_NAME"] == "lockgate"
    code_dir = str(FIXTURES / "basic")
    assert env["LAMBDA_TASK_ROOT"] == body["cwd"] == body["sys_path"][0] == code_dir
    assert body["sys_path"][1] == str(FIXTURES / "layer" / "python")
    assert body["layer"] == "from-layer"


def test_context_object(runtime: LambdaRuntime) -> None:
    custom = {"custom": {"caller": "test"}}
    encoded = base64.b64encode(json.dumps(custom).encode()).decode()
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:context"
    result, body = invoke(runtime, "context", client_context=encoded)
    assert body == {
        "function_name": "context",
        "function_version": "$LATEST",
        "invoked_function_arn": arn,
        "memory_limit_in_mb": "256",  # a string, as the Python runtime on AWS gives it
        "aws_request_id": result.request_id,
        "log_group_name": "/aws/lambda/context",
        "log_stream_name": body["log_stream_name"],
        "remaining_ms": body["remaining_ms"],
        "client_custom": {"caller": "test"},
        "identity_id": None,
    }
    assert 29_000 < body["remaining_ms"] <= 30_000
    _, by_arn = invoke(runtime, f"{arn}:$LATEST")
    assert by_arn["invoked_function_arn"] == f"{arn}:$LATEST"


def test_custom_exception_in_lambda_shape(runtime: LambdaRuntime, sink: Sink) -> None:
    result, body = invoke(runtime, "custom-error")
    assert result.function_error == "Unhandled"
    assert result.error_type == "DatasetRejected"
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "raw/x.csv: rule 'not_empty' failed (0)"
    assert body["requestId"] == result.request_id
    trace = body["stackTrace"]
    assert len(trace) == 1 and "in raise_custom" in trace[0] and "lambda_worker" not in trace[0]
    assert "[ERROR] DatasetRejected: raw/x.csv: rule 'not_empty' failed (0)" in result.log_tail
    assert "Traceback (most recent call last):" in sink.of("custom-error")


def test_import_error_is_runtime_import_module_error(runtime: LambdaRuntime) -> None:
    result, body = invoke(runtime, "broken-import")
    assert result.function_error == "Unhandled"
    assert body == {
        "errorMessage": "Unable to import module 'app': "
        "No module named 'lockgate_fixture_module_that_does_not_exist'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    again = runtime.invoke("broken-import", b"{}")
    assert again.cold_start and again.error_type == "Runtime.ImportModuleError"  # init is retried


def test_prewarm_starts_one_environment_ahead_and_its_first_invoke_is_warm(runtime: LambdaRuntime) -> None:
    runtime.register(config("prewarmed", "app.handler"))
    assert runtime.prewarm("prewarmed")
    assert not runtime.prewarm("prewarmed")  # one is idle already: nothing more to start
    first, body = invoke(runtime, "prewarmed")
    assert not first.cold_start and first.init_duration_ms is None
    assert body["count"] == 1  # the module was imported once, before the first event
    runtime.register(config("prewarm-broken", "app.handler", code="broken_import"))
    assert not runtime.prewarm("prewarm-broken")  # its init failed: the next invoke starts cold
    result, failed = invoke(runtime, "prewarm-broken")
    assert result.cold_start and failed["errorType"] == "Runtime.ImportModuleError"


def test_missing_handler(runtime: LambdaRuntime) -> None:
    _, body = invoke(runtime, "missing-handler")
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'nope' missing on module 'app'"


def test_unserialisable_result_is_marshal_error(runtime: LambdaRuntime) -> None:
    result, body = invoke(runtime, "not-serialisable")
    assert result.function_error == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"
    assert body["errorMessage"] == ("Unable to marshal response: Object of type set is not JSON serializable")


def test_decimals_marshal_as_numbers(runtime: LambdaRuntime) -> None:
    _, body = invoke(runtime, "decimals")
    assert body == {"int": 3, "float": 1.5}


def test_timeout_kills_worker_and_next_invoke_works(runtime: LambdaRuntime, sink: Sink) -> None:
    _, first = invoke(runtime, "sleep", {"seconds": 0})
    result, body = invoke(runtime, "sleep", {"seconds": 30})
    assert result.function_error == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert re.match(
        rf"RequestId: {result.request_id} Error: Task timed out after [1-4]\.\d\d seconds$",
        body["errorMessage"],
    )
    # Lambda reports the time it waited (1.00 s here, a little more on a loaded host), not the 30 s asked.
    assert 1000 <= result.duration_ms < 5000
    lines = sink.of("sleep")
    assert "going to sleep" in lines  # what it printed before it was killed
    assert any(re.search(r"Task timed out after [1-4]\.\d\d seconds$", line) for line in lines)
    assert lines[-1].startswith("REPORT") and lines[-1].endswith("Status: timeout")
    after, second = invoke(runtime, "sleep", {"seconds": 0})
    assert after.function_error is None and after.cold_start
    assert second["pid"] != first["pid"]


def test_runtime_exit(runtime: LambdaRuntime) -> None:
    _, body = invoke(runtime, "exit")
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_concurrent_invokes_from_threads(runtime: LambdaRuntime) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: invoke(runtime, "sleepy", {"seconds": 0.05, "i": i}), range(8)))
    assert all(result.function_error is None for result, _ in results)
    pids = {body["pid"] for _, body in results}
    assert 1 <= len(pids) <= runtime.max_workers_per_function


def test_logs_to_sink_with_start_end_report(runtime: LambdaRuntime, sink: Sink) -> None:
    result = runtime.invoke("chatty", b"{}")
    rid = result.request_id
    lines = sink.of("chatty")
    start = lines.index(f"START RequestId: {rid} Version: $LATEST")
    block = lines[start:]
    assert block[-2] == f"END RequestId: {rid}"
    assert block[-1].startswith(f"REPORT RequestId: {rid}\tDuration: ")
    for part in ("Billed Duration: ", "Memory Size: 128 MB", "Max Memory Used: "):
        assert part in block[-1]
    assert "to stdout" in block and "to stderr" in block
    warning = next(line for line in block if "a warning from logging" in line)
    assert warning.startswith("[WARNING]\t") and f"\t{rid}\t" in warning
    assert not any("below the root level" in line for line in block)
    assert result.log_tail.startswith("START") and result.log_tail.endswith("\n")


def test_log_tail_is_last_4kb(runtime: LambdaRuntime) -> None:
    result = runtime.invoke("echo", json.dumps({"big": "x" * 10_000}).encode())
    assert len(result.log_tail.encode()) <= 4096
    assert result.log_tail.rstrip("\n").split("\n")[-1].startswith("REPORT")


def test_async_invoke_retried_on_error(runtime: LambdaRuntime, tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    done: list[InvokeResult] = []
    rid = runtime.invoke_async(
        "flaky",
        json.dumps({"counter": str(counter), "succeed_on": 3}).encode(),
        on_complete=done.append,
    )
    assert runtime.wait_async(timeout=10)
    assert counter.read_text() == "3"
    assert done[0].function_error is None and done[0].request_id == rid


def test_async_gives_up_after_two_retries(runtime: LambdaRuntime, tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    result = runtime.invoke(
        "flaky", json.dumps({"counter": str(counter), "succeed_on": 99}).encode(), invocation_type="Event"
    )
    assert result.status_code == 202 and result.payload == b""
    assert runtime.wait_async(timeout=10)
    assert counter.read_text() == "3"


def test_unknown_function_and_bad_payload(runtime: LambdaRuntime) -> None:
    with pytest.raises(FunctionNotFound):
        runtime.invoke("nope", b"{}")
    with pytest.raises(FunctionNotFound):
        runtime.invoke("echo:7", b"{}")
    with pytest.raises(InvalidRequestContent):
        runtime.invoke("echo", b"{not json")
    assert runtime.invoke("echo", b"{}", invocation_type="DryRun").status_code == 204


def test_response_over_6mb_is_an_error(runtime: LambdaRuntime) -> None:
    result, body = invoke(runtime, "huge")
    assert result.function_error == "Unhandled"
    assert body["errorType"] == "Function.ResponseSizeTooLarge"
    with pytest.raises(RequestTooLarge):
        runtime.invoke("echo", b'"' + b"x" * 6_300_000 + b'"')


def test_powertools_logger_sees_the_lambda_context(runtime: LambdaRuntime, sink: Sink) -> None:
    result, body = invoke(runtime, "powertools", {"key": "raw/a.csv"})
    assert body == {"ok": True}
    records = [json.loads(line) for line in sink.of("powertools") if line.startswith("{")]
    record = next(r for r in records if r.get("message") == "structured")
    assert record["function_request_id"] == result.request_id
    assert record["function_name"] == "powertools" and record["function_memory_size"] == "128"
    assert record["key"] == "raw/a.csv" and record["cold_start"] is True
