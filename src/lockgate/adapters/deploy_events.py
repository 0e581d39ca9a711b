"""Amazon EventBridge: the deploy pipeline's `lockgate` events (DeploymentSucceeded, DeploymentRolledBack)."""

from __future__ import annotations

import json
from typing import Any

import boto3


class DeployEvents:
    """put_events on the default bus, source `lockgate`."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client or boto3.client("events")

    def put(self, detail_type: str, detail: dict[str, str], resources: list[str]) -> None:
        """One event; raises when EventBridge rejects it."""
        response = self._client.put_events(
            Entries=[
                {
                    "Source": "lockgate",
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "Resources": resources,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected {detail_type}: {response['Entries']}")
