"""EndpointStatus: one poll of the deploy run's wait loop (DescribeEndpoint, JSON-safe, with a deadline);
an endpoint found InService gets its alarms (lockgate.deployment.endpoint_alarms)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.endpoint_status import EndpointStatusSettings, build_poll
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import EndpointStatusRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = EndpointStatusSettings.from_env()
poll = build_poll(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EndpointStatusRequest)
def lambda_handler(event: EndpointStatusRequest, context: LambdaContext) -> JsonObject:
    """EndpointStatusRequest -> EndpointStatusResult."""
    return poll(event).to_payload()
