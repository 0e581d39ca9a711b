"""Amazon EventBridge: Lockgate's own events (source `lockgate`) on the default bus, for the deploy
pipeline (DeploymentSucceeded, DeploymentRolledBack, VariantPromoted) and the reactions
(RemediationTaken). Throttling, 5xx and connection failures become TransientError
(`adapters.errors.guarded`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

from lockgate.adapters.errors import guarded

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

SOURCE = "lockgate"


class EventBus:
    """put_events for one detail-type at a time."""

    def __init__(self, bus_name: str = "default", client: Any | None = None) -> None:
        self._bus = bus_name
        self._client = guarded(client or boto3.client("events"))

    def put(self, detail_type: str, detail: dict[str, str], resources: list[str] | None = None) -> None:
        """Put one event; raises when EventBridge rejects it."""
        entry: PutEventsRequestEntryTypeDef = {
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail),
            "EventBusName": self._bus,
            "Resources": resources or [],
        }
        response = self._client.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected {detail_type}: {response['Entries']}")
