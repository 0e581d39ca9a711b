"""Typed seams of the monitor function: the schedule's event in, one report per endpoint out."""

from __future__ import annotations

from pydantic import Field

from lockgate.messages.base import StepModel
from lockgate.messages.remediation import ScheduledEvent


class MonitorInput(ScheduledEvent):
    """Input of MonitorFunction: its schedule's event (detail is empty)."""


class EndpointSummary(StepModel):
    """One endpoint's pass."""

    endpoint: str
    rows: int
    measured: bool = False  # False: fewer rows than monitoring.min_rows (they wait), or no capture
    min_rows: int = 0
    max_psi: float | None = None
    drifted: list[str] = Field(default_factory=list)  # what the drift alarm counts (drifted_features)
    skipped_lines: int = 0  # malformed capture lines counted and skipped
    variant_drift: dict[str, list[str]] = Field(default_factory=dict)  # variant -> drifted features
    bias_rows: int = 0
    bias_violations: int | None = None
    note: str = ""


class MonitorOutput(StepModel):
    """Every endpoint measured by one pass."""

    endpoints: list[EndpointSummary] = Field(default_factory=list)
