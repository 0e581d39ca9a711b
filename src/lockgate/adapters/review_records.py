"""Amazon DynamoDB (LineageTable) for human reviews: the task tokens of runs waiting for a person.

One item per waiting run: {pk: review#<version>, sk: <execution arn>} with the token and its state
(waiting -> approved | rejected, set once). The `review#` key is not a lineage node: the decision
itself is recorded as the lineage edge version#<version> -> review#<stage>/<execution>.
"""

from __future__ import annotations

from typing import Any

import boto3

from lockgate.adapters.dynamodb import settle_waiting
from lockgate.adapters.errors import guarded
from lockgate.pipeline.review import PendingReview

_PK = "review#"


def _pending(item: dict[str, Any]) -> PendingReview:  # a DynamoDB item (boto3 AttributeValues)
    return PendingReview(
        dataset=item["dataset"]["S"],
        version=item["pk"]["S"].removeprefix(_PK),
        execution=item["sk"]["S"],
        stage=item["stage"]["S"],
        token=item["token"]["S"],
        state=item["state"]["S"],
        reasons=item.get("reasons", {}).get("S", ""),
    )


class ReviewRecords:
    """Review tokens in the lineage table."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client: Any = guarded(client or boto3.client("dynamodb"))

    def store(self, review: PendingReview) -> None:
        """Keep the token of a run waiting for a person (a retried request overwrites its own)."""
        self._client.put_item(
            TableName=self.table_name,
            Item={
                "pk": {"S": f"{_PK}{review.version}"},
                "sk": {"S": review.execution},
                "dataset": {"S": review.dataset},
                "stage": {"S": review.stage},
                "token": {"S": review.token},
                "state": {"S": review.state},
                "reasons": {"S": review.reasons or "-"},
            },
        )

    def of_version(self, version: str) -> list[PendingReview]:
        """Every review request of a dataset version (any state), oldest run first."""
        items: list[dict[str, Any]] = []  # DynamoDB items
        kwargs: dict[str, Any] = {  # Query's parameters (a boto3 request)
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"{_PK}{version}"}},
        }
        while True:
            page = self._client.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return [_pending(item) for item in items]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, version: str, execution: str) -> PendingReview | None:
        """The review request of one run, or None."""
        item = self._client.get_item(
            TableName=self.table_name, Key={"pk": {"S": f"{_PK}{version}"}, "sk": {"S": execution}}
        ).get("Item")
        return _pending(item) if item else None

    def settle(self, review: PendingReview, state: str) -> bool:
        """Mark the request answered, once: False when it was no longer waiting."""
        key = {"pk": {"S": f"{_PK}{review.version}"}, "sk": {"S": review.execution}}
        return settle_waiting(self._client, self.table_name, key, state)
