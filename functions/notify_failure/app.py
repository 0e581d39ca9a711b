"""Tell people a pipeline run failed (or needs their review), in words: which file, which
rule, how many rows. Called by the state machines' Catch paths with
{"pipeline", "run": {...}, "error": {"Error", "Cause"}, "outcome"?}.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.sns import Notifier
from lockgate.pipeline.failure_message import failure_message
from lockgate.pipeline.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = Settings.from_env("topic_arn")
notifier = Notifier(settings.topic_arn)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Publish one message naming the run, the error and its cause."""
    subject, body = failure_message(
        event.get("pipeline", "pipeline"),
        event.get("run", {}),
        event.get("error", {}),
        event.get("outcome", "failed"),
    )
    message_id = notifier.publish(subject, body)
    metrics.add_metric(name="FailuresNotified", unit=MetricUnit.Count, value=1)
    logger.info("failure notified", extra={"subject": subject, "message_id": message_id})
    return {"subject": subject, "message": body, "messageId": message_id}
