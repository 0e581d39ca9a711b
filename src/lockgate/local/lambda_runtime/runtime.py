"""A Lambda runtime without containers: each function's real handler runs in worker processes.

One worker process (see `worker`) is one execution environment:
- started lazily with the venv's interpreter, cwd = the CodeUri directory, and `sys.path[0]` = that
  directory, as Lambda puts LAMBDA_TASK_ROOT (/var/task) first; layer directories follow (a layer's
  `python/` subfolder when it has one, as /opt/python on AWS, else the layer directory itself);
- the environment is a few basics of this process (PATH, HOME, LANG, ...; never its AWS_* credentials),
  then the function's environment, then Lambda's reserved variables with AWS_ENDPOINT_URL pointing at
  the local endpoint and dummy credentials; AWS_SAM_LOCAL=true unless the function sets it, as
  `sam local invoke` does (Powertools Tracer then stays off);
- imports the handler module once (cold start, Init Duration), then serves one invocation at a time
  (warm reuse); each function has a small pool of such workers; callers beyond it wait for one;
- a handler running past the function's Timeout is killed and its worker replaced; the caller gets
  Lambda's `Sandbox.Timedout` error.

Beside it in this package: `handle` (the worker process handle and pool; the frame protocol is
`worker`'s), `env` (the environment), `report` (START/END/REPORT lines and the runtime's own error
documents), `invocation` (InvokeResult and the API errors), `logs` (CloudWatch Logs shipping),
`event_queue` (Event invocations and their retries) and `async_invoke` (DLQs and destinations).
This module keeps the registry and the invoke paths.

IPC: length-prefixed frames over two dedicated pipes (requests in, responses out). The handler's
stdout/stderr go to an unlinked O_APPEND file that the parent reads and truncates after each
invocation, so prints can never corrupt a frame and a killed invocation's output is still there.

Logs of every invocation (START, the handler's output, END, REPORT) go line by line to `log_sink`
and, when `cloudwatch_logs`, to the function's CloudWatch Logs group at the endpoint (one stream
per worker, as one stream per execution environment) from a background thread.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime import report
from lockgate.local.lambda_runtime import worker as lambda_worker
from lockgate.local.lambda_runtime.async_invoke import Destinations
from lockgate.local.lambda_runtime.env import SessionCredentials, function_environment, log_group_of
from lockgate.local.lambda_runtime.event_queue import EventQueue
from lockgate.local.lambda_runtime.handle import WorkerExit, WorkerHandle, WorkerPool, WorkerTimeout
from lockgate.local.lambda_runtime.invocation import (
    FunctionNotFound,
    InvalidRequestContent,
    InvokeResult,
    RequestTooLarge,
)
from lockgate.local.lambda_runtime.logs import CloudWatchLogShipper
from lockgate.local.lambda_runtime.report import Outcome

__all__ = ["FunctionNotFound", "InvalidRequestContent", "InvokeResult", "LambdaRuntime", "RequestTooLarge"]

LogSink = Callable[[str, str], None]

# Invoke API reference: "For synchronous invocations, the maximum payload size is 6 MB. For asynchronous
# invocations, the maximum payload size is 1 MB." https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
MAX_SYNC_PAYLOAD_BYTES = 6_291_556  # Lambda's limit of a synchronous request or response
MAX_ASYNC_PAYLOAD_BYTES = 1_048_576  # Lambda's limit of an Event request


# ---- the runtime ---------------------------------------------------------------------------------


class LambdaRuntime:
    """Runs registered functions in worker processes; thread-safe."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str = "us-east-1",
        log_sink: LogSink | None = None,
        cloudwatch_logs: bool = True,
        max_workers_per_function: int = 2,
        clock_factor: float = 0.001,
        max_async_threads: int = 16,
        credentials: Callable[[FunctionConfig], SessionCredentials | None] | None = None,
    ) -> None:
        """`clock_factor` scales the async retry delays (1 and 2 minutes on AWS); `credentials` gives
        each function's session credentials (its role's, when IAM is enforced; dummy ones otherwise)."""
        self.endpoint_url = endpoint_url
        self.region = region
        self.log_sink = log_sink
        self.clock_factor = clock_factor
        self.max_workers_per_function = max_workers_per_function
        self._shipper = CloudWatchLogShipper(endpoint_url, region) if cloudwatch_logs else None
        self._lock = threading.Lock()
        self._sink_lock = threading.Lock()
        self._functions: dict[str, FunctionConfig] = {}
        self._arns: dict[str, str] = {}
        self._pools: dict[str, WorkerPool] = {}
        self._closed = False
        self._credentials = credentials
        self._events = EventQueue(
            Destinations(endpoint_url, region, invoke_async=self._destination_invoke),
            self._credentials_of,
            clock_factor=clock_factor,
            max_threads=max_async_threads,
        )
        atexit.register(self.shutdown)

    # -- registry --

    def register(self, config: FunctionConfig) -> None:
        """Add a function, or replace its configuration (its warm workers are retired)."""
        if not Path(config.code_dir).is_dir():
            raise FileNotFoundError(
                f"{config.logical_id}: CodeUri directory {config.code_dir} does not exist"
            )
        with self._lock:
            old = self._pools.pop(config.name, None)
            self._functions[config.name] = config
            self._arns[config.arn] = config.name
            self._pools[config.name] = WorkerPool(self.max_workers_per_function)
        if old is not None:
            for worker in old.close():
                worker.stop()

    def functions(self) -> dict[str, FunctionConfig]:
        """The registered functions by name."""
        with self._lock:
            return dict(self._functions)

    def resolve(self, function_name_or_arn: str) -> tuple[FunctionConfig, str]:
        """The function and the ARN it was invoked by (name, name:qualifier, full or partial ARN)."""
        ref = function_name_or_arn
        qualifier = None
        if ref.startswith("arn:"):
            parts = ref.split(":")
            name, qualifier = parts[6] if len(parts) > 6 else "", parts[7] if len(parts) > 7 else None
        elif ":function:" in ref:
            parts = ref.split(":")
            name, qualifier = parts[2], parts[3] if len(parts) > 3 else None
        else:
            name, _, qualifier = ref.partition(":")
        with self._lock:
            config = self._functions.get(name) or self._functions.get(self._arns.get(ref, ""))
        if config is None or qualifier not in (None, "", "$LATEST"):
            raise FunctionNotFound(f"Function not found: {function_name_or_arn}")
        invoked_arn = ref if ref.startswith("arn:") else config.arn + (f":{qualifier}" if qualifier else "")
        return config, invoked_arn

    def prewarm(self, function_name: str) -> bool:
        """Start one execution environment of the function now and keep it idle, as provisioned
        concurrency does: its first invocation is then warm (no Init Duration). False when the
        function already has an idle worker, has no free slot, or its init failed."""
        config, _ = self.resolve(function_name)
        with self._lock:
            if self._closed:
                return False
            pool = self._pools[config.name]
        if not pool.reserve():
            return False
        worker: WorkerHandle | None = None
        try:
            worker = self._spawn(config)
            # A failed init kills the worker: the next invocation starts cold and reports the error.
            return self._init(worker, "prewarm") is None
        finally:
            pool.release(worker)

    # -- invoke --

    def invoke(
        self,
        function_name_or_arn: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
    ) -> InvokeResult:
        """Invoke as Lambda's Invoke API: RequestResponse waits; Event queues (202); DryRun checks (204)."""
        if invocation_type == "Event":
            request_id = self.invoke_async(function_name_or_arn, payload, client_context=client_context)
            return InvokeResult(b"", None, "", 0.0, False, request_id, status_code=202)
        config, invoked_arn = self.resolve(function_name_or_arn)
        if invocation_type == "DryRun":
            return InvokeResult(b"", None, "", 0.0, False, str(uuid.uuid4()), status_code=204)
        if invocation_type != "RequestResponse":
            raise ValueError(f"Unknown InvocationType {invocation_type!r}")
        if len(payload) > MAX_SYNC_PAYLOAD_BYTES:
            raise RequestTooLarge(f"{len(payload)} byte payload is over {MAX_SYNC_PAYLOAD_BYTES} bytes")
        return self._invoke(config, invoked_arn, payload, str(uuid.uuid4()), _client_context(client_context))

    def invoke_async(
        self,
        function_name_or_arn: str,
        payload: bytes,
        *,
        client_context: str | None = None,
        max_retries: int | None = None,
        on_complete: Callable[[InvokeResult], None] | None = None,
    ) -> str:
        """Queue an Event invocation and return its request id at once.

        On a function error it is retried (same request id) after Lambda's delays (1 then 2 minutes)
        times `clock_factor`, up to `max_retries` times (default: the function's EventInvokeConfig
        MaximumRetryAttempts) while the event is younger than its MaximumEventAgeInSeconds. Then it
        goes to the function's dead-letter queue and OnFailure destination (OnSuccess on success);
        `on_complete` gets the last result.
        """
        config, invoked_arn = self.resolve(function_name_or_arn)
        if len(payload) > MAX_ASYNC_PAYLOAD_BYTES:
            raise RequestTooLarge(f"{len(payload)} byte payload is over {MAX_ASYNC_PAYLOAD_BYTES} bytes")
        request_id = str(uuid.uuid4())
        context = _client_context(client_context)
        self._events.submit(
            config,
            request_id,
            payload,
            lambda: self._invoke(config, invoked_arn, payload, request_id, context),
            retries=config.async_config.maximum_retry_attempts if max_retries is None else max_retries,
            on_complete=on_complete,
        )
        return request_id

    def _credentials_of(self, config: FunctionConfig) -> SessionCredentials | None:
        return self._credentials(config) if self._credentials is not None else None

    def _destination_invoke(self, function_arn: str, payload: bytes) -> None:
        self.invoke_async(function_arn, payload)

    def wait_async(self, timeout: float | None = None) -> bool:
        """Wait for the queued Event invocations (including their retries); True if all finished."""
        return self._events.wait(timeout)

    def flush_logs(self) -> None:
        """Wait until the logs so far are in CloudWatch Logs."""
        if self._shipper is not None:
            self._shipper.flush()

    def shutdown(self) -> None:
        """Stop async work and every worker process; deliver pending logs. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pools = list(self._pools.values())
        self._events.shutdown()
        workers = [worker for pool in pools for worker in pool.close()]
        for worker in workers:
            worker.close_input()  # all exit in parallel
        for worker in workers:
            worker.stop()
        if self._shipper is not None:
            self._shipper.close()
        atexit.unregister(self.shutdown)

    # -- one invocation --

    def _invoke(
        self,
        config: FunctionConfig,
        invoked_arn: str,
        payload: bytes,
        request_id: str,
        client_context: dict[str, Any] | None,
    ) -> InvokeResult:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda runtime is shut down")
            pool = self._pools[config.name]
        worker = pool.acquire()
        try:
            cold = worker is None
            if worker is None:
                worker = self._spawn(config)
            return self._run(
                worker,
                cold=cold,
                invoked_arn=invoked_arn,
                payload=payload,
                request_id=request_id,
                client_context=client_context,
            )
        except InvalidRequestContent:
            raise
        except BaseException:
            if worker is not None and worker.alive:
                worker.kill()  # its state is unknown: never reuse it
            raise
        finally:
            pool.release(worker)

    def _spawn(self, config: FunctionConfig) -> WorkerHandle:
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        env = function_environment(
            config,
            endpoint_url=self.endpoint_url,
            region=self.region,
            log_stream=stream,
            credentials=self._credentials_of(config),
        )
        if self.clock_factor > 0:  # handlers that count time (the cost guard) read the local clock
            env["LOCKGATE_CLOCK_SPEED"] = f"{1 / self.clock_factor:g}"
        return WorkerHandle(config, env, stream)

    def _run(
        self,
        worker: WorkerHandle,
        *,
        cold: bool,
        invoked_arn: str,
        payload: bytes,
        request_id: str,
        client_context: dict[str, Any] | None,
    ) -> InvokeResult:
        config = worker.config
        started_wall = time.time()
        if cold:
            init = self._init(worker, request_id)
            if init is not None:
                return self._finish(
                    worker, request_id, init, started_wall=started_wall, init_ms=None, cold=cold
                )
        meta = {
            "request_id": request_id,
            "deadline_ms": int(time.time() * 1000) + config.timeout * 1000,
            "invoked_function_arn": invoked_arn,
            "client_context": client_context,
            "trace_id": lambda_worker.new_trace_id(),
        }
        started = time.monotonic()
        try:
            reply, body = worker.run(meta, payload, started + config.timeout)
        except WorkerTimeout:
            outcome = self._timed_out(worker, request_id, time.monotonic() - started)
        except WorkerExit:
            outcome = self._exited(worker, request_id, time.monotonic() - started)
        else:
            if reply["status"] == "unmarshal":
                raise InvalidRequestContent(f"Could not parse request body into json: {reply['message']}")
            if len(body) > MAX_SYNC_PAYLOAD_BYTES:
                reply["status"], body = "error", report.response_too_large(MAX_SYNC_PAYLOAD_BYTES)
            outcome = Outcome(
                body,
                reply["status"] != "ok",
                reply["duration_ms"],
                reply["max_memory_mb"],
                worker.take_output(),
            )
        return self._finish(
            worker, request_id, outcome, started_wall=started_wall, init_ms=worker.init_ms, cold=cold
        )

    def _init(self, worker: WorkerHandle, request_id: str) -> Outcome | None:
        """Wait for a new worker's init; an Outcome when it failed (the worker is then gone)."""
        started = time.monotonic()
        try:
            meta, body = worker.init()
        except WorkerTimeout:
            return self._timed_out(worker, request_id, time.monotonic() - started)
        except WorkerExit:
            return self._exited(worker, request_id, time.monotonic() - started)
        if meta["status"] == "init":
            worker.init_ms = meta["init_ms"]
            return None
        output = worker.take_output()
        worker.kill()
        return Outcome(body, True, meta["init_ms"], meta["max_memory_mb"], output)

    @staticmethod
    def _timed_out(worker: WorkerHandle, request_id: str, elapsed_s: float) -> Outcome:
        worker.terminate_now()
        output = worker.take_output()
        worker.kill()
        return report.timed_out(request_id, elapsed_s, output)

    @staticmethod
    def _exited(worker: WorkerHandle, request_id: str, elapsed_s: float) -> Outcome:
        description = worker.exit_description()
        output = worker.take_output()
        worker.kill()
        return report.exited(request_id, elapsed_s, description, output)

    def _finish(
        self,
        worker: WorkerHandle,
        request_id: str,
        outcome: Outcome,
        *,
        started_wall: float,
        init_ms: float | None,
        cold: bool,
    ) -> InvokeResult:
        config = worker.config
        report_init = init_ms if cold else None
        lines = report.invocation_lines(request_id, outcome, memory_mb=config.memory_mb, init_ms=report_init)
        self._emit(config, worker.log_stream, lines, started_wall)
        return InvokeResult(
            payload=outcome.payload,
            function_error="Unhandled" if outcome.error else None,
            log_tail=report.log_tail(lines),
            duration_ms=outcome.duration_ms,
            cold_start=cold,
            request_id=request_id,
            init_duration_ms=report_init,
            max_memory_used_mb=outcome.max_memory_mb,
        )

    def _emit(self, config: FunctionConfig, stream: str, lines: list[str], started_wall: float) -> None:
        if self.log_sink is not None:
            with self._sink_lock:  # one invocation's lines stay together
                for line in lines:
                    self.log_sink(config.name, line)
        if self._shipper is not None:
            start_ms, end_ms = int(started_wall * 1000), int(time.time() * 1000)
            events = [(start_ms, lines[0])] + [(end_ms, line) for line in lines[1:] if line]
            self._shipper.put(log_group_of(config), stream, events)


def _client_context(encoded: str | None) -> dict[str, Any] | None:
    """The Invoke ClientContext (base64 JSON as the API takes it; plain JSON accepted too)."""
    if encoded is None:
        return None
    try:
        decoded: dict[str, Any] = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        decoded = json.loads(encoded)
    return decoded
