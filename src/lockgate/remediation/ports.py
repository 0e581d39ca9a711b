"""What the reactions need from AWS beyond SageMaker, as protocols (adapters in lockgate.adapters;
fakes in tests). SageMaker's ports and models: lockgate.sagemaker_ports."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from lockgate.deployment.endpoint_alarms import AlarmSpec
from lockgate.messages.ingest import StoredDatasetVersion


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
