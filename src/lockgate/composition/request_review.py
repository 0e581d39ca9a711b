"""RequestReviewFunction: its settings and the review request (token kept, people told)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lockgate.adapters.review_records import ReviewRecords
from lockgate.adapters.sns import Notifier
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.review import ReviewNotice, ReviewRequest
from lockgate.pipeline.review import request_review


class RequestReviewSettings(HandlerSettings):
    """request_review: where review tokens are kept and people told."""

    lineage_table: str
    topic_arn: str


def build_request_review(settings: RequestReviewSettings) -> Callable[[ReviewRequest], ReviewNotice]:
    """request -> the token kept under the dataset version, people told the command."""
    return partial(
        request_review, store=ReviewRecords(settings.lineage_table), notifier=Notifier(settings.topic_arn)
    )
