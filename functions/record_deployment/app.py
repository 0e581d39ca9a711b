"""RecordDeployment: lineage (package -> run -> config -> endpoint), package note, lockgate event, SNS."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.deploy_records import DeployRecords
from lockgate.adapters.events import EventBus
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.sns import Notifier
from lockgate.deployment import service
from lockgate.deployment.settings import RecordDeploymentSettings
from lockgate.messages.deploy import RecordRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = RecordDeploymentSettings.from_env()
registry, endpoints = ModelRegistry(), SageMakerEndpoints()
records = DeployRecords(settings.lineage_table)
events = EventBus()
notifier = Notifier(settings.topic_arn)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RecordRequest)
def lambda_handler(event: RecordRequest, context: LambdaContext) -> dict[str, Any]:
    """RecordRequest -> RecordResult."""
    result = service.record(event, registry, records, events, notifier, endpoints=endpoints)
    metrics.add_metric(name=f"Deployment_{event.outcome}", unit=MetricUnit.Count, value=1)
    return result.to_payload()
