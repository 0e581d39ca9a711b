"""StarterFunction: its settings, its idempotency and the plan of one ingest per uploaded object."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel

from lockgate.adapters.idempotency import Idempotency, build_idempotency
from lockgate.adapters.sns import Notifier
from lockgate.adapters.stepfunctions import StepFunctions
from lockgate.composition.settings import HandlerSettings
from lockgate.pipeline.starter import IngestRequest, Unroutable, plan_ingest

__all__ = [  # Unroutable: the domain's answer the handler tells people about
    "StarterSettings",
    "Unroutable",
    "build_notifier",
    "build_object_idempotency",
    "build_step_functions",
    "plan",
]


class StarterSettings(HandlerSettings):
    """The starter's environment."""

    ingest_state_machine_arn: str
    idempotency_table: str
    topic_arn: str


def build_object_idempotency(settings: StarterSettings) -> Idempotency:
    """Each object version is handled once (7 days)."""
    return build_idempotency(settings.idempotency_table, key="name", expires_after=timedelta(days=7))


def build_notifier(settings: StarterSettings) -> Notifier:
    """SNS on the stack's topic."""
    return Notifier(settings.topic_arn)


def build_step_functions() -> StepFunctions:
    """Step Functions, to start the ingest execution once per name."""
    return StepFunctions()


def plan(event: S3EventNotificationEventBridgeModel) -> IngestRequest | Unroutable | None:
    """The ingest for the uploaded object, Unroutable when it names no dataset, None: nothing."""
    detail = event.detail
    return plan_ingest(
        detail.bucket.name,
        detail.object.key,  # raw, still URL-encoded: plan_ingest decodes it once
        int(detail.object.size or 0),
        detail.object.etag or "",
        detail.object.version_id,
    )
