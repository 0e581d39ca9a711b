"""The child side of the local Lambda runtime: one process is one execution environment.

Started by `lambda_runtime.LambdaRuntime` as `python -u -X utf8 <this file> REQ_FD RESP_FD [PATH ...]`
(also runnable as `python -m lockgate.local.lambda_runtime.worker`). It uses the standard library only, so
nothing of Lockgate is imported into the function's process unless the handler imports it.

What it does, like the Python runtime of AWS Lambda (awslambdaric):
- `sys.path[0]` is `LAMBDA_TASK_ROOT` (the CodeUri directory, also the cwd) and the PATH arguments
  (layer directories) follow it, as /var/task then /opt/python on AWS.
- Init: imports the `_HANDLER` module once and reports an init frame (init duration or the error in
  Lambda's shape: Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound...).
- Invoke loop: reads one request frame at a time, calls the handler with the event and a context,
  returns the JSON result or the error document {errorMessage, errorType, requestId, stackTrace}.
- The handler's output (stdout and stderr, fd 1 and 2) goes to a file the parent owns and reads per
  invocation; the IPC uses two other pipes, so nothing the handler prints can corrupt a frame.

Frame: 8 bytes `>II` (meta length, body length), meta as JSON, body as raw bytes.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import logging
import math
import os
import resource
import struct
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any, BinaryIO

FRAME_HEADER = struct.Struct(">II")  # (meta length, body length), big-endian
_THIS_FILE = os.path.abspath(__file__)
_LOG_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
}

_current_request_id = ""


# ---- framing -------------------------------------------------------------------------------------


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytes] | None:
    """One frame from a blocking stream, or None at end of stream."""
    head = stream.read(FRAME_HEADER.size)
    if len(head) < FRAME_HEADER.size:
        return None
    meta_len, body_len = FRAME_HEADER.unpack(head)
    meta = stream.read(meta_len)
    body = stream.read(body_len) if body_len else b""
    if len(meta) < meta_len or len(body) < body_len:
        return None
    return json.loads(meta), body


def encode_frame(meta: dict[str, Any], body: bytes = b"") -> bytes:
    """A frame ready to write."""
    raw = json.dumps(meta, separators=(",", ":")).encode()
    return FRAME_HEADER.pack(len(raw), len(body)) + raw + body


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to the descriptor (os.write may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# ---- the context ---------------------------------------------------------------------------------


class Client:
    """context.client_context.client (mobile SDK fields)."""

    installation_id: str | None = None
    app_title: str | None = None
    app_version_name: str | None = None
    app_version_code: str | None = None
    app_package_name: str | None = None


class ClientContext:
    """context.client_context, decoded from the Invoke ClientContext (base64 JSON)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.client = Client()
        for key, value in (data.get("client") or {}).items():
            setattr(self.client, key, value)
        self.custom = data.get("custom")
        self.env = data.get("env")


class CognitoIdentity:
    """context.identity: always present, empty unless invoked through the mobile SDK."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


class LambdaContext:
    """The context object of the Python runtime. As on AWS, `memory_limit_in_mb` is a string."""

    def __init__(
        self,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        client_context: dict[str, Any] | None = None,
    ) -> None:
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id: str | None = None
        self.client_context = ClientContext(client_context) if client_context is not None else None
        self.identity = CognitoIdentity()
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the runtime kills this invocation (0 when past it)."""
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


# ---- errors in Lambda's shape --------------------------------------------------------------------


def make_error(message: str, error_type: str, stack_trace: list[str], request_id: str) -> dict[str, Any]:
    """The error document Lambda returns as the payload of a failed invocation."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace,
    }


def _fault_from_exception(exc: BaseException, request_id: str) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    user_frames = [frame for frame in frames if frame.filename != _THIS_FILE]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(user_frames), request_id)


def _log_error(error: dict[str, Any]) -> None:
    """The `[ERROR] Type: message` + traceback record the runtime writes to the function's log."""
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            lines.extend(element.splitlines())
    print("\n".join(lines), flush=True)


class _InitFault(Exception):
    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error = make_error(message, error_type, stack_trace or [], "")


