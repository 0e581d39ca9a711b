"""PrepareDeployment: what the registry event asks for -> model, staging/prod configs, rollback alarms."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.sagemaker_deploy import SageMakerDeploy
from lockgate.deployment import service
from lockgate.deployment.settings import PrepareDeploymentSettings
from lockgate.steps.deploy import DeployRunInput

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = PrepareDeploymentSettings.from_env()
registry = SageMakerDeploy()
alarms = EndpointAlarms()


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DeployRunInput)
def lambda_handler(event: DeployRunInput, context: LambdaContext) -> dict[str, Any]:
    """DeployRunInput -> PrepareResult."""
    result = service.prepare(event, registry, alarms, settings.options())
    logger.info("deployment plan", extra={"action": result.action, "reason": result.reason})
    return result.to_payload()
