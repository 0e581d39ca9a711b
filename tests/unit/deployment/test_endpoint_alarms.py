"""Each endpoint's alarms, owned by the deploy pipeline: the specs, sync against moto's CloudWatch
(two endpoints side by side; variants and endpoints that go lose their alarms), the poll that
creates them once an endpoint is InService, and a promotion that removes the loser's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.deployment import endpoint_alarms, promotion, service
from lockgate.deployment.endpoint_alarms import AlarmSettings, live_variants
from lockgate.deployment.endpoint_alarms import endpoint_alarms as specs_of
from lockgate.messages.deploy import EndpointStatusRequest, PromoteRequest
from lockgate.remediation.alarms import parse_alarm_name
from lockgate.sagemaker_ports import VariantInfo

from .test_ab_variants import ARN, FakeRegistry, Recorder

SETTINGS = AlarmSettings(idle_period_seconds=60, idle_periods=5, latency_microseconds=250_000)


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def _names(cloudwatch: Any) -> set[str]:
    return {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}


def test_specs_per_stage_and_variant_follow_the_naming_convention() -> None:
    prod = specs_of("dev", "lockgate-dev-credit", ["champion", "challenger"], SETTINGS, f"{ARN}/2")
    names = {s.name for s in prod}
    assert names == {
        "lockgate-dev-idle-credit-prod",
        "lockgate-dev-rollback-credit-champion-5xx",
        "lockgate-dev-rollback-credit-champion-latency",
        "lockgate-dev-rollback-credit-challenger-5xx",
        "lockgate-dev-rollback-credit-challenger-latency",
        "lockgate-dev-drift-credit-features",
        "lockgate-dev-notify-credit-bias",
    }
    for spec in prod:
        ref = parse_alarm_name(spec.name, "dev")
        assert ref is not None and ref.reaction.value == spec.reaction == spec.tags["lockgate:reaction"]
        assert spec.dimensions["EndpointName"] == "lockgate-dev-credit"
        assert (
            spec.tags["lockgate:endpoint"] == "lockgate-dev-credit"
            and spec.tags["lockgate:package"] == f"{ARN}/2"
        )
    (challenger,) = [s for s in prod if s.name.endswith("challenger-5xx")]
    assert challenger.dimensions["VariantName"] == "challenger"
    (idle,) = [s for s in prod if s.reaction == "idle"]
    assert idle.dimensions["VariantName"] == "champion" and idle.period * idle.evaluation_periods == 300
    staging = specs_of("dev", "lockgate-dev-credit-staging", ["AllTraffic"], SETTINGS)
    assert [s.name for s in staging] == ["lockgate-dev-idle-credit-staging"]
    single = {s.name for s in specs_of("dev", "lockgate-dev-credit", ["AllTraffic"], SETTINGS)}
    assert "lockgate-dev-rollback-credit-5xx" in single
    assert specs_of("dev", "someone-elses", ["AllTraffic"], SETTINGS) == []


def test_live_variants_skip_weight_zero_and_order_by_traffic() -> None:
    described = [
        VariantInfo(name="champion", current_weight=0.0),
        VariantInfo(name="challenger", current_weight=1.0),
    ]
    assert live_variants(described) == ["challenger"]
    assert live_variants(
        [VariantInfo(name="a", current_weight=1), VariantInfo(name="b", current_weight=9)]
    ) == [
        "b",
        "a",
    ]


def test_two_endpoints_each_have_their_alarms_and_deleting_one_leaves_the_other(cloudwatch: Any) -> None:
    store = EndpointAlarms(cloudwatch)
    for dataset in ("credit", "loans"):
        endpoint_alarms.sync(store, "dev", f"lockgate-dev-{dataset}", ["AllTraffic"], settings=SETTINGS)
    cloudwatch.put_metric_alarm(  # the canary guardrail's alarm is not a reaction alarm: never touched
        AlarmName="lockgate-dev-credit-5xx",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "lockgate-dev-credit"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    before = _names(cloudwatch)
    assert len(before) == 11
    kept, deleted = endpoint_alarms.sync(store, "dev", "lockgate-dev-credit", [], settings=SETTINGS)
    assert kept == [] and len(deleted) == 5
    assert _names(cloudwatch) == {n for n in before if "loans" in n} | {"lockgate-dev-credit-5xx"}


def test_a_variant_that_goes_loses_its_alarms_and_tags_follow_the_package(cloudwatch: Any) -> None:
    store = EndpointAlarms(cloudwatch)
    endpoint = "lockgate-dev-credit"
    endpoint_alarms.sync(
        store, "dev", endpoint, ["champion", "challenger"], settings=SETTINGS, package_arn="p1"
    )
    endpoint_alarms.sync(store, "dev", endpoint, ["challenger"], settings=SETTINGS, package_arn="p2")
    names = _names(cloudwatch)
    assert not any("champion" in n for n in names) and "lockgate-dev-rollback-credit-challenger-5xx" in names
    arn = cloudwatch.describe_alarms(AlarmNames=["lockgate-dev-idle-credit-prod"])["MetricAlarms"][0][
        "AlarmArn"
    ]
    tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}
    assert tags["lockgate:package"] == "p2" and tags["lockgate:reaction"] == "idle"


def test_the_poll_creates_the_alarms_once_the_endpoint_is_in_service(cloudwatch: Any) -> None:
    store, registry = EndpointAlarms(cloudwatch), FakeRegistry(live=f"{ARN}/1")
    request = EndpointStatusRequest(
        endpoint="lockgate-dev-credit", config="old-config", package_arn=f"{ARN}/2"
    )
    registry.status = "Updating"
    service.poll(request, registry, store, SETTINGS, "dev")
    assert _names(cloudwatch) == set()  # not yet: the idle window starts at InService
    registry.status = "InService"
    service.poll(request, registry, store, SETTINGS, "dev")
    assert "lockgate-dev-idle-credit-prod" in _names(cloudwatch) and len(_names(cloudwatch)) == 5


def test_a_promotion_removes_the_losers_alarms(cloudwatch: Any) -> None:
    store = EndpointAlarms(cloudwatch)
    registry = FakeRegistry(live=f"{ARN}/1", variant_names=("champion", "challenger"))
    endpoint_alarms.sync(store, "dev", "lockgate-dev-credit", ["champion", "challenger"], settings=SETTINGS)
    request = PromoteRequest(endpoint="lockgate-dev-credit", variant="challenger", by="jane")
    recorder = Recorder()
    promotion.promote(
        request,
        registry,
        recorder,
        recorder,
        recorder,
        endpoints=registry,
        action_id="r",
        alarms=store,
        environment="dev",
    )
    names = _names(cloudwatch)
    assert not any("champion" in n for n in names) and "lockgate-dev-rollback-credit-challenger-5xx" in names
