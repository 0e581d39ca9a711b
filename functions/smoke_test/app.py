"""SmokeTest: the staging endpoint must reproduce the batch transform's predictions on test rows."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.smoke_test import SmokeTestSettings, build_smoke_test
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import SmokeTestRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = SmokeTestSettings.from_env()
smoke_test = build_smoke_test(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=SmokeTestRequest)
def lambda_handler(event: SmokeTestRequest, context: LambdaContext) -> JsonObject:
    """SmokeTestRequest -> SmokeTestResult (SmokeTestFailed on a mismatch)."""
    result = smoke_test(event)
    metrics.add_metric(name="SmokeTestLatency", unit=MetricUnit.Milliseconds, value=result.latency_ms)
    return result.to_payload()
