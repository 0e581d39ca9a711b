"""The train pipeline's bias gate task: a bias check of a dataset version's data (pre-training)
or of a model's predictions (post-training), and its verdict."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lockgate.messages.base import StepModel

S3_URI = r"^s3://[^/]+/.+"

Verdict = Literal["pass", "fail", "needs-human"]
Stage = Literal["pre_training", "post_training"]


class BiasCheckRequest(StepModel):
    """A bias check of a dataset version's data (pre-training), with predictions (post-training)."""

    dataset: str = Field(min_length=1)
    version: str = Field(min_length=1)
    data: str = Field(pattern=S3_URI)
    predictions: str | None = Field(default=None, pattern=S3_URI)
    bucket: str | None = None  # the data bucket holding contracts/ (default: the stack's)
    run: str = ""  # a deliberate retrain's run name: its reports go beside the version's


class BiasCheckResult(StepModel):
    """The verdict, its reasons and where the reports are."""

    stage: Stage
    dataset: str
    version: str
    verdict: Verdict
    reasons: list[str]
    analysis: str  # s3 URI of analysis.json (Clarify's shape)
    report: str  # s3 URI of report.html
    warnings: list[str] = Field(default_factory=list)
