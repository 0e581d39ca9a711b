"""EndpointStatusFunction: its settings and one poll of the deploy run's wait loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.composition.alarm_parameters import AlarmParameters
from lockgate.deployment import service
from lockgate.messages.deploy import EndpointStatusRequest, EndpointStatusResult


class EndpointStatusSettings(AlarmParameters):
    """endpoint_status: the endpoint alarms it creates once an endpoint is InService."""


def build_poll(settings: EndpointStatusSettings) -> Callable[[EndpointStatusRequest], EndpointStatusResult]:
    """request -> one look at the endpoint (its alarms made once it is InService)."""
    return partial(
        service.poll,
        endpoints=SageMakerEndpoints(),
        alarms=EndpointAlarms(),
        alarm_settings=settings.alarm_settings(),
        environment=settings.environment,
    )
