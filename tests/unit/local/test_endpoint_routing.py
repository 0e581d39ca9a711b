"""The endpoint twin's blue/green routing: during a canary step the new fleet takes its share of the
calls, no more and no less (the demo's traffic split once read 0%/100%; the cause was the demo's
request rows, not this routing, and this test pins the routing down)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import invocation
from lockgate.local.sagemaker.endpoints import EndpointState, EndpointTwin, Fleet

CALLS = 20_000


def _fleet(config: str, model: str) -> Fleet:
    return Fleet(config, [{"VariantName": "AllTraffic", "ModelName": model, "InitialVariantWeight": 1.0}], {})


def _new_share(new_share: float, target: str | None = None) -> float:
    twin = EndpointTwin(LocalClock(1000))
    twin.random = random.Random(7)
    state = EndpointState(live=_fleet("old", "m-old"), new=_fleet("new", "m-new"), new_share=new_share)
    endpoint = SimpleNamespace(production_variants=[{"VariantName": "AllTraffic", "CurrentWeight": 1.0}])
    reached = 0
    for _ in range(CALLS):
        fleet, variant = invocation.route(state, endpoint, twin.random, target)
        assert variant is not None and variant["ModelName"] == fleet.variants[0]["ModelName"]
        reached += fleet is state.new
    return reached / CALLS


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 1.0])
def test_the_canary_takes_its_share_of_the_calls(share: float) -> None:
    assert _new_share(share) == pytest.approx(share, abs=0.01)


def test_target_variant_does_not_bypass_the_canary_split() -> None:
    assert _new_share(0.1, target="AllTraffic") == pytest.approx(0.1, abs=0.01)
