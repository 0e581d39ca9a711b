"""What the reactions need from AWS, as protocols (adapters in lockgate.adapters; fakes in tests)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from pydantic import BaseModel, Field

from lockgate.deployment.endpoint_alarms import AlarmSpec
from lockgate.messages.ingest import StoredDatasetVersion


class Variant(BaseModel):
    """One production variant of an endpoint config."""

    name: str
    model_name: str
    instance_type: str = ""
    instance_count: int = 0
    weight: float = 1.0  # CurrentWeight (0: out of traffic)


class EndpointFacts(BaseModel):
    """What a reaction reads about one endpoint."""

    name: str
    status: str
    config_name: str
    tags: dict[str, str] = Field(default_factory=dict)
    variants: list[Variant] = Field(default_factory=list)
    created: datetime | None = None
    last_modified: datetime | None = None

    @property
    def instance_count(self) -> int:
        """Instances behind the endpoint (all variants)."""
        return sum(v.instance_count for v in self.variants)


class Endpoints(Protocol):
    """SageMaker endpoints (lockgate.adapters.sagemaker_endpoints)."""

    def describe(self, name: str) -> EndpointFacts | None:
        """The endpoint, or None when it does not exist."""
        ...

    def list_all(self) -> list[EndpointFacts]:
        """Every endpoint of the account and region."""
        ...

    def delete(self, name: str) -> None:
        """Delete the endpoint only (its config and models stay)."""
        ...

    def scale_to_minimum(self, endpoint: EndpointFacts) -> None:
        """One instance per variant."""
        ...

    def deploy_package(self, endpoint: EndpointFacts, package_arn: str, config_name: str) -> None:
        """Model + endpoint config (named `config_name`, variants like the endpoint's) from a
        package, then update_endpoint to it (no guardrails: a rollback is all at once)."""
        ...

    def wait_for_config(self, name: str, config_name: str, timeout_seconds: float) -> str:
        """Wait until the endpoint is InService or Failed; returns its EndpointConfigName then."""
        ...

    def tag(self, name: str, tags: dict[str, str]) -> None:
        """Add tags to the endpoint."""
        ...

    def set_weights(self, name: str, weights: dict[str, float]) -> None:
        """UpdateEndpointWeightsAndCapacities: the variants' traffic weights."""
        ...


class Alarms(Protocol):
    """The endpoints' CloudWatch alarms (lockgate.adapters.endpoint_alarms)."""

    def put(self, specs: list[AlarmSpec], topic_arn: str = "") -> None:
        """Create or refresh these alarms."""
        ...

    def of_endpoint(self, environment: str, endpoint: str) -> list[str]:
        """This environment's reaction alarms that watch `endpoint`."""
        ...

    def delete(self, names: list[str]) -> None:
        """Delete these alarms."""
        ...

    def reset(self, name: str, reason: str) -> None:
        """Set the alarm back to OK (it evaluates again and transitions anew if still breaching)."""
        ...


class Billing(Protocol):
    """The bill's SageMaker hosting hours (lockgate.adapters.cost_explorer)."""

    def month_hours(self, month_start: date, today: date) -> float | None:
        """Instance-hours billed this month so far, or None when unknown."""
        ...


class Registry(Protocol):
    """The SageMaker Model Registry."""

    def approved_packages(self, group: str) -> list[str]:
        """ARNs of the group's Approved packages, newest first."""
        ...


class Datasets(Protocol):
    """Dataset versions in the data bucket."""

    def latest_version(self, dataset: str) -> StoredDatasetVersion | None:
        """The newest version of the dataset, or None."""
        ...


class Pipelines(Protocol):
    """The train state machine."""

    def running_train(self, dataset: str) -> str | None:
        """The ARN of a RUNNING train execution for the dataset, if any."""
        ...

    def start_train(self, name: str, version: StoredDatasetVersion) -> tuple[str, bool]:
        """Start the train pipeline once per name: (execution ARN, started by this call)."""
        ...


class Announcer(Protocol):
    """People and machines told what was done: SNS, a metric per action, a RemediationTaken event."""

    def notify(self, subject: str, message: str) -> None:
        """One SNS message."""
        ...

    def metric(self, action: str, outcome: str) -> None:
        """One count of `remediation_<action>` with the outcome as a dimension."""
        ...

    def event(self, detail: dict[str, str]) -> None:
        """A `lockgate` RemediationTaken event."""
        ...
