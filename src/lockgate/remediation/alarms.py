"""Lockgate's alarm names and the alarm event, parsed into what a reaction needs."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from lockgate.messages.remediation import AlarmStateChange
from lockgate.names import split_reaction_alarm


class Reaction(StrEnum):
    """What Lockgate does when an alarm of this kind goes to ALARM."""

    ROLLBACK = "rollback"
    IDLE = "idle"
    DRIFT = "drift"
    NOTIFY = "notify"


class AlarmRef(BaseModel):
    """A Lockgate alarm name split by the convention lockgate-<env>-<reaction>-<subject>."""

    model_config = ConfigDict(frozen=True)

    name: str
    environment: str
    reaction: Reaction
    subject: str


def parse_alarm_name(name: str, environment: str) -> AlarmRef | None:
    """The alarm's parts, or None when it is not one of this environment's Lockgate alarms."""
    parts = split_reaction_alarm(name, environment)
    if parts is None:
        return None
    reaction, subject = parts
    if reaction not in Reaction.__members__.values() or not subject:
        return None
    return AlarmRef(name=name, environment=environment, reaction=Reaction(reaction), subject=subject)


class MetricRef(BaseModel):
    """The metric an alarm watches (from configuration.metrics[0].metricStat.metric)."""

    namespace: str = ""
    name: str = ""
    dimensions: dict[str, str] = Field(default_factory=dict)


class AlarmTransition(BaseModel):
    """One "CloudWatch Alarm State Change": the alarm, its new state and when it entered it."""

    alarm_name: str
    state: str
    previous_state: str
    reason: str
    timestamp: str
    description: str = ""
    metric: MetricRef = Field(default_factory=MetricRef)

    @property
    def episode(self) -> str:
        """The idempotency key: alarm name + state timestamp (the event may arrive twice)."""
        return f"{self.alarm_name}@{self.timestamp}"

    @property
    def episode_hash(self) -> str:
        """A short stable hash of the episode (for execution and resource names)."""
        return hashlib.sha256(self.episode.encode()).hexdigest()[:16]

    @property
    def endpoint_name(self) -> str | None:
        """The SageMaker endpoint the alarm watches, when it watches one."""
        return self.metric.dimensions.get("EndpointName")


def transition_of(event: AlarmStateChange) -> AlarmTransition:
    """The domain's view of an alarm event."""
    d = event.detail
    stat = d.configuration.metrics[0].metricStat if d.configuration.metrics else None
    metric = (
        MetricRef(namespace=stat.metric.namespace, name=stat.metric.name, dimensions=stat.metric.dimensions)
        if stat
        else MetricRef()
    )
    return AlarmTransition(
        alarm_name=d.alarmName,
        state=d.state.value,
        previous_state=d.previousState.value if d.previousState else "",
        reason=d.state.reason,
        timestamp=d.state.timestamp,
        description=d.configuration.description or "",
        metric=metric,
    )
