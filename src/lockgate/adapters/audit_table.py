"""The AuditTable (DynamoDB): one item per alarm transition (pk `alarm`, sk `timestamp`).

The conditional put that creates the item is the reactions' idempotency check; the item holds the
whole journal (`record`, JSON) plus the fields people query on.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from lockgate.adapters.errors import guarded
from lockgate.remediation.journal import AuditRecord, Claim, Status


class AuditTable:
    """claim / save / recent over one DynamoDB table."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self._table = table_name
        self._client = guarded(client or boto3.client("dynamodb"))

    def claim(self, record: AuditRecord, now: float) -> tuple[Claim, AuditRecord]:
        """Create the record, or take over a failed/expired attempt, or report a duplicate."""
        try:
            self._client.put_item(
                TableName=self._table, Item=_item(record), ConditionExpression="attribute_not_exists(alarm)"
            )
            return Claim.NEW, record
        except self._client.exceptions.ConditionalCheckFailedException:
            pass
        stored = self.get(record.alarm, record.timestamp)
        if stored is None:  # deleted in between: treat as new on the next delivery
            return Claim.DUPLICATE, record
        if stored.status is Status.DONE:
            return Claim.DUPLICATE, stored
        if stored.status is Status.IN_PROGRESS and stored.lease_until > now:
            return Claim.DUPLICATE, stored
        taken = stored.model_copy(
            update={
                "status": Status.IN_PROGRESS,
                "attempts": stored.attempts + 1,
                "lease_until": record.lease_until,
            }
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_item(taken),
                ConditionExpression="attempts = :seen",
                ExpressionAttributeValues={":seen": {"N": str(stored.attempts)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return Claim.DUPLICATE, stored  # another retry took it over first
        return Claim.RESUME, taken

    def save(self, record: AuditRecord) -> None:
        """Write the record as it is now."""
        self._client.put_item(TableName=self._table, Item=_item(record))

    def get(self, alarm: str, timestamp: str) -> AuditRecord | None:
        """One record, or None."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"alarm": {"S": alarm}, "timestamp": {"S": timestamp}},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else AuditRecord.model_validate_json(item["record"]["S"])

    def recent(self, limit: int = 50) -> list[AuditRecord]:
        """The latest records (by last update), newest first."""
        records: list[AuditRecord] = []
        for page in self._client.get_paginator("scan").paginate(TableName=self._table):
            records.extend(AuditRecord.model_validate_json(i["record"]["S"]) for i in page.get("Items", []))
        records.sort(key=lambda r: r.updated, reverse=True)
        return records[:limit]


def _item(record: AuditRecord) -> dict[str, Any]:  # a DynamoDB item (boto3 AttributeValues)
    return {
        "alarm": {"S": record.alarm},
        "timestamp": {"S": record.timestamp},
        "action": {"S": record.action},
        "status": {"S": record.status.value},
        "outcome": {"S": record.outcome or "-"},
        "attempts": {"N": str(record.attempts)},
        "updated": {"S": record.updated or "-"},
        "record": {"S": json.dumps(record.model_dump(mode="json"))},
    }
