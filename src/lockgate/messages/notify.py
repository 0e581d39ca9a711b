"""The failure notice every pipeline's Catch path sends (NotifyFailureFunction).

The payload shape is agreed between the pipelines: {"pipeline", "run": {...}, "error":
{"Error", "Cause"}, "outcome"?}."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from lockgate.messages.base import StepModel


class CaughtError(StepModel):
    """What a Catch puts at its ResultPath (or a Pass state writes in the same shape)."""

    Error: str = "UnknownError"
    Cause: str = ""


class RunRef(StepModel):
    """Which run failed: whatever of these the pipeline knows (a pipeline may add its own ids)."""

    model_config = ConfigDict(extra="allow")

    bucket: str | None = None
    key: str | None = None
    prefix: str | None = None
    dataset: str | None = None
    version: str | None = None
    report: str | None = None
    execution: str | None = None


class NotifyFailureRequest(StepModel):
    """A run failed, or a gate wants a person (`outcome`)."""

    pipeline: str = "pipeline"
    run: RunRef = Field(default_factory=RunRef)
    error: CaughtError = Field(default_factory=CaughtError)
    outcome: str = "failed"


class NotifyFailureResult(StepModel):
    """The message people were sent."""

    subject: str
    message: str
    messageId: str  # noqa: N815
