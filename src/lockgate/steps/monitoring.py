"""Typed seams of the monitor function: the schedule's event in, one report per endpoint out."""

from __future__ import annotations

from pydantic import Field

from lockgate.monitoring.monitor import MonitorReport
from lockgate.steps.base import StepModel
from lockgate.steps.remediation import ScheduledEvent


class MonitorInput(ScheduledEvent):
    """Input of MonitorFunction: its schedule's event (detail is empty)."""


class EndpointSummary(StepModel):
    """One endpoint's pass."""

    endpoint: str
    rows: int
    max_psi: float | None = None
    drifted: list[str] = Field(default_factory=list)  # features with PSI above 0.25
    bias_rows: int = 0
    bias_violations: int | None = None
    note: str = ""


class MonitorOutput(StepModel):
    """Every endpoint measured by one pass."""

    endpoints: list[EndpointSummary] = Field(default_factory=list)


def summarise(report: MonitorReport, drift_threshold: float = 0.25) -> MonitorOutput:
    """The handler's output from the domain report."""
    return MonitorOutput(
        endpoints=[
            EndpointSummary(
                endpoint=e.endpoint,
                rows=e.rows,
                max_psi=e.max_psi,
                drifted=[f.name for f in e.drift.features if f.psi > drift_threshold] if e.drift else [],
                bias_rows=e.bias_rows,
                bias_violations=e.bias_violations,
                note=e.note,
            )
            for e in report.endpoints
        ]
    )
