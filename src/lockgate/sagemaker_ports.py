"""SageMaker as the domain sees it: one model per resource (a model package, an endpoint and its
variants) and one port per concern (the model registry, endpoints, jobs). Every step, reaction,
command and console page reads these; the adapters (lockgate.adapters.sagemaker_registry,
sagemaker_endpoints, sagemaker_jobs) are the only code that calls SageMaker; fakes in tests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import CreateModelPackageInputTypeDef, DeploymentConfigTypeDef

APPROVED = "Approved"


class Container(BaseModel):
    """One container of a package's InferenceSpecification (an inference pipeline has several:
    encoder -> XGBoost -> encoder, lockgate.serving.artifact)."""

    model_config = ConfigDict(frozen=True)

    image: str = ""
    model_data_url: str = ""
    environment: dict[str, str] = Field(default_factory=dict)


class PackageInfo(BaseModel):
    """One model package: what registration, deployment, rollbacks and the console read."""

    model_config = ConfigDict(frozen=True)

    arn: str
    group: str = ""
    version: int = 0
    status: str = ""  # ModelApprovalStatus
    approval_description: str = ""
    # CustomerMetadataProperties as stored (all strings; lockgate.registry.package writes them)
    metadata: dict[str, str] = Field(default_factory=dict)
    model_quality_uri: str | None = None  # ModelMetrics.ModelQuality.Statistics.S3Uri
    # the XGBoost container (the one that runs no script): its image and model artifact
    image: str = ""
    model_data_url: str = ""
    containers: list[Container] = Field(default_factory=list)  # as registered, in order


class VariantInfo(BaseModel):
    """One production variant of an endpoint: traffic and instances from the endpoint; model and
    instance type from its config; the package from the model's `lockgate:package` tag ("" when
    not read or the model has none)."""

    model_config = ConfigDict(frozen=True)

    name: str
    model: str = ""
    package_arn: str = ""
    instance_type: str = ""
    instances: int = 0
    current_weight: float = 1.0  # 0: out of traffic
    desired_weight: float = 1.0


class EndpointInfo(BaseModel):
    """One endpoint: status, serving config, tags and variants."""

    model_config = ConfigDict(frozen=True)

    name: str
    status: str
    config: str  # EndpointConfigName
    failure_reason: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    variants: list[VariantInfo] = Field(default_factory=list)
    created: datetime | None = None
    last_modified: datetime | None = None

    @property
    def instance_count(self) -> int:
        """Instances behind the endpoint (all variants)."""
        return sum(v.instances for v in self.variants)


class Invocation(BaseModel):
    """One InvokeEndpoint answer: the body as the last container wrote it, and who served it."""

    model_config = ConfigDict(frozen=True)

    body: bytes
    content_type: str = ""
    variant: str = ""  # InvokedProductionVariant


class TransformStatus(BaseModel):
    """A batch transform job as it ended (or as it was at the deadline)."""

    model_config = ConfigDict(frozen=True)

    status: str
    failure_reason: str = ""


class Registry(Protocol):
    """The model registry: package groups and packages (adapters.sagemaker_registry)."""

    def ensure_group(self, name: str, description: str) -> None:
        """Create the model package group unless it exists."""
        ...

    def groups(self, name_contains: str) -> list[str]:
        """Names of the model package groups whose name contains `name_contains`."""
        ...

    def packages(self, group: str, status: str | None = None) -> list[str]:
        """Package ARNs of a group (with this approval status), newest first."""
        ...

    def approved_packages(self, group: str) -> list[tuple[str, int]]:
        """(arn, version) of every Approved package of the group, oldest first ([]: no group)."""
        ...

    def package(self, arn: str) -> PackageInfo:
        """One package."""
        ...

    def latest_approved(self, group: str) -> PackageInfo | None:
        """The newest Approved package of the group, or None."""
        ...

    def find(self, group: str, metadata: dict[str, str]) -> PackageInfo | None:
        """The newest package whose metadata include all of `metadata`."""
        ...

    # the CreateModelPackage request as lockgate.registry.package builds it (a boto3 request body)
    def create(self, request: CreateModelPackageInputTypeDef) -> str:
        """Register a package; its ARN."""
        ...

    def set_approval(
        self, arn: str, status: str, description: str, metadata: dict[str, str] | None = None
    ) -> None:
        """The approval status and its reasons (and the metadata sent back, when given)."""
        ...

    def note_package(self, arn: str, note: str) -> None:
        """Keep a deployment note on the package (metadata `deployNote`)."""
        ...


class Endpoints(Protocol):
    """Models, endpoint configs, endpoints, their variants and invocations
    (adapters.sagemaker_endpoints)."""

    def ensure_model(
        self,
        name: str,
        package: PackageInfo,
        role_arn: str,
        tags: dict[str, str],
    ) -> None:
        """A model of the package's containers unless it exists."""
        ...

    def model_role(self, name: str) -> str:
        """The execution role of a model."""
        ...

    def ensure_endpoint_config(
        self,
        name: str,
        model: str,
        *,
        instance_type: str,
        instances: int,
        capture_uri: str | None,
        tags: dict[str, str],
    ) -> None:
        """One variant, AllTraffic, unless the config exists."""
        ...

    def ensure_variants_config(
        self,
        name: str,
        variants: list[tuple[str, str, float]],
        *,
        instance_type: str,
        instances: int,
        capture_uri: str | None,
        tags: dict[str, str],
    ) -> None:
        """One variant per (name, model, weight) unless the config exists."""
        ...

    def endpoint(self, name: str) -> EndpointInfo | None:
        """The endpoint with its live variants (no models), or None when it does not exist."""
        ...

    def describe(self, name: str) -> EndpointInfo | None:
        """The endpoint with its config's variants (models, instance types), or None."""
        ...

    def list_all(self) -> list[EndpointInfo]:
        """Every endpoint of the account and region (described)."""
        ...

    def tagged(self) -> list[tuple[str, dict[str, str]]]:
        """(name, tags) of every endpoint."""
        ...

    def variants(self, endpoint: str) -> list[VariantInfo]:
        """The live variants with their models and packages."""
        ...

    def create_endpoint(self, name: str, config: str, tags: dict[str, str]) -> None:
        """CreateEndpoint."""
        ...

    # DeploymentConfig as lockgate.deployment.guardrails builds it (a boto3 request body)
    def update_endpoint(
        self, name: str, config: str, deployment_config: DeploymentConfigTypeDef | None
    ) -> None:
        """UpdateEndpoint; EndpointBusy when another update holds the endpoint."""
        ...

    def deploy_package(self, endpoint: EndpointInfo, package: PackageInfo, config_name: str) -> None:
        """A model + one-variant config from the package, then update_endpoint (all at once)."""
        ...

    def wait_for_config(self, name: str, config_name: str, timeout_seconds: float) -> str:
        """Wait until the endpoint is InService or Failed; its EndpointConfigName then."""
        ...

    def set_tags(self, name: str, tags: dict[str, str]) -> None:
        """Replace these tag keys on the endpoint."""
        ...

    def tag(self, name: str, tags: dict[str, str]) -> None:
        """Add tags to the endpoint."""
        ...

    def set_weights(self, name: str, weights: dict[str, float]) -> None:
        """The variants' traffic weights; EndpointBusy while the endpoint updates."""
        ...

    def scale_to_minimum(self, endpoint: EndpointInfo) -> None:
        """One instance per variant."""
        ...

    def delete(self, name: str) -> None:
        """Delete the endpoint only (its config and models stay)."""
        ...

    def invoke_csv(self, endpoint: str, body: str) -> tuple[str, float]:
        """InvokeEndpoint with text/csv: (body, milliseconds)."""
        ...


class Jobs(Protocol):
    """Training, tuning and transform jobs run outside a state machine (adapters.sagemaker_jobs)."""

    def start_transform(
        self, name: str, model: str, input_uri: str, output_path: str, instance_type: str
    ) -> None:
        """A transform of every line of `input_uri` (text/csv)."""
        ...

    def wait_transform(self, name: str, timeout_seconds: float, poll_seconds: float = 1.0) -> TransformStatus:
        """The job once it ends, or InProgress at the deadline."""
        ...

    def transform_model(self, job: str) -> str:
        """The model a transform job ran."""
        ...
