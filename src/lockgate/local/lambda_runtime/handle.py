"""The parent's side of one execution environment: a worker process, its pipes and its output file,
and the pool of such workers that one function keeps warm.

The frame protocol is `worker`'s (FRAME_HEADER, encode_frame, write_all): a request frame goes
down one pipe, a response frame comes back on another, read here with a deadline.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime import worker as lambda_worker

INIT_LIMIT_S = 10.0  # Lambda's limit for the init phase of an on-demand function
_SIGNAL_NAMES: dict[int, str] = {
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
}

Frame = tuple[dict[str, Any], bytes]


class WorkerExit(Exception):
    """The worker process ended without answering."""


class WorkerTimeout(Exception):
    """The worker did not answer before the deadline."""


class WorkerHandle:
    """The parent's handle on one worker process (one execution environment)."""

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
                + [str(path) for path in layer_paths(config.layer_dirs)],
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

    def init(self) -> Frame:
        """Wait for the init frame (the handler module imported, or failed to)."""
        return self._read_frame(time.monotonic() + INIT_LIMIT_S + self.config.timeout)

    def run(self, meta: dict[str, Any], payload: bytes, deadline: float) -> Frame:
        """Send one invocation and wait for its response until `deadline` (monotonic)."""
        try:
            lambda_worker.write_all(self._req_w, lambda_worker.encode_frame(meta, payload))
        except BrokenPipeError:
            raise WorkerExit from None
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

    def terminate_now(self) -> None:
        """Kill the process and reap it, keeping its output file readable (a timed-out invocation)."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()

    def kill(self) -> None:
        """End the process now and release its pipes and log file."""
        self.alive = False
        self.terminate_now()
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

    def _read_frame(self, deadline: float) -> Frame:
        head = self._read_exact(lambda_worker.FRAME_HEADER.size, deadline)
        meta_len, body_len = lambda_worker.FRAME_HEADER.unpack(head)
        meta = json.loads(self._read_exact(meta_len, deadline))
        return meta, self._read_exact(body_len, deadline) if body_len else b""

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        poller = select.poll()
        poller.register(self._resp_r, select.POLLIN)
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
                raise WorkerTimeout
            chunk = os.read(self._resp_r, size)
            if not chunk:
                raise WorkerExit
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


def layer_paths(layer_dirs: tuple[Path, ...]) -> list[Path]:
    """sys.path entries for the layers: a layer's python/ (and its site-packages) as /opt/python on AWS."""
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


class WorkerPool:
    """The execution environments of one function: at most `max_workers`, idle ones reused LIFO."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self.cond = threading.Condition()
        self.idle: list[WorkerHandle] = []
        self.count = 0
        self.closed = False

    def acquire(self) -> WorkerHandle | None:
        """An idle warm worker, or None when the caller must start one (a slot is reserved)."""
        with self.cond:
            while True:
                if self.idle:
                    return self.idle.pop()
                if self.count < self.max_workers:
                    self.count += 1
                    return None
                self.cond.wait()

    def reserve(self) -> bool:
        """Reserve a slot for a new worker without waiting: False when one is idle already (warm)
        or every slot is taken."""
        with self.cond:
            if self.closed or self.idle or self.count >= self.max_workers:
                return False
            self.count += 1
            return True

    def release(self, worker: WorkerHandle | None) -> None:
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

    def close(self) -> list[WorkerHandle]:
        """Refuse new work; hand back the idle workers to stop (busy ones stop on release)."""
        with self.cond:
            self.closed = True
            idle, self.idle = self.idle, []
            self.count -= len(idle)
            self.cond.notify_all()
            return idle
