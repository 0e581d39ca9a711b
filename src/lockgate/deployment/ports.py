"""What the deploy service needs from AWS beyond SageMaker, as protocols (adapters in
lockgate.adapters; fakes in tests). SageMaker's ports and models: lockgate.sagemaker_ports."""

from __future__ import annotations

from typing import Protocol


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
    """`lockgate` events (adapters.events.EventBus)."""

    def put(self, detail_type: str, detail: dict[str, str], resources: list[str]) -> None: ...


class Notifier(Protocol):
    """Messages for people (adapters.sns.Notifier)."""

    def publish(self, subject: str, message: str) -> str: ...


class Objects(Protocol):
    """Reads of small S3 objects (adapters.s3.S3Store)."""

    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes: ...
