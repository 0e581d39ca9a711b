"""UpdateEndpoint's DeploymentConfig, validated as SageMaker validates it, and turned into a rollout plan.

Ranges from the SageMaker API reference (BlueGreenUpdatePolicy, TrafficRoutingConfig, CapacitySize,
AutoRollbackConfig): WaitIntervalInSeconds 0-3600, TerminationWaitInSeconds 0-3600,
MaximumExecutionTimeoutInSeconds 600-28800 and larger than the waits it covers, CapacitySize.Value >= 1,
1-10 rollback alarms. The deployment-guardrails guide adds: a canary is at most 50% of the fleet and a
linear step 10-50%. Pure Python: the endpoint twin calls it before it accepts an update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

TRAFFIC_TYPES = ("ALL_AT_ONCE", "CANARY", "LINEAR")
CAPACITY_TYPES = ("INSTANCE_COUNT", "CAPACITY_PERCENT")
MAX_ALARMS = 10


class GuardrailError(ValueError):
    """A DeploymentConfig SageMaker rejects (the twin answers ValidationException with this message)."""


@dataclass(frozen=True)
class Step:
    """After this step the new fleet takes `new_share` of the traffic, for `bake_seconds`."""

    new_share: float
    bake_seconds: float


@dataclass(frozen=True)
class RolloutPlan:
    """How traffic moves from the old fleet to the new one, and what is watched meanwhile."""

    steps: tuple[Step, ...]
    termination_wait_seconds: float
    max_execution_seconds: float
    alarms: tuple[str, ...]


def _constraint(path: str, value: object, rule: str) -> GuardrailError:
    return GuardrailError(
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {rule}"
    )


def _int_in(config: dict[str, Any], key: str, path: str, *, low: int, high: int, default: int) -> int:
    value = config.get(key, default)
    if not isinstance(value, int) or not low <= value <= high:
        raise _constraint(
            f"{path}.{key[0].lower()}{key[1:]}",
            value,
            f"Member must have value greater than or equal to {low} and less than or equal to {high}",
        )
    return value


def _share(size: dict[str, Any] | None, path: str, instances: int, low_pct: int, high_pct: int) -> float:
    if not isinstance(size, dict):
        raise GuardrailError(f"{path} is required for this traffic routing type.")
    kind, value = size.get("Type"), size.get("Value")
    if kind not in CAPACITY_TYPES:
        raise _constraint(f"{path}.type", kind, f"Member must satisfy enum value set: {list(CAPACITY_TYPES)}")
    if not isinstance(value, int) or value < 1:
        raise _constraint(f"{path}.value", value, "Member must have value greater than or equal to 1")
    share = value / 100 if kind == "CAPACITY_PERCENT" else value / max(instances, 1)
    if not low_pct / 100 <= share <= high_pct / 100:
        raise GuardrailError(
            f"{path} must be between {low_pct}% and {high_pct}% of the new fleet's capacity "
            f"({instances} instance(s)); got {kind} {value} ({share:.0%})."
        )
    return share


def plan_rollout(deployment_config: dict[str, Any] | None, *, new_instances: int) -> RolloutPlan:
    """Validate `deployment_config` as UpdateEndpoint does; return the plan (AWS's default: all at once)."""
    config = deployment_config or {}
    if "RollingUpdatePolicy" in config:
        raise GuardrailError("RollingUpdatePolicy is not supported by the Lockgate endpoint twin.")
    policy = config.get("BlueGreenUpdatePolicy") or {
        "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
    }
    base = "deploymentConfig.blueGreenUpdatePolicy"
    routing = policy.get("TrafficRoutingConfiguration")
    if not isinstance(routing, dict):
        raise GuardrailError(f"{base}.trafficRoutingConfiguration is required.")
    kind = routing.get("Type")
    if kind not in TRAFFIC_TYPES:
        raise _constraint(
            f"{base}.trafficRoutingConfiguration.type",
            kind,
            f"Member must satisfy enum value set: {list(TRAFFIC_TYPES)}",
        )
    path = f"{base}.trafficRoutingConfiguration"
    wait = _int_in(routing, "WaitIntervalInSeconds", path, low=0, high=3600, default=0)
    termination = _int_in(policy, "TerminationWaitInSeconds", base, low=0, high=3600, default=0)
    steps: list[Step]
    if kind == "ALL_AT_ONCE":
        steps = [Step(1.0, wait)]
    elif kind == "CANARY":
        share = _share(routing.get("CanarySize"), f"{path}.canarySize", new_instances, 1, 50)
        steps = [Step(share, wait), Step(1.0, 0)]
    else:
        share = _share(routing.get("LinearStepSize"), f"{path}.linearStepSize", new_instances, 10, 50)
        count = math.ceil(1 / share)
        steps = [Step(min(1.0, share * (i + 1)), wait if i + 1 < count else 0) for i in range(count)]
    waited = sum(step.bake_seconds for step in steps) + termination
    maximum = _int_in(policy, "MaximumExecutionTimeoutInSeconds", base, low=600, high=28800, default=28800)
    if maximum <= waited:
        raise GuardrailError(
            f"{base}.maximumExecutionTimeoutInSeconds ({maximum}) must be larger than the total waiting time "
            f"of TerminationWaitInSeconds and WaitIntervalInSeconds ({waited:.0f})."
        )
    rollback = config.get("AutoRollbackConfiguration")
    alarms: tuple[str, ...] = ()
    if rollback is not None:
        listed = rollback.get("Alarms") or []
        if not 1 <= len(listed) <= MAX_ALARMS:
            raise _constraint(
                "deploymentConfig.autoRollbackConfiguration.alarms",
                len(listed),
                f"Member must have length greater than or equal to 1 and less than or equal to {MAX_ALARMS}",
            )
        alarms = tuple(str(alarm["AlarmName"]) for alarm in listed)
    return RolloutPlan(tuple(steps), float(termination), float(maximum), alarms)
