"""Batch predict, first step: resolve the package (the given ARN, or the dataset's newest
Approved one), check every row of the new-data file with the package's own encoder, write the good
rows for the transform and the refused ones for the report, and plan the transform."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_deploy import SageMakerDeploy
from lockgate.messages.batch import BatchPredictRequest
from lockgate.pipeline.settings import HandlerSettings
from lockgate.serving.batch_job import prepare
from lockgate.tracing import lambda_tracer


class PrepareBatchSettings(HandlerSettings):
    """ENVIRONMENT: the stack's, naming the dataset's model package group."""

    environment: str


logger = Logger()
tracer = lambda_tracer()
settings = PrepareBatchSettings.from_env()
store = S3Store()
registry = SageMakerDeploy()


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@event_parser(model=BatchPredictRequest)
def lambda_handler(event: BatchPredictRequest, context: LambdaContext) -> dict[str, Any]:
    """{dataset, input, package?, instanceType?} -> the plan (job, counts, CreateModel/Transform)."""
    plan = prepare(store, registry, event, settings.environment, int(time.time()))
    logger.info("planned", extra={"job": plan.job, "rows": plan.rows, "scored": plan.scored, "bad": plan.bad})
    return plan.to_payload()
