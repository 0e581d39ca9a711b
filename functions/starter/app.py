"""Starter: S3 'Object Created' under raw/ (via EventBridge) -> exactly one ingest execution.

EventBridge and S3 deliver at least once: the execution name is derived from the object's
identity, and Powertools Idempotency remembers each object version it has handled. An object
under raw/ that names no dataset is told to people once (SNS) and counted; the handler returns
normally, so no async retry repeats it.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition import starter
from lockgate.composition.starter import Unroutable
from lockgate.messages.base import JsonObject
from lockgate.messages.ingest import IngestStart, StarterResult, UnroutableNotice
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = starter.StarterSettings.from_env()
idempotency = starter.build_object_idempotency(settings)
step_functions = starter.build_step_functions()
notifier = starter.build_notifier(settings)


@idempotency.function(data_keyword_argument="request", returns=StarterResult)
def start_ingest(request: IngestStart) -> StarterResult:
    """Start the ingest execution for one object version (at most once per version)."""
    result = step_functions.start_once(
        settings.ingest_state_machine_arn, request.name, request.input.to_payload()
    )
    return StarterResult(
        executionArn=result.execution_arn, started=result.started, startedBy=request.requestId
    )


@idempotency.function(data_keyword_argument="request", returns=StarterResult)
def tell_once(request: UnroutableNotice) -> StarterResult:
    """Tell people about one unroutable object version (at most once per version)."""
    notifier.publish(request.subject, request.body)
    return StarterResult(started=False, name=request.name, startedBy=request.requestId, reason="unroutable")


def tell_unroutable(plan: Unroutable, request_id: str) -> StarterResult:
    """SNS once per object version, counted once; a repeat delivery is only logged."""
    subject, body = plan.message()
    notice = UnroutableNotice(name=plan.name, subject=subject, body=body, requestId=request_id)
    try:
        told = tell_once(request=notice)
    except IdempotencyAlreadyInProgressError:
        told = StarterResult(started=False, reason="unroutable")
    first = told.startedBy == request_id
    if first:
        metrics.add_metric(name="UploadUnroutable", unit=MetricUnit.Count, value=1)
    logger.warning("upload names no dataset", extra={"key": plan.key, "told": first})
    return told.model_copy(update={"name": plan.name})


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=S3EventNotificationEventBridgeModel)
def lambda_handler(event: S3EventNotificationEventBridgeModel, context: LambdaContext) -> JsonObject:
    """Plan the ingest for the uploaded object and start it once."""
    idempotency.register(context)
    plan = starter.plan(event)
    if plan is None:
        metrics.add_metric(name="ObjectIgnored", unit=MetricUnit.Count, value=1)
        logger.info("object starts nothing", extra={"key": event.detail.object.key})
        return StarterResult(started=False, reason="ignored").to_payload()
    if isinstance(plan, Unroutable):
        return tell_unroutable(plan, context.aws_request_id).to_payload()
    request = IngestStart(name=plan.execution_name, input=plan, requestId=context.aws_request_id)
    try:
        result = start_ingest(request=request)
    except IdempotencyAlreadyInProgressError:
        result = StarterResult(started=False)
    # A repeat delivery gets the first delivery's remembered result: startedBy tells them apart.
    started = result.started and result.startedBy == context.aws_request_id
    if started:
        metrics.add_metric(name="IngestStarted", unit=MetricUnit.Count, value=1)
        logger.info("ingest started", extra={"execution": plan.execution_name, "key": plan.key})
    else:
        metrics.add_metric(name="DuplicateUpload", unit=MetricUnit.Count, value=1)
        logger.info("duplicate delivery: ingest already under way", extra={"execution": plan.execution_name})
    return result.model_copy(update={"started": started, "name": plan.execution_name}).to_payload()
