"""EndpointUpdateFunction: its settings (the production guardrails) and the endpoint update."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.composition.settings import HandlerSettings
from lockgate.deployment import service
from lockgate.messages.deploy import EndpointUpdateRequest, EndpointUpdateResult


class EndpointUpdateSettings(HandlerSettings):
    """endpoint_update: the production guardrails (lockgate.deployment.service.CanaryParameters)."""

    environment: str
    traffic_mode: str = "CANARY"
    canary_percent: int = 10
    canary_wait_seconds: int = 300
    termination_wait_seconds: int = 120


def build_update(settings: EndpointUpdateSettings) -> Callable[[EndpointUpdateRequest], EndpointUpdateResult]:
    """request -> the endpoint created or updated (production: canary with rollback alarms)."""
    return partial(service.update_endpoint, endpoints=SageMakerEndpoints(), canary=settings)
