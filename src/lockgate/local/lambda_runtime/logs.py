"""Delivery of the worker runtime's function logs to the endpoint's CloudWatch Logs, from one
background thread, in batches within the service's limits. A failed delivery is logged once and
never fails an invocation."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from typing import Any

_log = logging.getLogger(__name__)


class CloudWatchLogShipper:
    """Puts log events to CloudWatch Logs at the endpoint from one background thread."""

    MAX_BATCH_EVENTS = 10_000
    MAX_BATCH_BYTES = 1_000_000
    MAX_EVENT_BYTES = 256 * 1024 - 26

    def __init__(self, endpoint_url: str, region: str) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._queue: queue.Queue[tuple[str, str, list[tuple[int, str]]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._created: set[tuple[str, str]] = set()
        self._warned = False

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        """Queue events (timestamp ms, message) for delivery."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-logs", daemon=True)
                self._thread.start()
        self._queue.put((group, stream, events))

    def flush(self) -> None:
        """Wait until everything queued so far is delivered (or dropped)."""
        if self._thread is not None:
            self._queue.join()

    def close(self) -> None:
        """Deliver what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        client = boto3.client(
            "logs",
            endpoint_url=self._endpoint_url,
            region_name=self._region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 2, "mode": "standard"}, connect_timeout=2),
        )
        while (item := self._queue.get()) is not None:
            try:
                self._deliver(client, *item)
            except (BotoCoreError, ClientError) as e:
                if not self._warned:
                    self._warned = True
                    _log.warning("CloudWatch Logs delivery to %s failed: %s", self._endpoint_url, e)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _deliver(self, client: Any, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        if (group, "") not in self._created:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_group(logGroupName=group)
            self._created.add((group, ""))
        if (group, stream) not in self._created:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_stream(logGroupName=group, logStreamName=stream)
            self._created.add((group, stream))
        batch: list[dict[str, Any]] = []
        batch_bytes = 0
        for timestamp, message in events:
            text = message.encode()[: self.MAX_EVENT_BYTES].decode("utf-8", errors="ignore") or " "
            size = len(text.encode()) + 26
            if batch and (len(batch) >= self.MAX_BATCH_EVENTS or batch_bytes + size > self.MAX_BATCH_BYTES):
                client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
                batch, batch_bytes = [], 0
            batch.append({"timestamp": timestamp, "message": text})
            batch_bytes += size
        if batch:
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
