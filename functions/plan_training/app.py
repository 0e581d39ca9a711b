"""Plan a training run: the dataset contract's training section -> the CreateTrainingJob /
CreateHyperParameterTuningJob / CreateTransformJob fields, deterministic job names from the
version, the test split's features-only copy for the batch transform, and a claim so the same
DatasetVersionCreated delivered twice trains once (the second run ends as a duplicate)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.plan_training import PlanTrainingSettings, build_planner
from lockgate.messages.base import JsonObject
from lockgate.messages.train import PlanTrainingInput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = PlanTrainingSettings.from_env()
plan = build_planner(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PlanTrainingInput)
def lambda_handler(event: PlanTrainingInput, context: LambdaContext) -> JsonObject:
    """{dataset, version, execution, splits} -> the run's plan."""
    output = plan(event)
    metrics.add_metric(
        name="TrainingDuplicate" if output.duplicate else "TrainingPlanned", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "training planned", extra={"job": output.training.TrainingJobName, "duplicate": output.duplicate}
    )
    return output.to_payload()
