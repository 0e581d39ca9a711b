"""PromoteVariantFunction: its settings and the promotion of an A/B test's winner."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.adapters.deploy_records import DeployRecords
from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.events import EventBus
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.sns import Notifier
from lockgate.composition.alarm_parameters import AlarmParameters
from lockgate.deployment import promotion
from lockgate.messages.deploy import PromoteRequest, PromoteResult


class PromoteVariantSettings(AlarmParameters):
    """promote_variant: lineage, events, people; the loser's alarms go."""

    lineage_table: str
    topic_arn: str


def build_promote(settings: PromoteVariantSettings) -> Callable[[PromoteRequest, str], PromoteResult]:
    """(request, action id) -> all traffic to the winner, recorded and announced."""
    registry, endpoints = ModelRegistry(), SageMakerEndpoints()
    records, events = DeployRecords(settings.lineage_table), EventBus()
    notifier, alarms, alarm_settings = (
        Notifier(settings.topic_arn),
        EndpointAlarms(),
        settings.alarm_settings(),
    )

    def promote(request: PromoteRequest, action_id: str) -> PromoteResult:
        return promotion.promote(
            request,
            registry,
            records,
            events,
            notifier,
            endpoints=endpoints,
            action_id=action_id,
            alarms=alarms,
            alarm_settings=alarm_settings,
            environment=settings.environment,
        )

    return promote
