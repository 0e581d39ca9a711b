"""The SageMaker twin's JobRunner wakes `.sync` waiters when a job ends (no describe loop)."""

from __future__ import annotations

import threading
import time

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker.jobs import JobRunner


def test_a_job_end_wakes_the_waiter_at_once() -> None:
    runner = JobRunner(LocalClock())
    since = runner.generation()
    threading.Timer(0.05, runner.notify_changed).start()
    began = time.monotonic()
    assert runner.wait_for_change(since, 30.0)
    assert time.monotonic() - began < 10.0  # woken, not timed out
    assert runner.generation() == since + 1


def test_no_end_means_the_wait_times_out_and_an_earlier_end_is_not_lost() -> None:
    runner = JobRunner(LocalClock())
    since = runner.generation()
    assert not runner.wait_for_change(since, 0.01)
    runner.notify_changed()  # ended between the describe and the wait
    assert runner.wait_for_change(since, 0.0)


def test_shutdown_wakes_waiters() -> None:
    runner = JobRunner(LocalClock())
    since = runner.generation()
    runner.shutdown()
    assert runner.wait_for_change(since, 0.0)
