"""Powertools Idempotency on the stack's DynamoDB table, configured in one place.

    idempotency = build_idempotency(settings.idempotency_table, key="name", expires_after=timedelta(days=7))

    @idempotency.function(data_keyword_argument="request", returns=StartedExecution)
    def start(request: dict[str, object]) -> StartedExecution: ...

    def lambda_handler(event, context):
        idempotency.register(context)   # lets Powertools time out an in-progress record with the invocation

Results are stored as JSON and given back as the same pydantic model (or union) on a repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from lockgate.messages.base import JsonObject

F = TypeVar("F", bound=Callable[..., Any])


class ModelSerializer(BaseIdempotencySerializer):
    """Stores a pydantic model (or a union of models) as JSON and validates it back on a repeat."""

    def __init__(self, model: object) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(model)

    def to_dict(self, data: Any) -> JsonObject:
        """The JSON-safe record Powertools stores."""
        return cast(JsonObject, self._adapter.dump_python(data, mode="json", by_alias=True))

    def from_dict(self, data: JsonObject) -> Any:
        """The model again, from the stored record."""
        return self._adapter.validate_python(data)


@dataclass(frozen=True)
class Idempotency:
    """The persistence layer and config one handler's idempotent functions share."""

    persistence: DynamoDBPersistenceLayer
    config: IdempotencyConfig

    def register(self, context: LambdaContext) -> None:
        """Tell Powertools the invocation's remaining time (call first in the handler)."""
        self.config.register_lambda_context(context)

    def function(self, *, data_keyword_argument: str, returns: object) -> Callable[[F], F]:
        """Make a function idempotent on `data_keyword_argument`; `returns` is its result's model."""

        def decorate(function: F) -> F:
            return cast(
                F,
                idempotent_function(
                    function,
                    data_keyword_argument=data_keyword_argument,
                    persistence_store=self.persistence,
                    config=self.config,
                    output_serializer=ModelSerializer(returns),
                ),
            )

        return decorate


def build_idempotency(table_name: str, *, key: str, expires_after: timedelta) -> Idempotency:
    """Idempotency on `table_name`, keyed on the JMESPath `key` of the function's data argument."""
    # The function's other clients' session: DynamoDBPersistenceLayer alone would open a session of
    # its own, and the first client of each session loads botocore's endpoint data again (~40 ms).
    return Idempotency(
        DynamoDBPersistenceLayer(table_name=table_name, boto3_client=boto3.client("dynamodb")),
        IdempotencyConfig(event_key_jmespath=key, expires_after_seconds=int(expires_after.total_seconds())),
    )
