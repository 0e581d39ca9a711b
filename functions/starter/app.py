"""Starter: S3 'Object Created' under raw/ (via EventBridge) -> exactly one ingest execution.

EventBridge and S3 deliver at least once: the execution name is derived from the object's
identity, and Powertools Idempotency remembers each object version it has handled. An object
under raw/ that names no dataset is told to people once (SNS) and counted; the handler returns
normally, so no async retry repeats it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.sns import Notifier
from lockgate.adapters.stepfunctions import StepFunctions
from lockgate.pipeline.settings import Settings
from lockgate.pipeline.starter import Unroutable, plan_ingest

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = Settings.from_env("ingest_state_machine_arn", "idempotency_table", "topic_arn")
persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table)
idempotency = IdempotencyConfig(event_key_jmespath="name", expires_after_seconds=7 * 24 * 3600)
step_functions = StepFunctions()
notifier = Notifier(settings.topic_arn)


@idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=idempotency)
def start_ingest(request: dict[str, Any]) -> dict[str, Any]:
    """Start the ingest execution for one object version (at most once per version)."""
    result = step_functions.start_once(settings.ingest_state_machine_arn, request["name"], request["input"])
    return {
        "executionArn": result.execution_arn,
        "started": result.started,
        "startedBy": request["requestId"],
    }


@idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=idempotency)
def tell_once(request: dict[str, Any]) -> dict[str, Any]:
    """Tell people about one unroutable object version (at most once per version)."""
    return {
        "messageId": notifier.publish(request["subject"], request["body"]),
        "toldBy": request["requestId"],
    }


def tell_unroutable(plan: Unroutable, request_id: str) -> dict[str, Any]:
    """SNS once per object version, counted once; a repeat delivery is only logged."""
    subject, body = plan.message()
    try:
        told = tell_once(
            request={"name": plan.name, "subject": subject, "body": body, "requestId": request_id}
        )
    except IdempotencyAlreadyInProgressError:
        told = {"messageId": None, "toldBy": None}
    first = told["toldBy"] == request_id
    if first:
        metrics.add_metric(name="UploadUnroutable", unit=MetricUnit.Count, value=1)
    logger.warning("upload names no dataset", extra={"key": plan.key, "told": first})
    return {"started": False, "reason": "unroutable", "key": plan.key, "messageId": told["messageId"]}


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(
    model=S3EventNotificationEventBridgeModel
)  # a malformed event: ValidationError naming the field
def lambda_handler(event: S3EventNotificationEventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    """Plan the ingest for the uploaded object and start it once."""
    idempotency.register_lambda_context(context)
    detail = event.detail
    plan = plan_ingest(
        detail.bucket.name,
        detail.object.key,  # raw, still URL-encoded: plan_ingest decodes it once
        int(detail.object.size or 0),
        detail.object.etag or "",
        detail.object.version_id,
    )
    if plan is None:
        metrics.add_metric(name="ObjectIgnored", unit=MetricUnit.Count, value=1)
        logger.info("object starts nothing", extra={"key": detail.object.key})
        return {"started": False, "reason": "ignored"}
    if isinstance(plan, Unroutable):
        return tell_unroutable(plan, context.aws_request_id)
    request = {"name": plan.execution_name, "input": plan.as_input(), "requestId": context.aws_request_id}
    try:
        result = start_ingest(request=request)
    except IdempotencyAlreadyInProgressError:
        result = {"executionArn": None, "started": False}
    # A repeat delivery gets the first delivery's remembered result: startedBy tells them apart.
    result["started"] = result["started"] and result.get("startedBy") == context.aws_request_id
    if result["started"]:
        metrics.add_metric(name="IngestStarted", unit=MetricUnit.Count, value=1)
        logger.info("ingest started", extra={"execution": plan.execution_name, "key": plan.key})
    else:
        metrics.add_metric(name="DuplicateUpload", unit=MetricUnit.Count, value=1)
        logger.info("duplicate delivery: ingest already under way", extra={"execution": plan.execution_name})
    return {**result, "name": plan.execution_name}
