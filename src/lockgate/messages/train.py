"""The train pipeline's task models (statemachines/train.asl.json after the pre-training bias gate):
PlanTraining -> (SageMaker jobs) -> Evaluate -> post-training bias -> RegisterModel.

Field names are camelCase where the state machine reads them with JSONPath, and SageMaker's own
PascalCase inside the request blocks the plan hands to the `sagemaker:` integrations unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from lockgate.messages.base import StepModel

S3Uri = str  # "s3://bucket/key"
_S3 = r"^s3://[^/]+/.*"


class PlanTrainingInput(StepModel):
    """The train execution's own input (DatasetVersionCreated detail) plus the execution id."""

    dataset: str = Field(min_length=1)
    version: str = Field(min_length=1)
    execution: str = Field(min_length=1)
    splits: dict[str, dict[str, str]]


class TrainingJobRequest(StepModel):
    """The CreateTrainingJob fields the contract decides (image and role come from the template)."""

    TrainingJobName: str
    HyperParameters: dict[str, str]
    # a SageMaker request field, passed as-is through the state machine (JSON)
    InputDataConfig: list[dict[str, Any]]
    OutputDataConfig: dict[str, str]
    # a SageMaker request field, passed as-is through the state machine (JSON)
    ResourceConfig: dict[str, Any]
    StoppingCondition: dict[str, int]


class TuningJobRequest(StepModel):
    """The CreateHyperParameterTuningJob fields the contract decides."""

    HyperParameterTuningJobName: str
    # a SageMaker request field, passed as-is through the state machine (JSON)
    HyperParameterTuningJobConfig: dict[str, Any]
    StaticHyperParameters: dict[str, str]


class TransformJobRequest(StepModel):
    """The CreateModel + CreateTransformJob fields (the model is named after the training job's run)."""

    ModelName: str
    TransformJobName: str
    # a SageMaker request field, passed as-is through the state machine (JSON)
    TransformInput: dict[str, Any]
    TransformOutput: dict[str, str]
    # a SageMaker request field, passed as-is through the state machine (JSON)
    TransformResources: dict[str, Any]


class PlanTrainingOutput(StepModel):
    """What the state machine runs next; `duplicate` when this version is already being trained."""

    duplicate: bool
    first_execution: str = Field(alias="firstExecution")
    tuning: bool
    training: TrainingJobRequest
    tuning_job: TuningJobRequest | None = Field(default=None, alias="tuningJob")
    transform: TransformJobRequest
    model_output_path: S3Uri = Field(alias="modelOutputPath", pattern=_S3)
    test_features: S3Uri = Field(alias="testFeatures", pattern=_S3)
    test_labels: S3Uri = Field(alias="testLabels", pattern=_S3)
    test_data: S3Uri = Field(alias="testData", pattern=_S3)
    test_records: S3Uri = Field(alias="testRecords", pattern=_S3)  # raw, headerless, no label
    encoder: S3Uri = Field(pattern=_S3)  # lockgate.serving.artifact
    predictions: S3Uri = Field(pattern=_S3)
    threshold: float
    run: str = ""  # the retrain run name (names.retrain_of), "" for a version's first run

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class EvaluateInput(StepModel):
    """Score the transform's predictions against the test labels."""

    dataset: str = Field(min_length=1)
    version: str = Field(min_length=1)
    labels: S3Uri = Field(pattern=_S3)
    predictions: S3Uri = Field(pattern=_S3)
    threshold: float = Field(default=0.5, gt=0, lt=1)
    run: str = ""  # a deliberate retrain's run name: its reports go beside the version's, not over them


class EvaluateOutput(StepModel):
    """Where evaluation.json and report.html are, and the headline metrics."""

    evaluation: S3Uri = Field(pattern=_S3)
    report: S3Uri = Field(pattern=_S3)
    rows: int
    metrics: dict[str, float | None]


class BiasResult(StepModel):
    """One bias gate's summary as the state machine keeps it."""

    verdict: str
    reasons: list[Any] = Field(default_factory=list)
    analysis: S3Uri = Field(pattern=_S3)
    report: S3Uri = Field(pattern=_S3)


class TrainedModel(StepModel):
    """The training job whose model is registered (the tuning job's best one when tuned)."""

    training_job: str = Field(alias="trainingJob", min_length=1)
    model_data_url: S3Uri = Field(alias="modelDataUrl", pattern=_S3)
    tuning_job: str | None = Field(default=None, alias="tuningJob")
    # FinalMetricDataList of DescribeTrainingJob, as the state machine hands it over (JSON)
    metrics: list[dict[str, Any]] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RegisterModelInput(StepModel):
    """Everything the evaluation gate and the model package need."""

    dataset: str = Field(min_length=1)
    version: str = Field(min_length=1)
    execution: str = Field(min_length=1)
    model: TrainedModel
    transform_job: str = Field(alias="transformJob", min_length=1)
    # the smoke test's rows: raw records (headerless, contract order, no label) when `encoder` is
    # set, else the features-only CSV the transform read
    test_data: S3Uri = Field(alias="testData", pattern=_S3)
    test_labels: S3Uri = Field(alias="testLabels", pattern=_S3)
    predictions: S3Uri = Field(pattern=_S3)
    evaluation: S3Uri = Field(pattern=_S3)
    evaluation_report: S3Uri = Field(alias="evaluationReport", pattern=_S3)
    bias_pre: BiasResult = Field(alias="biasPre")
    bias_post: BiasResult = Field(alias="biasPost")
    encoder: S3Uri | None = Field(default=None, pattern=_S3)  # the run's encoder artifact

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RegisterModelOutput(StepModel):
    """The gate's verdict and, when it passed, the package."""

    verdict: Literal["pass", "fail"]
    reasons: list[str]
    package_group: str = Field(alias="packageGroup")
    package_arn: str | None = Field(default=None, alias="packageArn")
    approval_status: str | None = Field(default=None, alias="approvalStatus")
    approval_description: str = Field(default="", alias="approvalDescription")
    baseline: str | None = None  # the Approved package compared against (None: there is none yet)
    already_registered: bool = Field(default=False, alias="alreadyRegistered")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
