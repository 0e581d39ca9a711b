"""Data gate: validate a dataset against its contract, quarantine what fails, version and split
what passes. Three steps of the ingest state machine call it (`step` in the event):

- "object": a single-file dataset, in one streaming pass;
- "part":   one part of a multipart dataset (Distributed Map item);
- "reduce": all parts' results -> one verdict and one version.

Bad data raises DatasetRejected (typed, never retried); the state machine catches it and tells
people. Idempotent per object version and execution (Powertools Idempotency on DynamoDB).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition import data_gate
from lockgate.messages.base import JsonObject
from lockgate.messages.ingest import DataGateRequest, DatasetVersion, PartResult
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = data_gate.DataGateSettings.from_env()
gate = data_gate.build_data_gate()
rejections = data_gate.build_rejections(logger, metrics)  # one log line and a metric, no traceback
idempotency = data_gate.build_step_idempotency(settings)


@idempotency.function(data_keyword_argument="request", returns=DatasetVersion | PartResult)
def run_step(request: DataGateRequest) -> DatasetVersion | PartResult:
    """One data-gate step; a repeat of the same step of the same run returns the first result."""
    return data_gate.run_step(gate, request)


@rejections.raised
@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DataGateRequest)
@rejections.logged
def lambda_handler(event: DataGateRequest, context: LambdaContext) -> JsonObject:
    """Run the step the event names (default "object")."""
    idempotency.register(context)
    result = run_step(request=event)
    if isinstance(result, DatasetVersion):
        metrics.add_metric(
            name="DatasetVersionsCreated" if result.new else "DatasetVersionsRepeated",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info("dataset version", extra={"version": result.dataset_version, "new": result.new})
    else:
        metrics.add_metric(name="PartsChecked", unit=MetricUnit.Count, value=1)
    return result.to_payload()
