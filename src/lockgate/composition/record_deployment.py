"""RecordDeploymentFunction: its settings and the deployment's record (lineage, note, event, SNS)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lockgate.adapters.deploy_records import DeployRecords
from lockgate.adapters.events import EventBus
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.sns import Notifier
from lockgate.composition.settings import HandlerSettings
from lockgate.deployment import service
from lockgate.messages.deploy import RecordRequest, RecordResult


class RecordDeploymentSettings(HandlerSettings):
    """record_deployment: lineage, events, people."""

    lineage_table: str
    topic_arn: str


def build_record(settings: RecordDeploymentSettings) -> Callable[[RecordRequest], RecordResult]:
    """request -> lineage, the package note, the lockgate event and a message."""
    return partial(
        service.record,
        registry=ModelRegistry(),
        endpoints=SageMakerEndpoints(),
        records=DeployRecords(settings.lineage_table),
        events=EventBus(),
        notifier=Notifier(settings.topic_arn),
    )
