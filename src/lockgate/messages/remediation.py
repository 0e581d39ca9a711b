"""Typed seams of the alarm reactions: the EventBridge events they receive and what they return."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from lockgate.messages.base import StepModel


class _Envelope(StepModel):
    """The EventBridge envelope around every `detail`. Unknown envelope keys are ignored, not
    rejected: EventBridge adds some (`replay-name` on replays; moto adds `ingestion-time`); the
    `detail` models are what the reactions read."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: str = "0"
    id: str = ""
    detail_type: str = Field(alias="detail-type")
    source: str
    account: str = ""
    time: str = ""
    region: str = ""
    resources: list[str] = Field(default_factory=list)


class AlarmStateModel(BaseModel):
    """state / previousState of an alarm event."""

    value: str
    reason: str = ""
    reasonData: str | None = None  # noqa: N815 (AWS's name)
    timestamp: str = ""
    actionsSuppressedBy: str | None = None  # noqa: N815
    actionsSuppressedReason: str | None = None  # noqa: N815


class MetricModel(BaseModel):
    namespace: str = ""
    name: str = ""
    dimensions: dict[str, str] = Field(default_factory=dict)


class MetricStatModel(BaseModel):
    metric: MetricModel
    period: int = 0
    stat: str = ""
    unit: str | None = None


class MetricQueryModel(BaseModel):
    id: str = ""
    metricStat: MetricStatModel | None = None  # noqa: N815
    expression: str | None = None
    label: str | None = None
    returnData: bool = True  # noqa: N815


class AlarmConfigurationModel(BaseModel):
    description: str | None = None
    metrics: list[MetricQueryModel] = Field(default_factory=list)


class AlarmDetail(BaseModel):
    """detail of "CloudWatch Alarm State Change" (AWS docs, "Alarm events and EventBridge")."""

    alarmName: str  # noqa: N815
    state: AlarmStateModel
    previousState: AlarmStateModel | None = None  # noqa: N815
    configuration: AlarmConfigurationModel = Field(default_factory=AlarmConfigurationModel)
    operation: str | None = None


class AlarmStateChange(_Envelope):
    """Input of RemediationFunction: the alarm event as EventBridge delivers it."""

    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    detail: AlarmDetail


class ScheduledEvent(_Envelope):
    """Input of the scheduled functions (cost guard, monitor): detail is empty."""

    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    detail: dict[str, str] = Field(default_factory=dict)


class RemediationInput(RootModel[AlarmStateChange | ScheduledEvent]):
    """RemediationFunction takes an alarm event, or the schedule's event for the budget check
    (told apart by detail-type)."""


class RemediationOutput(StepModel):
    """What one invocation did."""

    alarm: str = ""
    action: str = ""
    outcome: str
    duplicate: bool = False
    dry_run: bool = False
    steps: list[str] = Field(default_factory=list)
    budget_used_hours: float | None = None


class ExecutionDetail(BaseModel):
    """detail of "Step Functions Execution Status Change"."""

    executionArn: str  # noqa: N815
    stateMachineArn: str  # noqa: N815
    name: str
    status: str
    startDate: int | None = None  # noqa: N815
    stopDate: int | None = None  # noqa: N815
    input: str | None = None
    output: str | None = None
    inputDetails: dict[str, bool] | None = None  # noqa: N815
    outputDetails: dict[str, bool] | None = None  # noqa: N815
    error: str | None = None
    cause: str | None = None
    redriveCount: int | None = None  # noqa: N815
    redriveDate: int | None = None  # noqa: N815
    redriveStatus: str | None = None  # noqa: N815
    redriveStatusReason: str | None = None  # noqa: N815


class ExecutionStatusChange(_Envelope):
    """Input of PipelineStatusFunction."""

    detail_type: Literal["Step Functions Execution Status Change"] = Field(alias="detail-type")
    detail: ExecutionDetail


class PipelineStatusOutput(StepModel):
    """Whether a message was sent for the execution (one per execution)."""

    execution: str
    status: str
    notified: bool
    reason: str = ""