def load_handler(setting: str) -> Callable[[Any, LambdaContext], Any]:
    """Import the handler module as Lambda does; raise _InitFault with Lambda's error types."""
    try:
        modname, fname = setting.rsplit(".", 1)
    except ValueError as e:
        raise _InitFault("Runtime.MalformedHandlerName", f"Bad handler '{setting}': {e}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise _InitFault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {modname.split('.')[0]} as a handler module",
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise _InitFault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}") from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise _InitFault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", trace
        ) from None
    handler = getattr(module, fname, None)
    if handler is None:
        raise _InitFault("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'")
    return handler


# ---- logging and marshalling ---------------------------------------------------------------------


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def setup_logging() -> None:
    """The root logger handler of the Lambda Python runtime (text format, level from AWS_LAMBDA_LOG_LEVEL)."""
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    level = _LOG_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
    if level is not None:
        root.setLevel(level)
    root.addHandler(handler)


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        if value.is_nan():
            return math.nan
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _max_memory_mb() -> int:
    return math.ceil(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# ---- the loop ------------------------------------------------------------------------------------


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def handle(handler: Callable[[Any, LambdaContext], Any], meta: dict[str, Any], body: bytes) -> bytes:
    """Run one invocation; return the response frame."""
    global _current_request_id  # noqa: PLW0603 - the runtime's per-invocation request id, as awslambdaric
    request_id = meta["request_id"]
    _current_request_id = request_id
    os.environ["_X_AMZN_TRACE_ID"] = meta.get("trace_id", "")
    try:
        event = json.loads(body) if body.strip() else {}
    except ValueError as e:
        return encode_frame({"status": "unmarshal", "message": str(e)})
    context = LambdaContext(
        request_id, meta["deadline_ms"], meta["invoked_function_arn"], meta.get("client_context")
    )
    started = time.perf_counter()
    status = "error"
    try:
        result = handler(event, context)
        try:
            payload = json.dumps(result, default=_json_default).encode()
            status = "ok"
        except (TypeError, ValueError, OverflowError) as e:
            error = make_error(f"Unable to marshal response: {e}", "Runtime.MarshalError", [], request_id)
            _log_error(error)
            payload = json.dumps(error).encode()
    except Exception as e:
        error = _fault_from_exception(e, request_id)
        _log_error(error)
        payload = json.dumps(error).encode()
    duration_ms = (time.perf_counter() - started) * 1000
    _flush_output()
    meta_out = {"status": status, "duration_ms": duration_ms, "max_memory_mb": _max_memory_mb()}
    return encode_frame(meta_out, payload)


def _exit_with_parent(parent_pid: int, period_s: float = 1.0) -> None:
    """A worker never outlives the local cloud, even one stuck in a handler when it was killed."""
    while True:
        time.sleep(period_s)
        if os.getppid() != parent_pid:
            os._exit(1)


def main(argv: list[str]) -> int:
    """Entry point: argv = [prog, REQ_FD, RESP_FD, extra sys.path entries...]."""
    req_fd, resp_fd = int(argv[1]), int(argv[2])
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path[0:1] = [task_root, *argv[3:]]
    setup_logging()
    requests = os.fdopen(req_fd, "rb")
    started = time.perf_counter()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except _InitFault as fault:
        _log_error(fault.error)
        error = fault.error
    except Exception as e:
        error = _fault_from_exception(e, "")
        _log_error(error)
    else:
        error = None
    init_ms = (time.perf_counter() - started) * 1000
    _flush_output()
    init_meta: dict[str, Any] = {"status": "init", "init_ms": init_ms, "pid": os.getpid()}
    if error is not None:
        init_meta |= {"status": "init_error", "max_memory_mb": _max_memory_mb()}
        write_all(resp_fd, encode_frame(init_meta, json.dumps(error).encode()))
        return 1
    write_all(resp_fd, encode_frame(init_meta))
    while (frame := read_frame(requests)) is not None:
        write_all(resp_fd, handle(handler, *frame))
    return 0


def new_trace_id() -> str:
    """An X-Ray trace header as Lambda sets in _X_AMZN_TRACE_ID (not sampled)."""
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
