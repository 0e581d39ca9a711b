"""Pipeline status: "Step Functions Execution Status Change" FAILED / TIMED_OUT / ABORTED for
Lockgate's state machines -> one message per execution (none when its Catch path already told)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.audit_table import AuditTable
from lockgate.adapters.pipelines import ExecutionHistory
from lockgate.adapters.sns import Notifier
from lockgate.messages.remediation import ExecutionStatusChange, PipelineStatusOutput
from lockgate.pipeline.settings import HandlerSettings
from lockgate.remediation.executions import tell_once
from lockgate.tracing import lambda_tracer


class PipelineStatusSettings(HandlerSettings):
    """Environment of PipelineStatusFunction."""

    environment: str
    audit_table: str
    topic_arn: str


logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = PipelineStatusSettings.from_env()
audit = AuditTable(settings.audit_table)
history = ExecutionHistory()
notifier = Notifier(settings.topic_arn)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ExecutionStatusChange)
def lambda_handler(event: ExecutionStatusChange, context: LambdaContext) -> dict[str, Any]:
    """Tell people once about an execution that did not succeed."""
    d = event.detail
    told, why = tell_once(
        execution_arn=d.executionArn,
        state_machine_arn=d.stateMachineArn,
        status=d.status,
        payload=d.input,
        error=d.error,
        cause=d.cause,
        environment=settings.environment,
        audit=audit,
        history=history,
        publisher=notifier,
        now=time.time(),
        stamp=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if told:
        metrics.add_metric(name="PipelineFailureNotified", unit=MetricUnit.Count, value=1)
    return PipelineStatusOutput(
        execution=d.executionArn, status=d.status, notified=told, reason=why
    ).to_payload()
