"""PrepareDeployment: what the registry event asks for -> model, staging/prod configs, rollback alarms."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.deployment import service
from lockgate.deployment.settings import PrepareDeploymentSettings
from lockgate.deployment.variants import Split, contract_split
from lockgate.messages.deploy import DeployRunInput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = PrepareDeploymentSettings.from_env()
registry, endpoints = ModelRegistry(), SageMakerEndpoints()
alarms = EndpointAlarms()
store = S3Store()


def _contract_split(dataset: str) -> Split | None:
    """The contract's deployment.variants (A/B), when the stack keeps contracts."""
    return contract_split(store, settings.data_bucket, dataset) if settings.data_bucket else None


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DeployRunInput)
def lambda_handler(event: DeployRunInput, context: LambdaContext) -> dict[str, Any]:
    """DeployRunInput -> PrepareResult (NoLiveChampion: an explicit A/B with nothing live)."""
    result = service.prepare(
        event, registry, alarms, settings.options(), _contract_split, endpoints=endpoints
    )
    logger.info("deployment plan", extra={"action": result.action, "reason": result.reason})
    return result.to_payload()
