"""What the deploy service needs from AWS, as protocols (adapters in lockgate.adapters; fakes in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PackageInfo:
    """What deployment reads from a model package."""

    arn: str
    group: str
    version: int
    status: str
    model_data_url: str
    image: str
    metadata: dict[str, str]
    approval_description: str
    # InferenceSpecification.Containers as registered: more than one is an inference pipeline
    # (encoder -> XGBoost -> encoder, lockgate.serving.artifact), created as one serial model
    containers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class EndpointInfo:
    """DescribeEndpoint without datetimes."""

    name: str
    status: str
    config: str
    failure_reason: str
    tags: dict[str, str]
    variants: list[dict[str, Any]]


@dataclass(frozen=True)
class VariantInfo:
    """One production variant of a live endpoint, with the package its model came from."""

    name: str
    model: str
    package_arn: str  # the model's `lockgate:package` tag ("" when the model has none)
    current_weight: float
    desired_weight: float
    instances: int


class Registry(Protocol):
    """Model packages, models, endpoint configs, endpoints and invocations (adapters.sagemaker_deploy)."""

    def package(self, arn: str) -> PackageInfo: ...
    def approved_packages(self, group: str) -> list[tuple[str, int]]: ...
    def note_package(self, arn: str, note: str) -> None: ...
    def ensure_model(
        self,
        name: str,
        image: str,
        model_data_url: str,
        role_arn: str,
        tags: dict[str, str],
        *,
        containers: list[dict[str, Any]] | None = None,
    ) -> None: ...
    def ensure_endpoint_config(
        self,
        name: str,
        model: str,
        *,
        instance_type: str,
        instances: int,
        capture_uri: str | None,
        tags: dict[str, str],
    ) -> None: ...
    def ensure_variants_config(
        self,
        name: str,
        variants: list[tuple[str, str, float]],
        *,
        instance_type: str,
        instances: int,
        capture_uri: str | None,
        tags: dict[str, str],
    ) -> None: ...
    def endpoint(self, name: str) -> EndpointInfo | None: ...
    def create_endpoint(self, name: str, config: str, tags: dict[str, str]) -> None: ...
    def update_endpoint(self, name: str, config: str, deployment_config: dict[str, Any] | None) -> None: ...
    def set_tags(self, name: str, tags: dict[str, str]) -> None: ...
    def invoke_csv(self, endpoint: str, body: str) -> tuple[str, float]: ...
    def variants(self, endpoint: str) -> list[VariantInfo]: ...
    def set_weights(self, endpoint: str, weights: dict[str, float]) -> None: ...


class Alarms(Protocol):
    """The rollback alarms (adapters.endpoint_alarms)."""

    def ensure(
        self, endpoint: str, five_xx_name: str, latency_name: str, latency_ms: float, topic_arn: str
    ) -> list[str]: ...


class Records(Protocol):
    """Lineage and approval tokens (adapters.deploy_records)."""

    def link(self, parent: str, child: str, **attrs: str) -> None: ...
    def store_approval(self, package_arn: str, token: str, execution: str) -> None: ...


class Events(Protocol):
    """`lockgate` events (adapters.deploy_events)."""

    def put(self, detail_type: str, detail: dict[str, str], resources: list[str]) -> None: ...


class Notifier(Protocol):
    """Messages for people (adapters.sns.Notifier)."""

    def publish(self, subject: str, message: str) -> str: ...


class Objects(Protocol):
    """Reads of small S3 objects (adapters.s3.S3Store)."""

    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes: ...
