"""PrepareDeploymentFunction: its settings and the deployment plan (model, configs, alarms)."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.composition.settings import HandlerSettings
from lockgate.deployment import service
from lockgate.deployment.variants import Split, contract_split
from lockgate.messages.deploy import DeployRunInput, PrepareResult


class PrepareDeploymentSettings(HandlerSettings):
    """prepare_deployment: names, role and alarms (lockgate.deployment.service.PrepareParameters)."""

    environment: str
    sagemaker_role_arn: str
    artifact_bucket: str
    topic_arn: str = ""
    instance_type: str = "ml.m5.large"
    prod_instances: int = 1
    latency_alarm_ms: float = 500.0
    data_bucket: str = ""  # where contracts/<dataset>.yaml live (deployment.variants); "" = not read


def build_prepare(settings: PrepareDeploymentSettings) -> Callable[[DeployRunInput], PrepareResult]:
    """run -> the deployment plan (NoLiveChampion: an explicit A/B with nothing live)."""
    registry, endpoints = ModelRegistry(), SageMakerEndpoints()
    alarms, store = EndpointAlarms(), S3Store()

    def split_of(dataset: str) -> Split | None:
        """The contract's deployment.variants (A/B), when the stack keeps contracts."""
        return contract_split(store, settings.data_bucket, dataset) if settings.data_bucket else None

    return lambda run: service.prepare(run, registry, alarms, settings, split_of, endpoints=endpoints)
