"""A Lambda runtime without containers: each function's real handler runs in worker processes.

One worker process (see `lambda_worker`) is one execution environment:
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
import contextlib
import fcntl
import json
import logging
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lockgate.local import lambda_worker
from lockgate.local.lambda_logs import CloudWatchLogShipper
from lockgate.local.model import FunctionConfig

_log = logging.getLogger(__name__)

LogSink = Callable[[str, str], None]

INIT_LIMIT_S = 10.0  # Lambda's limit for the init phase of an on-demand function
MAX_SYNC_PAYLOAD_BYTES = 6_291_556  # Lambda's limit of a synchronous request or response
LOG_TAIL_BYTES = 4096  # what LogType=Tail returns
ASYNC_RETRY_DELAYS_S = (60.0, 120.0)  # Lambda's delays before the two retries of an async invocation
_BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "SSL_CERT_FILE")
_SIGNAL_NAMES = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted"}


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
        return json.loads(self.payload).get("errorType")


# ---- one execution environment -------------------------------------------------------------------


class _WorkerExit(Exception):
    """The worker process ended without answering."""


class _WorkerTimeout(Exception):
    """The worker did not answer before the deadline."""


@dataclass
class _Outcome:
    """One invocation as the parent saw it."""

    payload: bytes
    error: bool
    duration_ms: float
    max_memory_mb: int
    output: str
    timed_out: bool = False


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, config: FunctionConfig, env: dict[str, str], log_stream: str) -> None:
        self.config = config
        self.log_stream = log_stream
        self.init_ms: float | None = None  # set once init succeeded
        self.alive = True
        self._log_fd = self._req_w = self._resp_r = -1
        fd, path = tempfile.mkstemp(prefix=f"lockgate-{config.name}-", suffix=".log")
        os.unlink(path)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
        self._log_fd = fd
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-u", "-X", "utf8", lambda_worker.__file__, str(req_r), str(resp_w)]
                + [str(path) for path in _layer_paths(config.layer_dirs)],
                cwd=config.code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=fd,
                pass_fds=(req_r, resp_w),
                start_new_session=True,  # Ctrl-C in the terminal reaches the parent only
            )
        except BaseException:
            self._close_fds()
            raise
        finally:
            os.close(req_r)
            os.close(resp_w)

    def init(self) -> tuple[dict[str, Any], bytes]:
        """Wait for the init frame (the handler module imported, or failed to)."""
        return self._read_frame(time.monotonic() + INIT_LIMIT_S + self.config.timeout)

    def run(self, meta: dict[str, Any], payload: bytes, deadline: float) -> tuple[dict[str, Any], bytes]:
        """Send one invocation and wait for its response until `deadline` (monotonic)."""
        try:
            lambda_worker._write_all(self._req_w, lambda_worker.encode_frame(meta, payload))
        except BrokenPipeError:
            raise _WorkerExit from None
        return self._read_frame(deadline)

    def take_output(self) -> str:
        """What the worker printed since the last call."""
        size = os.fstat(self._log_fd).st_size
        if not size:
            return ""
        data = os.pread(self._log_fd, size, 0)
        os.ftruncate(self._log_fd, 0)
        return data.decode("utf-8", errors="replace")

    def exit_description(self) -> str:
        """As Lambda describes a runtime that exited: "exit status 1", "signal: killed"."""
        code = self.proc.wait(timeout=5)
        if code < 0:
            return f"signal: {_SIGNAL_NAMES.get(-code, signal.Signals(-code).name.lower())}"
        return f"exit status {code}"

    def kill(self) -> None:
        """End the process now and release its pipes and log file."""
        self.alive = False
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()
        self._close_fds()

    def close_input(self) -> None:
        """Close its request pipe: an idle worker exits at end of input."""
        self.alive = False
        self._close("_req_w")

    def stop(self, grace_s: float = 1.0) -> None:
        """Close its request pipe and wait for it to exit; kill it if it lingers."""
        self.close_input()
        try:
            self.proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._close_fds()

    def _close_fds(self) -> None:
        for name in ("_req_w", "_resp_r", "_log_fd"):
            self._close(name)

    def _close(self, name: str) -> None:
        """Close a descriptor once: a number closed twice may by then be another thread's file."""
        fd = getattr(self, name)
        if fd >= 0:
            setattr(self, name, -1)
            os.close(fd)

    def _read_frame(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        head = self._read_exact(lambda_worker._FRAME.size, deadline)
        meta_len, body_len = lambda_worker._FRAME.unpack(head)
        meta = json.loads(self._read_exact(meta_len, deadline))
        return meta, self._read_exact(body_len, deadline) if body_len else b""

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        poller = select.poll()
        poller.register(self._resp_r, select.POLLIN)
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
                raise _WorkerTimeout
            chunk = os.read(self._resp_r, size)
            if not chunk:
                raise _WorkerExit
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


def _layer_paths(layer_dirs: tuple[Path, ...]) -> list[Path]:
    paths: list[Path] = []
    for layer in layer_dirs:
        python = layer / "python"
        if python.is_dir():
            paths.append(python)
            site = (
                python / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
            )
            if site.is_dir():
                paths.append(site)
        else:
            paths.append(layer)
    return paths


class _Pool:
    """The execution environments of one function: at most `size` workers, idle ones reused LIFO."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self.cond = threading.Condition()
        self.idle: list[_Worker] = []
        self.count = 0
        self.closed = False

    def acquire(self) -> _Worker | None:
        """An idle warm worker, or None when the caller must start one (a slot is reserved)."""
        with self.cond:
            while True:
                if self.idle:
                    return self.idle.pop()
                if self.count < self.max_workers:
                    self.count += 1
                    return None
                self.cond.wait()

    def release(self, worker: _Worker | None) -> None:
        """Give back a worker (or the slot of one that died or never started)."""
        stop = None
        with self.cond:
            if worker is not None and worker.alive and not self.closed:
                self.idle.append(worker)
            else:
                self.count -= 1
                stop = worker if worker is not None and worker.alive else None
            self.cond.notify()
        if stop is not None:
            stop.stop()

    def close(self) -> list[_Worker]:
        """Refuse new work; hand back the idle workers to stop (busy ones stop on release)."""
        with self.cond:
            self.closed = True
            idle, self.idle = self.idle, []
            self.count -= len(idle)
            self.cond.notify_all()
            return idle


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
    ) -> None:
        """`clock_factor` scales the async retry delays (1 and 2 minutes on AWS)."""
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
        self._pools: dict[str, _Pool] = {}
        self._executor = ThreadPoolExecutor(max_workers=max_async_threads, thread_name_prefix="lambda-async")
        self._pending: set[Future[InvokeResult]] = set()
        self._stopping = threading.Event()
        self._closed = False
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
            self._pools[config.name] = _Pool(self.max_workers_per_function)
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
        max_retries: int = 2,
        on_complete: Callable[[InvokeResult], None] | None = None,
    ) -> str:
        """Queue an Event invocation and return its request id at once.

        On a function error it is retried `max_retries` times (same request id) after Lambda's
        delays (1 then 2 minutes) times `clock_factor`; `on_complete` gets the last result.
        """
        config, invoked_arn = self.resolve(function_name_or_arn)
        request_id = str(uuid.uuid4())
        context = _client_context(client_context)

        def run() -> InvokeResult:
            result = self._invoke(config, invoked_arn, payload, request_id, context)
            for delay in ASYNC_RETRY_DELAYS_S[:max_retries]:
                if result.function_error is None or self._stopping.wait(delay * self.clock_factor):
                    break
                result = self._invoke(config, invoked_arn, payload, request_id, context)
            if on_complete is not None:
                on_complete(result)
            return result

        future = self._executor.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return request_id

    def wait_async(self, timeout: float | None = None) -> bool:
        """Wait for the queued Event invocations (including their retries); True if all finished."""
        with self._lock:
            pending = set(self._pending)
        return not wait_futures(pending, timeout=timeout).not_done

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
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        workers = [worker for pool in pools for worker in pool.close()]
        for worker in workers:
            worker.close_input()  # all exit in parallel
        for worker in workers:
            worker.stop()
        if self._shipper is not None:
            self._shipper.close()
        atexit.unregister(self.shutdown)

    def _forget(self, future: Future[InvokeResult]) -> None:
        with self._lock:
            self._pending.discard(future)
        if not future.cancelled() and (exc := future.exception()) is not None:
            _log.error("async invocation failed in the runtime: %r", exc)

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

    def _spawn(self, config: FunctionConfig) -> _Worker:
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        return _Worker(config, self._environment(config, stream), stream)

    def _run(
        self,
        worker: _Worker,
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
        except _WorkerTimeout:
            outcome = self._timed_out(worker, request_id, time.monotonic() - started)
        except _WorkerExit:
            outcome = self._exited(worker, request_id, time.monotonic() - started)
        else:
            if reply["status"] == "unmarshal":
                raise InvalidRequestContent(f"Could not parse request body into json: {reply['message']}")
            if len(body) > MAX_SYNC_PAYLOAD_BYTES:
                reply["status"], body = "error", _response_too_large()
            outcome = _Outcome(
                body,
                reply["status"] != "ok",
                reply["duration_ms"],
                reply["max_memory_mb"],
                worker.take_output(),
            )
        return self._finish(
            worker, request_id, outcome, started_wall=started_wall, init_ms=worker.init_ms, cold=cold
        )

    def _init(self, worker: _Worker, request_id: str) -> _Outcome | None:
        """Wait for a new worker's init; an _Outcome when it failed (the worker is then gone)."""
        started = time.monotonic()
        try:
            meta, body = worker.init()
        except _WorkerTimeout:
            return self._timed_out(worker, request_id, time.monotonic() - started)
        except _WorkerExit:
            return self._exited(worker, request_id, time.monotonic() - started)
        if meta["status"] == "init":
            worker.init_ms = meta["init_ms"]
            return None
        output = worker.take_output()
        worker.kill()
        return _Outcome(body, True, meta["init_ms"], meta["max_memory_mb"], output)

    def _timed_out(self, worker: _Worker, request_id: str, elapsed_s: float) -> _Outcome:
        worker.proc.kill()
        worker.proc.wait()
        output = worker.take_output()
        worker.kill()
        stamp = _iso_now()
        output += f"{stamp} {request_id} Task timed out after {elapsed_s:.2f} seconds\n"
        error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after {elapsed_s:.2f} seconds",
        }
        return _Outcome(json.dumps(error).encode(), True, elapsed_s * 1000, 0, output, timed_out=True)

    def _exited(self, worker: _Worker, request_id: str, elapsed_s: float) -> _Outcome:
        description = worker.exit_description()
        output = worker.take_output()
        worker.kill()
        message = f"RequestId: {request_id} Error: Runtime exited with error: {description}"
        output += f"{message}\nRuntime.ExitError\n"
        error = {"errorType": "Runtime.ExitError", "errorMessage": message}
        return _Outcome(json.dumps(error).encode(), True, elapsed_s * 1000, 0, output)

    def _finish(
        self,
        worker: _Worker,
        request_id: str,
        outcome: _Outcome,
        *,
        started_wall: float,
        init_ms: float | None,
        cold: bool,
    ) -> InvokeResult:
        config = worker.config
        report_init = init_ms if cold else None
        billed = math.ceil(outcome.duration_ms) + (math.ceil(report_init) if report_init else 0)
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {config.memory_mb} MB\t"
            f"Max Memory Used: {outcome.max_memory_mb} MB"
        )
        if report_init is not None:
            report += f"\tInit Duration: {report_init:.2f} ms"
        if outcome.timed_out:
            report += "\tStatus: timeout"
        lines = [f"START RequestId: {request_id} Version: $LATEST"]
        lines += outcome.output.splitlines()
        lines += [f"END RequestId: {request_id}", report]
        self._emit(config, worker.log_stream, lines, started_wall)
        tail = "\n".join(lines) + "\n"
        tail_bytes = tail.encode()[-LOG_TAIL_BYTES:]
        return InvokeResult(
            payload=outcome.payload,
            function_error="Unhandled" if outcome.error else None,
            log_tail=tail_bytes.decode("utf-8", errors="ignore"),
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
            self._shipper.put(config.log_group or f"/aws/lambda/{config.name}", stream, events)

    def _environment(self, config: FunctionConfig, log_stream: str) -> dict[str, str]:
        env = {key: os.environ[key] for key in _BASIC_ENV if key in os.environ}
        env["AWS_SAM_LOCAL"] = "true"
        env |= config.environment
        env |= {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_CONFIG_FILE": os.devnull,  # nothing from ~/.aws can point a handler at real AWS
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group or f"/aws/lambda/{config.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "_HANDLER": config.handler,
            "LAMBDA_TASK_ROOT": str(config.code_dir),
            "TZ": ":UTC",
        }
        return env


def _client_context(encoded: str | None) -> dict[str, Any] | None:
    """The Invoke ClientContext (base64 JSON as the API takes it; plain JSON accepted too)."""
    if encoded is None:
        return None
    try:
        return json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return json.loads(encoded)


def _response_too_large() -> bytes:
    error = {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        f"({MAX_SYNC_PAYLOAD_BYTES} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    return json.dumps(error).encode()


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
