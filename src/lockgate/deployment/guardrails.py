"""The DeploymentConfig of a production update: blue/green canary (or linear) with rollback alarms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.literals import TrafficRoutingConfigTypeType
    from mypy_boto3_sagemaker.type_defs import DeploymentConfigTypeDef, TrafficRoutingConfigTypeDef

MAX_CANARY_PERCENT = 50  # AWS advises a canary of at most half the fleet


class CanaryParameters(Protocol):
    """The production guardrails of an update (composition.endpoint_update's settings)."""

    @property
    def traffic_mode(self) -> str: ...
    @property
    def canary_percent(self) -> int: ...
    @property
    def canary_wait_seconds(self) -> int: ...
    @property
    def termination_wait_seconds(self) -> int: ...


def deployment_config(
    *,
    mode: str,
    step_percent: int,
    wait_seconds: int,
    termination_wait_seconds: int,
    alarms: list[str],
    max_execution_seconds: int | None = None,
) -> DeploymentConfigTypeDef:
    """UpdateEndpoint's DeploymentConfig; ValueError for values SageMaker would reject."""
    if mode not in ("CANARY", "LINEAR", "ALL_AT_ONCE"):
        raise ValueError(f"traffic mode {mode!r} is not CANARY, LINEAR or ALL_AT_ONCE")
    if mode != "ALL_AT_ONCE" and not 1 <= step_percent <= MAX_CANARY_PERCENT:
        raise ValueError(f"canary/linear step {step_percent}% is outside 1-{MAX_CANARY_PERCENT}%")
    if not 1 <= len(alarms) <= 10:
        raise ValueError(f"{len(alarms)} rollback alarms: SageMaker takes 1 to 10")
    routing: TrafficRoutingConfigTypeDef = {
        "Type": cast("TrafficRoutingConfigTypeType", mode),  # one of the three, checked above
        "WaitIntervalInSeconds": wait_seconds,
    }
    if mode == "CANARY":
        routing["CanarySize"] = {"Type": "CAPACITY_PERCENT", "Value": step_percent}
    elif mode == "LINEAR":
        routing["LinearStepSize"] = {"Type": "CAPACITY_PERCENT", "Value": step_percent}
    steps = 1 if mode != "LINEAR" else -(-100 // step_percent)
    waited = wait_seconds * steps + termination_wait_seconds
    maximum = max_execution_seconds or min(28800, max(600, waited * 2 + 300))
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": termination_wait_seconds,
            "MaximumExecutionTimeoutInSeconds": maximum,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name} for name in alarms]},
    }
