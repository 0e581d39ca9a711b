"""Deploy starter: "SageMaker Model Package State Change" -> at most one deploy run per package and status.

SageMaker may send an event more than once; the run's name is derived from the package ARN and
its approval status, so a repeat finds the run already started (Step Functions: one run per name).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.deploy_starter import DeployStarterSettings, build_deploy_starter
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import DeployRunInput, ModelPackageStateChangeEvent
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = DeployStarterSettings.from_env()
start_run = build_deploy_starter(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ModelPackageStateChangeEvent)
def lambda_handler(event: ModelPackageStateChangeEvent, context: LambdaContext) -> JsonObject:
    """Start the deploy run for this package and status once."""
    detail = event.detail
    run = DeployRunInput(
        package_arn=detail.ModelPackageArn,
        status=detail.ModelApprovalStatus,
        group=detail.ModelPackageGroupName,
        version=detail.ModelPackageVersion,
    )
    result = start_run(run)
    metrics.add_metric(
        name="DeployStarted" if result.started else "DuplicateApproval", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "deploy run", extra={"execution": result.name, "started": result.started, "status": run.status}
    )
    return result.to_payload()
