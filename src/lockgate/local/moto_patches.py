"""Every change Lockgate makes to moto, in one module.

moto (pinned in pyproject.toml) is the local AWS endpoint. Four things it lacks are filled here,
each behind a named patch whose target is listed in `PATCH_TARGETS`; tests/contract checks every
target still exists with the shape we rely on, so a moto upgrade that moves one fails loudly:

1. Lambda invoke runs the real handler in the worker runtime (moto would start Docker).
2. EventBridge rule targets for Lambda and Step Functions (moto raises NotImplementedError), with the
   target's RetryPolicy and DeadLetterConfig (event_delivery).
3. JSONata in state machines (moto's evaluator hook is empty; jsonata-python fills it).
4. Wait states and Retry intervals follow the local clock (moto sleeps in real time).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote_plus

import jsonata
from moto.awslambda.models import LambdaFunction
from moto.core.config import default_user_config
from moto.core.exceptions import JsonRESTError
from moto.events.models import Rule
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

from lockgate.local.clock import LocalClock
from lockgate.local.eventbridge import delivery as event_delivery
from lockgate.local.eventbridge.targets import target_input
from lockgate.local.lambda_runtime.invocation import RequestTooLarge

LOG = logging.getLogger(__name__)

# (module or class, attribute) pairs that the patches replace or read; checked by the contract tests.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (LambdaFunction, "invoke"),
    (Rule, "send_to_targets"),
    (Rule, "arn"),  # read: the RULE_ARN attribute of a dead-lettered event
    (moto_jsonata, "_eval_jsonata"),
    (moto_jsonata, "eval_jsonata_expression"),
    (retrier_decl, "time"),
    (WaitFunction, "_wait_interval"),
)


class Invoker(Protocol):
    """What the patches need from the Lambda runtime."""

    def invoke(self, function_name_or_arn: str, payload: bytes, *, invocation_type: str = ...) -> Any: ...

    def invoke_async(self, function_name_or_arn: str, payload: bytes) -> Any: ...


@dataclass
class _Bindings:
    invoker: Invoker
    clock: LocalClock
    start_execution: Callable[[str, str, str], None]  # (state machine arn, name, input)
    dispatch: ThreadPoolExecutor
    send: event_delivery.Send | None = None  # to an SQS dead-letter queue: (queue arn, body, attributes)


class _State:
    bound: _Bindings | None = None


_state = _State()
_paused = threading.Event()
_stopping = threading.Event()  # set by remove(): EventBridge retries in flight end
_originals: dict[tuple[int, str], Any] = {}
_lock = threading.Lock()


def apply(
    *,
    invoker: Invoker,
    clock: LocalClock,
    start_execution: Callable[[str, str, str], None],
    send: event_delivery.Send | None = None,
) -> None:
    """Install every patch (idempotent) and bind them to this local cloud's runtime and clock.

    `send` delivers to an EventBridge target's dead-letter queue (None: failed events are logged)."""
    with _lock:
        _stopping.clear()
        _state.bound = _Bindings(
            invoker, clock, start_execution, ThreadPoolExecutor(8, "lockgate-events"), send
        )
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        if _originals:
            return
        _replace(LambdaFunction, "invoke", _lambda_invoke)
        _replace(Rule, "send_to_targets", _send_to_targets)
        _replace(moto_jsonata, "_eval_jsonata", _eval_jsonata)
        _replace(retrier_decl, "time", _ClockedTime)
        _replace(WaitFunction, "_wait_interval", _wait_interval)


def remove() -> None:
    """Undo every patch (tests use this to leave moto as they found it)."""
    with _lock:
        for (owner_id, name), (owner, original) in list(_originals.items()):
            setattr(owner, name, original)
            del _originals[(owner_id, name)]
        _stopping.set()
        if _state.bound is not None:
            _state.bound.dispatch.shutdown(wait=False)
        _state.bound = None


def _replace(owner: object, name: str, value: object) -> None:
    _originals[(id(owner), name)] = (owner, getattr(owner, name))
    setattr(owner, name, value)


def _bindings() -> _Bindings:
    if _state.bound is None:
        raise RuntimeError("lockgate.local.moto_patches.apply() has not been called")
    return _state.bound


@contextmanager
def events_paused() -> Iterator[None]:
    """Deliver no EventBridge events inside the block (seeding fixtures must not start pipelines)."""
    _paused.set()
    try:
        yield
    finally:
        _paused.clear()


# 1. Lambda -----------------------------------------------------------------------------------


