"""RecordDeployment: lineage (package -> run -> config -> endpoint), package note, lockgate event, SNS."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.record_deployment import RecordDeploymentSettings, build_record
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import RecordRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = RecordDeploymentSettings.from_env()
record = build_record(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RecordRequest)
def lambda_handler(event: RecordRequest, context: LambdaContext) -> JsonObject:
    """RecordRequest -> RecordResult."""
    result = record(event)
    metrics.add_metric(name=f"Deployment_{event.outcome}", unit=MetricUnit.Count, value=1)
    return result.to_payload()
