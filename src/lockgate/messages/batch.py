"""The batch-predict state machine's task models (statemachines/batch_predict.asl.json):
PrepareBatch -> (CreateModel, CreateTransformJob.sync when a row is left to score) -> FinishBatch.

The execution's input is a `BatchPredictRequest` (what `lockgate batch-predict` sends). Field names
are camelCase where the state machine reads them with JSONPath, SageMaker's own PascalCase inside
the request blocks handed to the `sagemaker:` integrations unchanged.
"""

from __future__ import annotations

from typing import TypedDict

from pydantic import ConfigDict, Field

from lockgate.messages.base import StepModel
from lockgate.messages.train import TransformJobRequest

_S3 = r"^s3://[^/]+/.+"
_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:model-package/.+"


class BatchPredictRequest(StepModel):
    """Score a CSV of new raw records with a package of the dataset's group (default: the newest
    Approved one)."""

    dataset: str = Field(min_length=1)
    input: str = Field(pattern=_S3, description="s3://bucket/key of a CSV of raw records")
    package: str | None = Field(default=None, pattern=_ARN)
    instance_type: str = Field(default="ml.m5.large", alias="instanceType", min_length=1)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ModelContainer(TypedDict, total=False):
    """One container of CreateModel's `Containers` (an inference pipeline runs them in order)."""

    Image: str
    ModelDataUrl: str
    Environment: dict[str, str]


class BatchModelRequest(StepModel):
    """CreateModel's fields for the package's inference pipeline (the role comes from the template)."""

    ModelName: str
    Containers: list[ModelContainer]
    InferenceExecutionConfig: dict[str, str]


class BatchTransformRequest(TransformJobRequest):
    """CreateTransformJob's fields: the same as a training run's transform."""


class BatchPlan(StepModel):
    """The checked input: where the good rows, their keys and the problems were written, and the
    transform that scores the good rows (`scored` 0: nothing to transform)."""

    dataset: str
    input: str
    package: str
    job: str
    rows: int = Field(ge=0)
    scored: int = Field(ge=0)
    bad: int = Field(ge=0)
    work: str = Field(pattern=_S3, description="s3:// prefix of the job's files")
    scores: str = Field(pattern=_S3)
    report: str = Field(pattern=_S3)
    model: BatchModelRequest
    transform: BatchTransformRequest


class BatchPredictResult(StepModel):
    """What was written beside the input."""

    input: str
    package: str
    rows: int = Field(ge=0)
    scored: int = Field(ge=0)
    bad: int = Field(ge=0)
    scores: str = Field(description="s3:// URI of <input>.scores.csv; empty when no row was scored")
    report: str = Field(pattern=_S3, description="s3:// URI of <input>.bad-rows.json")
