"""Batch predict, first step: resolve the package (the given ARN, or the dataset's newest
Approved one), check every row of the new-data file with the package's own encoder, write the good
rows for the transform and the refused ones for the report, and plan the transform."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.prepare_batch import PrepareBatchSettings, build_prepare_batch
from lockgate.messages.base import JsonObject
from lockgate.messages.batch import BatchPredictRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
settings = PrepareBatchSettings.from_env()
prepare = build_prepare_batch(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@event_parser(model=BatchPredictRequest)
def lambda_handler(event: BatchPredictRequest, context: LambdaContext) -> JsonObject:
    """{dataset, input, package?, instanceType?} -> the plan (job, counts, CreateModel/Transform)."""
    plan = prepare(event)
    logger.info("planned", extra={"job": plan.job, "rows": plan.rows, "scored": plan.scored, "bad": plan.bad})
    return plan.to_payload()
