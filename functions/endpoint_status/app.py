"""EndpointStatus: one poll of the deploy run's wait loop (DescribeEndpoint, JSON-safe, with a deadline);
an endpoint found InService gets its alarms (lockgate.deployment.endpoint_alarms)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.deployment import service
from lockgate.deployment.settings import EndpointStatusSettings
from lockgate.messages.deploy import EndpointStatusRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = EndpointStatusSettings.from_env()
endpoints = SageMakerEndpoints()
alarms = EndpointAlarms()


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EndpointStatusRequest)
def lambda_handler(event: EndpointStatusRequest, context: LambdaContext) -> dict[str, Any]:
    """EndpointStatusRequest -> EndpointStatusResult."""
    result = service.poll(event, endpoints, alarms, settings.alarm_settings(), settings.environment)
    return result.to_payload()
