"""The human review of a needs-human gate: what the waiting task gets, and what a person sends back."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from lockgate.messages.base import StepModel

ReviewStage = Literal["pre-training"]


class _ReviewModel(StepModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class ReviewRequest(_ReviewModel):
    """RequestReview (invoked with .waitForTaskToken): keep the token under the version, tell people."""

    task_token: str
    dataset: str
    version: str
    execution: str
    stage: ReviewStage = "pre-training"
    reasons: list[str] = Field(default_factory=list)
    report: str = ""


class ReviewNotice(_ReviewModel):
    """Where the request went (not read by the state machine: the callback carries the answer)."""

    message_id: str
    command: str


class ReviewDecision(_ReviewModel):
    """What `lockgate review --approve` sends back as the waiting task's output."""

    approved: bool
    by: str
    reason: str