def _lambda_invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
    """moto's LambdaFunction.invoke, running the real handler instead of a container."""
    payload = body.encode() if isinstance(body, str) else (body or b"{}")
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    invoker = _bindings().invoker
    if invocation_type == "DryRun":
        return b""
    try:
        if invocation_type == "Event":
            invoker.invoke_async(self.function_name, payload)
            return b""
        result = invoker.invoke(self.function_name, payload, invocation_type="RequestResponse")
    except RequestTooLarge as error:  # Lambda answers 413 RequestTooLargeException
        too_large = JsonRESTError("RequestTooLargeException", str(error))
        too_large.code = 413
        raise too_large from error
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    response_headers["x-amz-log-result"] = base64.b64encode(result.log_tail.encode()).decode()
    return bytes(result.payload)


# 2. EventBridge targets ----------------------------------------------------------------------


def _send_to_targets(self: Rule, original_event: dict[str, Any], transform_input: bool = True) -> None:
    """Rule.send_to_targets with Lambda and Step Functions targets added (asynchronous, as on AWS)."""
    if _paused.is_set():
        return
    event = _as_aws_delivers(original_event)
    if not self.event_pattern.matches_event(event):
        return
    ours = [t for t in self.targets if _service(t["Arn"]) in ("lambda", "states")]
    others = [t for t in self.targets if t not in ours]
    bindings = _bindings()
    event_json = json.dumps(event)
    for target in ours:
        payload = target_input(event, target) if transform_input else event_json
        bindings.dispatch.submit(_deliver, self.arn, target, payload, event_json)
    if others:  # moto's own targets get moto's own event shape (its SQS/Logs code parses `time`)
        rest = _copy_with_targets(self, others)
        _originals[(id(Rule), "send_to_targets")][1](rest, original_event, transform_input)


def _deliver(rule_arn: str, target: dict[str, Any], payload: str, event_json: str) -> None:
    """One target, under its RetryPolicy and DeadLetterConfig (see event_delivery)."""
    bindings = _bindings()
    arn = str(target["Arn"])

    def invoke() -> None:
        if _service(arn) == "lambda":
            bindings.invoker.invoke_async(arn, payload.encode())
        else:
            bindings.start_execution(arn, str(uuid.uuid4()), payload)

    try:
        event_delivery.deliver(
            invoke,
            target=target,
            rule_arn=rule_arn,
            event_json=event_json,
            clock=bindings.clock,
            send=bindings.send,
            stopping=_stopping,
        )
    except Exception:  # an event delivery failure must not kill the dispatcher
        LOG.exception("EventBridge could not deliver to %s", arn)


def _copy_with_targets(rule: Rule, targets: list[dict[str, Any]]) -> Rule:
    clone = object.__new__(Rule)
    clone.__dict__.update(rule.__dict__)
    clone.targets = targets
    return clone


def _service(arn: str) -> str:
    return arn.split(":", 3)[2]


def _as_aws_delivers(event: dict[str, Any]) -> dict[str, Any]:
    """Fields moto gets wrong: `time` is ISO 8601 on AWS (moto: epoch seconds); S3 object keys
    arrive URL-encoded, '+' for a space (moto: the raw key); the S3 field is `etag` (moto: `eTag`)."""
    event = dict(event)
    stamp = event.get("time")
    if isinstance(stamp, int | float):
        event["time"] = datetime.fromtimestamp(float(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if event.get("source") == "aws.s3" and isinstance(event.get("detail", {}).get("object"), dict):
        obj = event["detail"]["object"]
        fixed = {name: value for name, value in obj.items() if name != "eTag"}
        if "eTag" in obj:
            fixed["etag"] = obj["eTag"]
        if "key" in obj:
            fixed["key"] = quote_plus(obj["key"], safe="/")
        event["detail"] = {**event["detail"], "object": fixed}
    return event


# 3. JSONata ----------------------------------------------------------------------------------


def _eval_jsonata(expression: str) -> Any:
    try:
        return jsonata.Jsonata(expression).evaluate(None)
    except Exception as error:
        raise moto_jsonata.JSONataException("States.QueryEvaluationError", str(error)) from error


# 4. The local clock --------------------------------------------------------------------------


class _ClockedTime:
    """Stands in for the `time` module inside moto's retrier: Retry intervals follow the clock."""

    monotonic = staticmethod(time.monotonic)
    time = staticmethod(time.time)

    @staticmethod
    def sleep(seconds: float) -> None:
        _bindings().clock.sleep(seconds)


def _wait_interval(self: WaitFunction, env: Any, wait_seconds: float) -> None:
    """A Wait state waits `wait_seconds` of local-clock time; stopping the execution interrupts it."""
    deadline = time.monotonic() + _bindings().clock.scale(wait_seconds)
    while env.is_running() and (remaining := deadline - time.monotonic()) > 0:
        if env.program_state_event.wait(remaining):  # set by an unrelated state change: keep waiting
            time.sleep(min(remaining, 0.01))
