"""EndpointUpdate: create the endpoint, or update it (production: blue/green canary with rollback alarms)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.endpoint_update import EndpointUpdateSettings, build_update
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import EndpointUpdateRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = EndpointUpdateSettings.from_env()
update = build_update(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EndpointUpdateRequest)
def lambda_handler(event: EndpointUpdateRequest, context: LambdaContext) -> JsonObject:
    """EndpointUpdateRequest -> EndpointUpdateResult (EndpointBusy while another update runs)."""
    result = update(event)
    logger.info("endpoint", extra={"endpoint": result.endpoint, "action": result.action})
    return result.to_payload()
