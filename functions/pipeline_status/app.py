"""Pipeline status: "Step Functions Execution Status Change" FAILED / TIMED_OUT / ABORTED for
Lockgate's state machines -> one message per execution (none when its Catch path already told)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.pipeline_status import PipelineStatusSettings, build_teller
from lockgate.messages.base import JsonObject
from lockgate.messages.remediation import ExecutionStatusChange, PipelineStatusOutput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = PipelineStatusSettings.from_env()
tell_once = build_teller(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ExecutionStatusChange)
def lambda_handler(event: ExecutionStatusChange, context: LambdaContext) -> JsonObject:
    """Tell people once about an execution that did not succeed."""
    d = event.detail
    told, why = tell_once(d)
    if told:
        metrics.add_metric(name="PipelineFailureNotified", unit=MetricUnit.Count, value=1)
    return PipelineStatusOutput(
        execution=d.executionArn, status=d.status, notified=told, reason=why
    ).to_payload()
