"""Data gate: validate a dataset against its contract, quarantine what fails, version and split
what passes. Three steps of the ingest state machine call it (`step` in the event):

- "object": a single-file dataset, in one streaming pass;
- "part":   one part of a multipart dataset (Distributed Map item);
- "reduce": all parts' results -> one verdict and one version.

Bad data raises DatasetRejected (typed, never retried); the state machine catches it and tells
people. Idempotent per object version and execution (Powertools Idempotency on DynamoDB).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.s3 import S3Store
from lockgate.pipeline.data_gate import DataGate, ObjectRef
from lockgate.pipeline.rejections import Rejections
from lockgate.pipeline.requests import DataGateRequest
from lockgate.pipeline.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = Settings.from_env("idempotency_table")
gate = DataGate(S3Store())
idempotency = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=24 * 3600)
rejections = Rejections(logger, metrics)  # a rejection: one log line and a metric, no traceback


@idempotent_function(
    data_keyword_argument="request",
    persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
    config=idempotency,
)
def run_step(request: dict[str, Any]) -> dict[str, Any]:
    """One data-gate step; a repeat of the same step of the same run returns the first result."""
    step = DataGateRequest.model_validate(request["step"])
    if step.step == "reduce":
        return gate.reduce_parts(step.bucket, step.prefix or "", step.dataset, step.execution, step.parts)
    obj = ObjectRef(step.bucket, step.key or "", step.version_id, step.etag, step.size)
    if step.step == "part":
        return gate.check_part(obj, step.dataset, step.execution)
    return gate.check_object(obj, step.dataset)


@rejections.raised
@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DataGateRequest)
@rejections.logged
def lambda_handler(event: DataGateRequest, context: LambdaContext) -> dict[str, Any]:
    """Run the step the event names (default "object")."""
    idempotency.register_lambda_context(context)
    result = run_step(request={"key": event.idempotency_key(), "step": event.model_dump()})
    if result.get("version"):
        metrics.add_metric(
            name="DatasetVersionsCreated" if result["new"] else "DatasetVersionsRepeated",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info("dataset version", extra={"version": result["version"], "new": result["new"]})
    else:
        metrics.add_metric(name="PartsChecked", unit=MetricUnit.Count, value=1)
    return result
