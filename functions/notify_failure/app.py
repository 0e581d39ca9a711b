"""Tell people a pipeline run failed (or needs their review), in words: which file, which
rule, how many rows. Called by the state machines' Catch paths with
{"pipeline", "run": {...}, "error": {"Error", "Cause"}, "outcome"?}.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.notify_failure import NotifySettings, build_notifier, message
from lockgate.messages.base import JsonObject
from lockgate.messages.notify import NotifyFailureRequest, NotifyFailureResult
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = NotifySettings.from_env()
notifier = build_notifier(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=NotifyFailureRequest)
def lambda_handler(event: NotifyFailureRequest, context: LambdaContext) -> JsonObject:
    """Publish one message naming the run, what happened and why."""
    subject, body = message(event)
    message_id = notifier.publish(subject, body)
    failed = event.outcome == "failed"
    metrics.add_metric(
        name="FailuresNotified" if failed else "ReviewsRequested", unit=MetricUnit.Count, value=1
    )
    logger.info("people told", extra={"subject": subject, "message_id": message_id})
    return NotifyFailureResult(subject=subject, message=body, messageId=message_id).to_payload()
