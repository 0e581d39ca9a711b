"""The AWS event shapes this twin emits (detail-type, source, resources, detail), pure.

"CloudWatch Alarm State Change" (source aws.cloudwatch), "Scheduled Event" (source aws.events) and
"Step Functions Execution Status Change" (source aws.states), as the AWS docs show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"
SCHEDULED_EVENT = "Scheduled Event"
EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change"


@dataclass(frozen=True)
class Emitted:
    """One event to put on the default bus."""

    source: str
    detail_type: str
    resources: list[str]
    detail: dict[str, Any] = field(default_factory=dict)


def alarm_timestamp(moment: datetime) -> str:
    """CloudWatch's event timestamp format: 2019-10-02T17:04:40.985+0000."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class AlarmState:
    """value, reason, reasonData (a JSON string) and when."""

    value: str
    reason: str
    reason_data: str
    timestamp: datetime

    def to_detail(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "value": self.value,
            "reason": self.reason,
            "timestamp": alarm_timestamp(self.timestamp),
        }
        if self.reason_data and self.reason_data != "{}":
            state["reasonData"] = self.reason_data
        return state


@dataclass(frozen=True)
class AlarmConfig:
    """The alarm configuration the event repeats (single-metric alarms)."""

    description: str
    namespace: str
    metric_name: str
    dimensions: dict[str, str]
    period: int
    stat: str


def alarm_state_change(
    *, alarm_arn: str, alarm_name: str, previous: AlarmState, current: AlarmState, config: AlarmConfig
) -> Emitted:
    """A "CloudWatch Alarm State Change" event."""
    metrics: list[dict[str, Any]] = []
    if config.metric_name:
        metrics.append(
            {
                "id": "m1",
                "metricStat": {
                    "metric": {
                        "namespace": config.namespace,
                        "name": config.metric_name,
                        "dimensions": config.dimensions,
                    },
                    "period": config.period,
                    "stat": config.stat,
                },
                "returnData": True,
            }
        )
    detail = {
        "alarmName": alarm_name,
        "state": current.to_detail(),
        "previousState": previous.to_detail(),
        "configuration": {"description": config.description or "", "metrics": metrics},
    }
    return Emitted("aws.cloudwatch", ALARM_STATE_CHANGE, [alarm_arn], detail)


def scheduled_event(rule_arn: str) -> Emitted:
    """What a schedule rule's targets receive (detail is empty)."""
    return Emitted("aws.events", SCHEDULED_EVENT, [rule_arn], {})


def execution_status_change(
    *,
    execution_arn: str,
    state_machine_arn: str,
    name: str,
    status: str,
    start: datetime | None,
    stop: datetime | None,
    payload: str | None,
    output: str | None,
    error: str | None,
    cause: str | None,
) -> Emitted:
    """A "Step Functions Execution Status Change" event (dates are epoch milliseconds, as on AWS)."""
    detail = {
        "executionArn": execution_arn,
        "stateMachineArn": state_machine_arn,
        "name": name,
        "status": status,
        "startDate": _millis(start),
        "stopDate": _millis(stop),
        "input": payload,
        "output": output,
        "inputDetails": {"included": True},
        "outputDetails": {"included": True} if output is not None else None,
        "error": error,
        "cause": cause,
    }
    return Emitted("aws.states", EXECUTION_STATUS_CHANGE, [execution_arn], detail)


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)
