"""PrepareDeployment: what the registry event asks for -> model, staging/prod configs, rollback alarms."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.prepare_deployment import PrepareDeploymentSettings, build_prepare
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import DeployRunInput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = PrepareDeploymentSettings.from_env()
prepare = build_prepare(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DeployRunInput)
def lambda_handler(event: DeployRunInput, context: LambdaContext) -> JsonObject:
    """DeployRunInput -> PrepareResult (NoLiveChampion: an explicit A/B with nothing live)."""
    result = prepare(event)
    logger.info("deployment plan", extra={"action": result.action, "reason": result.reason})
    return result.to_payload()
