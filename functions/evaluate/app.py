"""Evaluate a trained model on the test split from the batch transform's predictions (no xgboost
here): AUC-ROC, AUC-PR, accuracy, precision, recall, F1 at the contract's decision threshold, log
loss, Brier score, confusion matrix, calibration bins. Writes evaluation.json (SageMaker's model
quality statistics shape) and report.html (ROC, PR, calibration curves as inline SVG)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.evaluate import EvaluateSettings, build_evaluator
from lockgate.messages.base import JsonObject
from lockgate.messages.train import EvaluateInput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = EvaluateSettings.from_env()
evaluator = build_evaluator(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EvaluateInput)
def lambda_handler(event: EvaluateInput, context: LambdaContext) -> JsonObject:
    """{dataset, version, labels, predictions, threshold} -> {evaluation, report, rows, metrics}."""
    output = evaluator.run(event)
    for name, value in output.metrics.items():
        if value is not None:
            metrics.add_metric(name=f"model_{name}", unit=MetricUnit.NoUnit, value=value)
    logger.info("evaluated", extra={"rows": output.rows, "metrics": output.metrics})
    return output.to_payload()
