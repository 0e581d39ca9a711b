"""RemediationFunction: its settings and the real adapters behind the remediator's ports."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from lockgate.adapters.audit_table import AuditTable
from lockgate.adapters.cost_explorer import BilledHours
from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.events import EventBus
from lockgate.adapters.pipelines import S3Datasets, TrainPipeline
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.sns import Notifier
from lockgate.composition.settings import HandlerSettings
from lockgate.deployment.endpoint_alarms import AlarmSettings
from lockgate.messages.remediation import AlarmStateChange
from lockgate.remediation.alarms import transition_of
from lockgate.remediation.budget import FREE_TIER_HOURS
from lockgate.remediation.reactions import Ports, Remediator, Result

REMEDIATION_TAKEN = "RemediationTaken"


class RemediationSettings(HandlerSettings):
    """Environment of RemediationFunction (template.yaml)."""

    environment: str
    audit_table: str
    topic_arn: str
    data_bucket: str
    train_state_machine_arn: str
    dry_run: bool = False
    instance_hours_budget: float = FREE_TIER_HOURS
    rollback_wait_seconds: float = 600.0
    idle_period_seconds: int = 3600
    idle_periods: int = 2
    latency_threshold_microseconds: float = 500_000.0
    lockgate_clock_speed: float | None = None  # set by the local cloud only: offline, no bill


class Announcements:
    """SNS + one metric per action (Powertools EMF) + a RemediationTaken event."""

    def __init__(self, notifier: Notifier, metrics: Metrics, bus: EventBus) -> None:
        self._notifier, self._metrics, self._bus = notifier, metrics, bus

    def notify(self, subject: str, message: str) -> None:
        """One SNS message."""
        self._notifier.publish(subject, message)

    def metric(self, action: str, outcome: str) -> None:
        """remediation_<action>_<outcome> = 1 (EMF, flushed by the handler's log_metrics)."""
        safe = outcome.replace("-", "_").replace(" ", "_")
        self._metrics.add_metric(name=f"remediation_{action}_{safe}", unit=MetricUnit.Count, value=1)

    def event(self, detail: dict[str, str]) -> None:
        """A RemediationTaken event on the default bus."""
        self._bus.put(REMEDIATION_TAKEN, dict(detail))


def build_remediator(settings: RemediationSettings, metrics: Metrics, **clients: Any) -> Remediator:
    """The remediator with real adapters (clients may be injected by tests and the CLI)."""
    ports = Ports(
        endpoints=SageMakerEndpoints(clients.get("sagemaker")),
        registry=ModelRegistry(clients.get("sagemaker")),
        datasets=S3Datasets(settings.data_bucket, clients.get("s3")),
        pipelines=TrainPipeline(
            settings.train_state_machine_arn, settings.data_bucket, clients.get("stepfunctions")
        ),
        audit=AuditTable(settings.audit_table, clients.get("dynamodb")),
        announcer=Announcements(
            Notifier(settings.topic_arn, clients.get("sns")), metrics, EventBus(client=clients.get("events"))
        ),
        alarms=EndpointAlarms(clients.get("cloudwatch")),
        billing=BilledHours(clients.get("ce")) if settings.lockgate_clock_speed is None else None,
    )
    return Remediator(
        ports,
        settings.environment,
        dry_run=settings.dry_run,
        rollback_wait_seconds=settings.rollback_wait_seconds,
        idle_window_seconds=float(settings.idle_period_seconds * settings.idle_periods),
        clock_speed=settings.lockgate_clock_speed or 1.0,
        alarm_settings=AlarmSettings(
            idle_period_seconds=settings.idle_period_seconds,
            idle_periods=max(1, settings.idle_periods),
            latency_microseconds=settings.latency_threshold_microseconds,
        ),
    )


def handle_alarm(remediator: Remediator, event: AlarmStateChange) -> Result:
    """The alarm event's reaction, once per alarm transition."""
    return remediator.handle(transition_of(event))
