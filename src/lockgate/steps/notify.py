"""NotifyFailureFunction's input and output: what every pipeline's Catch path sends
(`{"pipeline", "run": {...}, "error": {"Error", "Cause"}, "outcome"?}`) and what it returns."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from lockgate.steps.base import StepModel

RunValue = str | int | float | bool | None


class RunRef(StepModel):
    """What the run was about. Each pipeline fills what it has; fields beyond the common ones
    (an endpoint, a model package...) are kept, typed as scalars, and listed in the message."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, RunValue] = Field(init=False)

    bucket: str | None = None
    key: str | None = None
    prefix: str | None = None
    dataset: str | None = None
    version: str | None = None
    report: str | None = None
    execution: str | None = None

    def extras(self) -> dict[str, RunValue]:
        """The pipeline-specific fields, in the order given."""
        return dict(self.__pydantic_extra__ or {})


class CaughtError(StepModel):
    """A Step Functions Catch output (or a Pass state shaped like one)."""

    error: str = Field(default="UnknownError", alias="Error", min_length=1)
    cause: str = Field(default="", alias="Cause")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NotifyFailureRequest(StepModel):
    """A run that failed, or that needs a person (`outcome`, e.g. "needs a person's review")."""

    pipeline: str = Field(min_length=1)
    run: RunRef = Field(default_factory=RunRef)
    error: CaughtError = Field(default_factory=CaughtError)
    outcome: str = Field(default="failed", min_length=1)

    @property
    def failed(self) -> bool:
        """True for a failure, False for a run that waits on a person."""
        return self.outcome == "failed"


class NotifyFailureResult(StepModel):
    """What was published."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    subject: str
    message: str
    message_id: str = Field(alias="messageId")
