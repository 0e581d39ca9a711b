"""Event (asynchronous) invocations: each runs on a thread pool; a function error is retried after
Lambda's delays (scaled by the clock factor) while the event is young enough, then the last result
goes to the function's dead-letter queue and destinations (`async_invoke.Destinations`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime.async_invoke import (
    EVENT_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    AsyncOutcome,
    Destinations,
)
from lockgate.local.lambda_runtime.env import SessionCredentials
from lockgate.local.lambda_runtime.invocation import InvokeResult

_log = logging.getLogger(__name__)

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)  # Lambda's delays before the two retries of an async invocation


class EventQueue:
    """The queued Event invocations of one runtime; thread-safe."""

    def __init__(
        self,
        destinations: Destinations,
        credentials_of: Callable[[FunctionConfig], SessionCredentials | None],
        *,
        clock_factor: float,
        max_threads: int,
    ) -> None:
        self.clock_factor = clock_factor
        self._destinations = destinations
        self._credentials_of = credentials_of
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="lambda-async")
        self._pending: set[Future[InvokeResult]] = set()
        self._stopping = threading.Event()

    def submit(
        self,
        config: FunctionConfig,
        request_id: str,
        payload: bytes,
        invoke: Callable[[], InvokeResult],
        *,
        retries: int,
        on_complete: Callable[[InvokeResult], None] | None = None,
    ) -> None:
        """Run `invoke` (one attempt) on the pool, retrying it up to `retries` times, then deliver."""

        def run() -> InvokeResult:
            queued = time.monotonic()
            result = invoke()
            count, condition = 1, "Success"
            while result.function_error is not None:
                if count > retries or count > len(ASYNC_RETRY_DELAYS_S):
                    condition = RETRIES_EXHAUSTED
                    break
                delay = ASYNC_RETRY_DELAYS_S[count - 1]
                if self._event_age_s(queued) + delay > config.async_config.maximum_event_age_s:
                    condition = EVENT_AGE_EXCEEDED
                    break
                if self._stopping.wait(delay * self.clock_factor):
                    return result
                result = invoke()
                count += 1
            outcome = AsyncOutcome(config, request_id, payload, result, count, condition)
            self._destinations.deliver(outcome, self._credentials_of(config))
            if on_complete is not None:
                on_complete(result)
            return result

        future = self._executor.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _event_age_s(self, queued: float) -> float:
        """Seconds of local-clock time since the event was queued."""
        elapsed = time.monotonic() - queued
        return elapsed / self.clock_factor if self.clock_factor > 0 else 0.0

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the queued invocations (including their retries); True if all finished."""
        with self._lock:
            pending = set(self._pending)
        return not wait_futures(pending, timeout=timeout).not_done

    def shutdown(self) -> None:
        """Stop waiting retries and wait for the running invocations; the queued ones are cancelled."""
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _forget(self, future: Future[InvokeResult]) -> None:
        with self._lock:
            self._pending.discard(future)
        if not future.cancelled() and (exc := future.exception()) is not None:
            _log.error("async invocation failed in the runtime: %r", exc)
