"""Runs twin jobs in worker processes, a few at a time, with MaxRuntimeInSeconds and stop requests
on the local clock. moto's server threads only start a job and read its status; the work (and the
xgboost import) happens in separate processes, like a SageMaker instance.

Workers are warm: a process loads its libraries once and runs job after job (a cold start costs
seconds on a loaded 2-core machine). A job that must stop (StopTrainingJob, MaxRuntimeInSeconds)
kills its worker; a fresh one replaces it on demand."""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import worker
from lockgate.local.sagemaker.worker import TrainingSpec, TransformSpec

LOG = logging.getLogger(__name__)
POLL_SECONDS = 0.02
READY_TIMEOUT = 300.0  # real seconds for a worker to load its libraries on a very busy machine
STOPPED, MAX_RUNTIME = "Stopped", "MaxRuntimeExceeded"
# (status, payload): status "Completed", "AlgorithmError", "ClientError", STOPPED or MAX_RUNTIME.
OnDone = Callable[[str, Any], None]


COMPUTE_FLOOR_SECONDS = 60.0


def runtime_limit(clock: LocalClock, max_runtime_seconds: float | None) -> float | None:
    """Real seconds a job may run: MaxRuntimeInSeconds on the local clock, but never less than
    min(MaxRuntimeInSeconds, 60) real seconds. The clock compresses waiting; the twin's training
    is real computation, so a compressed limit alone would stop jobs AWS would finish."""
    if not max_runtime_seconds:
        return None
    return max(clock.scale(max_runtime_seconds), min(float(max_runtime_seconds), COMPUTE_FLOOR_SECONDS))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _spawn() -> _Worker:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=True)
    process = context.Process(target=worker.serve, args=(sender,), daemon=True, name="sagemaker-twin-worker")
    process.start()
    sender.close()
    return _Worker(process, receiver)


@dataclass
class JobRunner:
    """At most `max_workers` jobs run at once (2 shared cores); workers are reused."""

    clock: LocalClock
    max_workers: int = 2
    _slots: threading.Semaphore = field(init=False)
    _idle: queue.SimpleQueue[_Worker] = field(default_factory=queue.SimpleQueue)
    _all: list[_Worker] = field(default_factory=list)
    _stops: dict[str, threading.Event] = field(default_factory=dict)
    _closed: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _generation: int = 0

    def __post_init__(self) -> None:
        self._slots = threading.Semaphore(self.max_workers)

    def generation(self) -> int:
        """A number that grows each time a job ends (read it before describing a job)."""
        with self._changed:
            return self._generation

    def notify_changed(self) -> None:
        """A job (or a tuning job) reached an end state: wake every `wait_for_change`."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> bool:
        """Block until a job ends after `generation()` returned `since`, at most `timeout` real
        seconds; True when one did. `.sync` tasks wait here instead of describing in a loop."""
        with self._changed:
            return self._changed.wait_for(lambda: self._generation != since, timeout)

    def prewarm(self) -> None:
        """Start one worker now, so the first job does not wait for the libraries to load (none
        when the runner has a worker already)."""
        if not self._all:
            self._idle.put(self._new_worker())

    def submit(
        self,
        name: str,
        spec: TrainingSpec | TransformSpec,
        max_runtime_seconds: float | None,
        on_done: OnDone,
    ) -> None:
        """Run the job in the background; `on_done(status, payload)` is called exactly once."""
        stop = self._stops[name] = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(name, spec, max_runtime_seconds, stop, on_done), daemon=True
        )
        thread.name = f"sagemaker-job-{name}"
        thread.start()

    def stop(self, name: str) -> bool:
        """Ask a running job to stop (StopTrainingJob); False when it is not running."""
        event = self._stops.get(name)
        if event is None:
            return False
        event.set()
        return True

    def shutdown(self) -> None:
        """Stop every running job and every worker (the local cloud is stopping)."""
        self._closed.set()
        for event in list(self._stops.values()):
            event.set()
        for each in list(self._all):
            each.kill()
        self._all.clear()
        self.notify_changed()

    def _new_worker(self) -> _Worker:
        fresh = _spawn()
        self._all.append(fresh)
        return fresh

    def _take(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._new_worker()

    def _run(
        self,
        name: str,
        spec: TrainingSpec | TransformSpec,
        max_runtime_seconds: float | None,
        stop: threading.Event,
        on_done: OnDone,
    ) -> None:
        status, payload = STOPPED, "stopped before it started"
        try:
            with self._slots:
                if not stop.is_set() and not self._closed.is_set():
                    status, payload = self._on_worker(spec, max_runtime_seconds, stop)
        except Exception as error:  # a broken runner must still end the job
            LOG.exception("twin job %s failed to run", name)
            status, payload = "ClientError", f"the twin could not run the job: {error}"
        finally:
            self._stops.pop(name, None)
        try:
            on_done(status, payload)
        except Exception:
            LOG.exception("twin job %s: recording its end failed", name)
        self.notify_changed()

    def _on_worker(
        self, spec: TrainingSpec | TransformSpec, max_runtime_seconds: float | None, stop: threading.Event
    ) -> tuple[str, Any]:
        current = self._take()
        limit = runtime_limit(self.clock, max_runtime_seconds)
        deadline = time.monotonic() + READY_TIMEOUT
        sent, keep = False, False
        try:
            if current.ready:
                current.conn.send(spec)
                sent = True
            while True:
                if current.conn.poll(POLL_SECONDS):
                    try:
                        status, payload = current.conn.recv()
                    except (EOFError, OSError):
                        code = current.process.exitcode
                        return "AlgorithmError", f"the training process exited with code {code}"
                    if status == "Ready":
                        current.ready = True
                        current.conn.send(spec)
                        sent = True
                    elif status == worker.STARTED:
                        deadline = time.monotonic() + limit if limit is not None else float("inf")
                    else:
                        keep = True
                        return str(status), payload
                elif stop.is_set():
                    return STOPPED, "stopped by request"
                elif time.monotonic() > deadline:
                    if not sent:
                        return "ClientError", "the twin's worker process did not start in time"
                    return MAX_RUNTIME, f"MaxRuntimeInSeconds ({max_runtime_seconds:g}) exceeded"
                elif not current.process.is_alive():
                    return (
                        "AlgorithmError",
                        f"the training process exited with code {current.process.exitcode}",
                    )
        finally:
            if keep and not self._closed.is_set():
                self._idle.put(current)
            else:
                current.kill()
                if current in self._all:
                    self._all.remove(current)
