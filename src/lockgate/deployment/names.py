"""Names the deploy pipeline gives SageMaker resources, alarms and executions (agreed in coordination.md)."""

from __future__ import annotations

import hashlib
import re

GROUP_PREFIX = "lockgate-{environment}-"
# A model tagged with this key fails that share (0..1) of its calls with a 500 on the offline endpoint twin.
FAULT_TAG = "lockgate:fault-5xx-rate"
_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


def group_name(environment: str, dataset: str) -> str:
    """The model package group of a dataset."""
    return f"lockgate-{environment}-{dataset}"


def dataset_of_group(environment: str, group: str) -> str:
    """The dataset a group belongs to; ValueError when the group is not Lockgate's."""
    prefix = GROUP_PREFIX.format(environment=environment)
    if not group.startswith(prefix):
        raise ValueError(f"model package group {group!r} does not start with {prefix!r}")
    return group[len(prefix) :]


def endpoint_name(environment: str, dataset: str, stage: str) -> str:
    """`lockgate-<env>-<dataset>-staging` or `lockgate-<env>-<dataset>` (production)."""
    base = f"lockgate-{environment}-{dataset}"
    return base if stage == "prod" else f"{base}-staging"


def resource_name(environment: str, dataset: str, version: int, package_arn: str, suffix: str) -> str:
    """A SageMaker model/config name (<= 63 chars, [A-Za-z0-9-]) unique per package and purpose."""
    digest = hashlib.sha256(package_arn.encode()).hexdigest()[:8]
    stem = _UNSAFE.sub("-", f"lg-{environment}-{dataset}")[:36].rstrip("-")
    return f"{stem}-v{version}-{digest}-{suffix}"[:63]


def prod_endpoint_of_group(group: str) -> str:
    """The production endpoint of a model package group: the same name (`lockgate-<env>-<dataset>`)."""
    return group


def alarm_names(endpoint: str) -> tuple[str, str]:
    """The rollback alarms of a production endpoint: 5XX errors and model latency."""
    return f"{endpoint}-5xx", f"{endpoint}-latency"


def execution_name(package_arn: str, status: str) -> str:
    """One deploy run per package and approval status (Step Functions names: <= 80 chars)."""
    digest = hashlib.sha256(f"{package_arn}|{status}".encode()).hexdigest()[:16]
    version = package_arn.rsplit("/", 1)[-1]
    group = _UNSAFE.sub("-", package_arn.rsplit("/", 2)[-2] if "/" in package_arn else "package")
    return f"{group[:40]}-v{version[:8]}-{status[:10]}-{digest}"[:80]
