"""Batch predict, last step: the transform's scores joined to the good rows' keys, written beside
the input as `<input>.scores.csv`, and the bad rows' report as `<input>.bad-rows.json`."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.finish_batch import build_finish_batch
from lockgate.messages.base import JsonObject
from lockgate.messages.batch import BatchPlan
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
finish = build_finish_batch()


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@event_parser(model=BatchPlan)
def lambda_handler(event: BatchPlan, context: LambdaContext) -> JsonObject:
    """The plan (after its transform) -> {input, package, rows, scored, bad, scores, report}."""
    result = finish(event)
    logger.info("written", extra={"scores": result.scores, "report": result.report, "bad": result.bad})
    return result.to_payload()
