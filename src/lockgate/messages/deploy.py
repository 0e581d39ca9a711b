"""The deploy pipeline's seams: every deploy task's input and output (camelCase on the wire)."""

from __future__ import annotations

import math
from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from lockgate.messages.base import StepModel


def weights_problem(champion: float, challenger: float) -> str | None:
    """Why SageMaker would reject these A/B weights or route nothing with them; None when fine."""
    for name, weight in (("champion", champion), ("challenger", challenger)):
        if not math.isfinite(weight) or weight < 0:
            return f"the {name} weight {weight:g} is negative or not a number; use e.g. 90/10"
    if champion + challenger <= 0:
        return "both weights are 0: no variant would get traffic; use e.g. 90/10"
    return None


class _DeployModel(StepModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class ModelPackageDetail(BaseModel):
    """The `detail` of "SageMaker Model Package State Change" (DescribeModelPackage; other fields ignored)."""

    model_config = ConfigDict(extra="ignore")

    ModelPackageGroupName: str
    ModelPackageArn: str
    ModelPackageVersion: int = 0
    ModelApprovalStatus: str
    CustomerMetadataProperties: dict[str, str] = Field(default_factory=dict)


class ModelPackageStateChangeEvent(EventBridgeModel):
    """The whole EventBridge event the deploy starter receives."""

    detail: ModelPackageDetail


class DeployStartResult(_DeployModel):
    """The deploy starter's answer: the run, and whether this delivery started it."""

    execution_arn: str
    started: bool
    name: str


class VariantWeights(_DeployModel):
    """An A/B request: relative weights of the champion (live package) and the challenger (this one)."""

    champion: float
    challenger: float

    @model_validator(mode="after")
    def _routable(self) -> VariantWeights:
        problem = weights_problem(self.champion, self.challenger)
        if problem:
            raise ValueError(problem)
        return self


class DeployRunInput(_DeployModel):
    """What the deploy starter (or `lockgate deploy --variants`) gives a deploy run (PrepareDeployment
    reads it). `variants` null: the contract's `deployment.variants`, else the canary."""

    package_arn: str
    status: str
    group: str
    version: int
    variants: VariantWeights | None = None


class VariantPlan(_DeployModel):
    """One production variant of an A/B endpoint config."""

    name: str
    package_arn: str
    model: str
    weight: float = Field(ge=0)


class EndpointTarget(_DeployModel):
    """One endpoint and the config a run wants it to serve."""

    endpoint: str
    config: str
    stage: Literal["staging", "prod"]
    alarms: list[str] = Field(default_factory=list)
    restore: bool = False  # a rejected live package: an older package may replace a newer one
    variants: list[VariantPlan] = Field(default_factory=list)  # A/B: champion and challenger; [] = one


class PrepareResult(_DeployModel):
    """PrepareDeployment: model and configs created, alarms in place, or why nothing is deployed."""

    action: Literal["deploy", "restore", "skip"]
    reason: str
    dataset: str = ""
    package_arn: str = ""
    version: int = 0
    model: str = ""
    staging: EndpointTarget | None = None
    prod: EndpointTarget | None = None
    auto_approved: bool = False
    approval_description: str = ""
    test_data: str = ""
    predictions: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)


class EndpointUpdateRequest(_DeployModel):
    """EndpointUpdate: create the endpoint, or update it (prod: with guardrails)."""

    target: EndpointTarget
    package_arn: str
    dataset: str


class EndpointUpdateResult(_DeployModel):
    """What was asked of SageMaker."""

    endpoint: str
    config: str
    action: Literal["created", "updated", "unchanged"]
    note: str = ""  # how traffic moves when not by the canary (e.g. the variant names change)


class EndpointStatusRequest(_DeployModel):
    """One poll of the wait loop; `attempt` counts polls toward `max_attempts` (the deadline)."""

    endpoint: str
    config: str
    attempt: int = 0
    max_attempts: int = Field(default=60, ge=1)
    package_arn: str = ""  # the package being deployed: its alarms are tagged with it once InService


class EndpointStatusResult(_DeployModel):
    """DescribeEndpoint, reduced to what the Choice state needs (JSON-safe: no datetimes)."""

    endpoint: str
    config: str
    status: str
    serving_config: str
    matches: bool
    attempt: int
    max_attempts: int
    expired: bool
    failure_reason: str = ""


class SmokeTestRequest(_DeployModel):
    """Invoke `endpoint` with the first `rows` rows of `test_data`; compare with `predictions`."""

    endpoint: str
    test_data: str
    predictions: str
    rows: int = Field(default=20, ge=1, le=1000)
    tolerance: float = Field(default=1e-4, gt=0)


class SmokeTestResult(_DeployModel):
    """The comparison and the latency seen."""

    rows: int
    max_abs_diff: float
    latency_ms: float
    passed: bool


class ApprovalRequest(_DeployModel):
    """RequestApproval (invoked with .waitForTaskToken): tell people, keep the token."""

    task_token: str
    package_arn: str
    dataset: str
    staging_endpoint: str
    execution: str
    metadata: dict[str, str] = Field(default_factory=dict)


class ApprovalNotice(_DeployModel):
    """Where the request went (not read by the state machine: the callback carries the answer)."""

    message_id: str


class ApprovalDecision(_DeployModel):
    """What `lockgate approve` sends back as the task's output."""

    approved: bool
    by: str
    reason: str = ""


class RecordRequest(_DeployModel):
    """RecordDeployment: lineage, package note, event, and a message when rolled back."""

    package_arn: str
    dataset: str
    endpoint: str
    config: str
    execution: str
    outcome: Literal["deployed", "rolled-back", "restored"]
    reason: str = ""
    restore: bool = False  # production went back to this package because `replaces` was rejected
    replaces: str = ""
    variants: list[VariantPlan] = Field(default_factory=list)  # A/B: the live package stays the champion


class RecordResult(_DeployModel):
    """What was written."""

    outcome: str
    edges: int
    event: str


class PromoteRequest(_DeployModel):
    """PromoteVariant: all traffic to `variant` (UpdateEndpointWeightsAndCapacities 100/0)."""

    endpoint: str
    variant: str
    by: str = "promote step"
    reason: str = ""


class PromoteResult(_DeployModel):
    """The weights asked for; the endpoint is Updating until SageMaker applies them."""

    endpoint: str
    variant: str
    package_arn: str
    weights: dict[str, float]
    status: str
