"""Environment settings of the deploy functions (one HandlerSettings subclass per handler)."""

from __future__ import annotations

from lockgate.deployment.endpoint_alarms import AlarmSettings
from lockgate.deployment.service import DeployOptions
from lockgate.pipeline.settings import HandlerSettings


class DeployStarterSettings(HandlerSettings):
    """deploy_starter: which state machine to start."""

    deploy_state_machine_arn: str


class PrepareDeploymentSettings(HandlerSettings):
    """prepare_deployment: names, role and alarms."""

    environment: str
    sagemaker_role_arn: str
    artifact_bucket: str
    topic_arn: str = ""
    instance_type: str = "ml.m5.large"
    prod_instances: int = 1
    latency_alarm_ms: float = 500.0
    data_bucket: str = ""  # where contracts/<dataset>.yaml live (deployment.variants); "" = not read

    def options(self) -> DeployOptions:
        """The service's view of these settings."""
        return DeployOptions(
            environment=self.environment,
            role_arn=self.sagemaker_role_arn,
            artifact_bucket=self.artifact_bucket,
            topic_arn=self.topic_arn,
            instance_type=self.instance_type,
            instances=self.prod_instances,
            latency_alarm_ms=self.latency_alarm_ms,
        )


class EndpointUpdateSettings(HandlerSettings):
    """endpoint_update: the production guardrails."""

    environment: str
    traffic_mode: str = "CANARY"
    canary_percent: int = 10
    canary_wait_seconds: int = 300
    termination_wait_seconds: int = 120

    def options(self) -> DeployOptions:
        """The service's view of these settings."""
        return DeployOptions(
            environment=self.environment,
            role_arn="",
            artifact_bucket="",
            traffic_mode=self.traffic_mode,
            canary_percent=self.canary_percent,
            canary_wait_seconds=self.canary_wait_seconds,
            termination_wait_seconds=self.termination_wait_seconds,
        )


class AlarmParameters(HandlerSettings):
    """The template's endpoint-alarm parameters (lockgate.deployment.endpoint_alarms)."""

    environment: str = "dev"
    idle_period_seconds: int = 3600
    idle_periods: int = 2
    latency_threshold_microseconds: float = 500_000.0

    def alarm_settings(self) -> AlarmSettings:
        """The alarm parameters of lockgate.deployment.endpoint_alarms."""
        return AlarmSettings(
            idle_period_seconds=self.idle_period_seconds,
            idle_periods=self.idle_periods,
            latency_microseconds=self.latency_threshold_microseconds,
        )


class EndpointStatusSettings(AlarmParameters):
    """endpoint_status: the endpoint alarms it creates once an endpoint is InService."""


class SmokeTestSettings(HandlerSettings):
    """smoke_test: nothing beyond the SDK's own environment."""


class RequestApprovalSettings(HandlerSettings):
    """request_approval: where tokens are kept and people told."""

    lineage_table: str
    topic_arn: str


class RecordDeploymentSettings(HandlerSettings):
    """record_deployment: lineage, events, people."""

    lineage_table: str
    topic_arn: str


class PromoteVariantSettings(AlarmParameters):
    """promote_variant: lineage, events, people; the loser's alarms go."""

    lineage_table: str
    topic_arn: str
