"""The deploy domain: which package to deploy, guardrail configs, smoke comparison."""

from __future__ import annotations

import pytest

from lockgate.deployment.guardrails import deployment_config
from lockgate.deployment.plan import PackageSummary, decide
from lockgate.deployment.smoke import compare, parse_predictions
from lockgate.local.sagemaker.guardrails import GuardrailError, plan_rollout

G = "arn:aws:sagemaker:us-east-1:123456789012:model-package/lockgate-dev-credit"


def _p(version: int, status: str = "Approved") -> PackageSummary:
    return PackageSummary(f"{G}/{version}", version, status)


def test_approved_deploys_unless_superseded_or_live() -> None:
    assert decide(_p(2), [_p(1), _p(2)], None).action == "deploy"
    skipped = decide(_p(1), [_p(1), _p(2)], None)
    assert skipped.action == "skip" and "superseded by approved v2" in skipped.reason
    assert decide(_p(2), [_p(2)], f"{G}/2").action == "skip"


def test_rejecting_the_live_package_restores_the_latest_earlier_approved() -> None:
    decision = decide(_p(3, "Rejected"), [_p(1), _p(2)], f"{G}/3")
    assert decision.action == "restore" and decision.target == _p(2)
    assert decide(_p(3, "Rejected"), [_p(1)], f"{G}/1").action == "skip"  # not live
    assert decide(_p(1, "Rejected"), [], f"{G}/1").action == "skip"  # nothing to go back to


def test_deployment_config_is_what_update_endpoint_accepts() -> None:
    config = deployment_config(
        mode="CANARY", step_percent=10, wait_seconds=300, termination_wait_seconds=120, alarms=["a", "b"]
    )
    plan = plan_rollout(config, new_instances=1)
    assert [s.new_share for s in plan.steps] == [0.1, 1.0] and plan.alarms == ("a", "b")
    with pytest.raises(ValueError, match="outside 1-50%"):
        deployment_config(
            mode="CANARY", step_percent=60, wait_seconds=1, termination_wait_seconds=0, alarms=["a"]
        )
    with pytest.raises(ValueError, match="1 to 10"):
        deployment_config(
            mode="CANARY", step_percent=10, wait_seconds=1, termination_wait_seconds=0, alarms=[]
        )


def test_linear_plan_steps_and_instance_count_canary() -> None:
    linear = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "WaitIntervalInSeconds": 60,
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
            }
        }
    }
    assert [s.new_share for s in plan_rollout(linear, new_instances=4).steps] == [0.25, 0.5, 0.75, 1.0]
    canary = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 60,
                "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 3},
            }
        }
    }
    with pytest.raises(GuardrailError, match="between 1% and 50%"):
        plan_rollout(canary, new_instances=4)  # 3 of 4 instances is 75%
    assert plan_rollout(None, new_instances=1).steps[0].new_share == 1.0  # AWS's default: all at once


def test_smoke_comparison() -> None:
    assert compare([0.1, 0.2], [0.1, 0.20001], 1e-4).passed
    result = compare([0.1, 0.9], [0.1, 0.2], 1e-4)
    assert not result.passed and result.mismatches == 1 and result.max_abs_diff == pytest.approx(0.7)
    assert not compare([0.1], [0.1, 0.2], 1e-4).passed  # a missing row is a mismatch
    assert parse_predictions("0.5\n\n0.25,1\n") == [0.5, 0.25]
