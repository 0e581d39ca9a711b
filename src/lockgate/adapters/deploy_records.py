"""Amazon DynamoDB (LineageTable) for deployments: lineage edges and the production-approval tokens.

Edges use the agreed two-item shape ({pk: parent, sk: child, direction: down} and the reverse);
the approval token of a package is the item {pk: model-package#<arn>, sk: approval#prod}.
Edges are written by the one lineage writer, `adapters.dynamodb.LineageTable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from lockgate.adapters.dynamodb import LineageTable, settle_waiting
from lockgate.adapters.errors import guarded
from lockgate.lineage import Node

APPROVAL_SK = "approval#prod"


@dataclass(frozen=True)
class PendingApproval:
    """A stored task token and the run waiting on it."""

    package_arn: str
    token: str
    execution: str
    state: str  # waiting | approved | rejected


class DeployRecords:
    """Lineage edges and approval tokens in the lineage table."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = guarded(client or boto3.client("dynamodb"))
        self._lineage = LineageTable(table_name, self._client)

    def link(self, parent: str, child: str, **attrs: str) -> None:
        """Record parent -> child (`kind#id` node ids) in both directions (idempotent)."""
        self._lineage.link(Node.parse(parent), Node.parse(child), **attrs)

    def store_approval(self, package_arn: str, token: str, execution: str) -> None:
        """Keep the token of the run waiting for production approval of this package."""
        self._client.put_item(
            TableName=self.table_name,
            Item={
                "pk": {"S": f"model-package#{package_arn}"},
                "sk": {"S": APPROVAL_SK},
                "token": {"S": token},
                "execution": {"S": execution},
                "state": {"S": "waiting"},
            },
        )

    def approval(self, package_arn: str) -> PendingApproval | None:
        """The stored approval of a package, or None."""
        item = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"model-package#{package_arn}"}, "sk": {"S": APPROVAL_SK}},
        ).get("Item")
        if not item:
            return None
        return PendingApproval(package_arn, item["token"]["S"], item["execution"]["S"], item["state"]["S"])

    def settle_approval(self, package_arn: str, state: str) -> bool:
        """Mark the approval answered (only once: False when it was not waiting)."""
        key = {"pk": {"S": f"model-package#{package_arn}"}, "sk": {"S": APPROVAL_SK}}
        return settle_waiting(self._client, self.table_name, key, state)
