"""Amazon DynamoDB: the lineage table (two items per edge, one per direction) and the train-run
claims (a conditional put in the idempotency table: the first execution of a version wins).

Throttling, 5xx and connection failures become TransientError through the one error map
(`adapters.errors.guarded`), on every call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded
from lockgate.lineage import Direction, Node

CLAIM_DAYS = 30


def settle_waiting(
    client: Any, table: str, key: dict[str, Any], state: str
) -> bool:  # key: a DynamoDB key (boto3 AttributeValues)
    """Set a waiting request's `state` to `state`, once (a conditional update): False when it was no
    longer waiting. A production approval and a bias review are answered this way."""
    try:
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #s = :new",
            ConditionExpression="#s = :waiting",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":new": {"S": state}, ":waiting": {"S": "waiting"}},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


class LineageTable:
    """LineageTable (keys pk, sk): `link(parent, child, **attrs)` writes both directions."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = guarded(client or boto3.client("dynamodb"))

    def link(self, parent: Node, child: Node, **attrs: str) -> None:
        """Record the edge parent -> child (idempotent: the same edge overwrites itself)."""
        extra = {k: {"S": str(v)} for k, v in attrs.items()}
        items = [
            {"pk": {"S": parent.key}, "sk": {"S": child.key}, "direction": {"S": "down"}, **extra},
            {"pk": {"S": child.key}, "sk": {"S": parent.key}, "direction": {"S": "up"}, **extra},
        ]
        self._client.batch_write_item(
            RequestItems={self.table_name: [{"PutRequest": {"Item": item}} for item in items]}
        )

    def neighbours(
        self, node: Node, direction: Direction | None = None
    ) -> Iterator[tuple[Node, dict[str, str]]]:
        """The nodes linked to `node` (children for "down", parents for "up", both for None)."""
        kwargs: dict[str, Any] = {  # Query's parameters (a boto3 request)
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": node.key}},
        }
        while True:
            page = self._client.query(**kwargs)
            for item in page.get("Items", []):
                if direction is not None and item.get("direction", {}).get("S") != direction:
                    continue
                attrs = {
                    k: v["S"] for k, v in item.items() if k not in ("pk", "sk", "direction") and "S" in v
                }
                yield Node.parse(item["sk"]["S"]), attrs
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class RunClaims:
    """Train-run claims in the idempotency table (key `id`, TTL `expiration`)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = guarded(client or boto3.client("dynamodb"))

    def claim(self, key: str, execution: str) -> str:
        """Record `execution` for `key` unless one is recorded; return the recorded execution."""
        expiration = int(time.time()) + CLAIM_DAYS * 86400
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={"id": {"S": key}, "execution": {"S": execution}, "expiration": {"N": str(expiration)}},
                ConditionExpression="attribute_not_exists(id)",
            )
            return execution
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                item = self._client.get_item(
                    TableName=self.table_name, Key={"id": {"S": key}}, ConsistentRead=True
                )
                return str(item.get("Item", {}).get("execution", {}).get("S", ""))
            raise
