"""RequestReview (lambda:invoke.waitForTaskToken): a needs-human gate keeps the token under the
dataset version and tells people the command; `lockgate review <run> --approve|--reject` answers."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.request_review import RequestReviewSettings, build_request_review
from lockgate.messages.base import JsonObject
from lockgate.messages.review import ReviewRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = RequestReviewSettings.from_env()
request_review = build_request_review(settings)


@logger.inject_lambda_context(log_event=False)  # the event holds the task token
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ReviewRequest)
def lambda_handler(event: ReviewRequest, context: LambdaContext) -> JsonObject:
    """ReviewRequest -> ReviewNotice."""
    notice = request_review(event)
    logger.info("review requested", extra={"dataset_version": event.version, "stage": event.stage})
    return notice.to_payload()
