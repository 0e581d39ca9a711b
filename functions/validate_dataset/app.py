"""Data gate, step 1: is the uploaded object a readable dataset? Bad input raises InputRejected
(typed, never retried) which the ingest state machine catches, reports and fails on."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.s3 import S3Store
from lockgate.pipeline.readable import check_readable

logger = Logger()
tracer = Tracer()
metrics = Metrics()
store = S3Store()


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Validate the object named by the ingest request; return its row count and format."""
    bucket, key, version = event["bucket"], event["key"], event.get("version_id")
    data = store.read(bucket, key, version)
    summary = check_readable(key, data)
    metrics.add_metric(name="RowsValidated", unit=MetricUnit.Count, value=summary.rows)
    logger.info("dataset readable", extra={"key": key, "rows": summary.rows, "format": summary.format})
    return {"rows": summary.rows, "format": summary.format, "columns": summary.columns}
