"""Amazon EventBridge: the events Lockgate's state machines hand work over with."""

from __future__ import annotations

import json
from typing import Any

import boto3

SOURCE = "lockgate"


class EventBus:
    """Puts `lockgate` events on a bus."""

    def __init__(self, bus_name: str = "default", client: Any | None = None) -> None:
        self._bus = bus_name
        self._client = client or boto3.client("events")

    def put(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Publish one event; raises when EventBridge rejects it."""
        response = self._client.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": self._bus,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected {detail_type}: {response['Entries']}")
