"""The template's endpoint-alarm parameters, shared by the functions that create endpoint alarms."""

from __future__ import annotations

from lockgate.composition.settings import HandlerSettings
from lockgate.deployment.endpoint_alarms import AlarmSettings


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
