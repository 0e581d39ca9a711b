"""Tell people a pipeline run failed (or needs their review), in words: which file, which
rule, how many rows. Called by the state machines' Catch paths with
{"pipeline", "run": {...}, "error": {"Error", "Cause"}, "outcome"?} (steps.notify).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.sns import Notifier
from lockgate.pipeline.failure_message import failure_message
from lockgate.pipeline.settings import Settings
from lockgate.steps.notify import NotifyFailureRequest, NotifyFailureResult

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = Settings.from_env("topic_arn")
notifier = Notifier(settings.topic_arn)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=NotifyFailureRequest)
def lambda_handler(event: NotifyFailureRequest, context: LambdaContext) -> dict[str, Any]:
    """Publish one message naming the run, what happened and why."""
    subject, body = failure_message(event)
    message_id = notifier.publish(subject, body)
    metrics.add_metric(
        name="FailuresNotified" if event.failed else "ReviewsRequested", unit=MetricUnit.Count, value=1
    )
    logger.info("people told", extra={"subject": subject, "message_id": message_id})
    return NotifyFailureResult(subject=subject, message=body, messageId=message_id).to_payload()
