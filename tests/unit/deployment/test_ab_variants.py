"""A/B variants without AWS: weights, names, what PrepareDeployment / EndpointUpdate / RecordDeployment /
PromoteVariant ask of SageMaker (a fake registry records it), and the typed errors of bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lockgate.composition.endpoint_update import EndpointUpdateSettings
from lockgate.composition.prepare_deployment import PrepareDeploymentSettings
from lockgate.data.contract import load_contract
from lockgate.deployment import promotion, service, variants
from lockgate.errors import ContractInvalid, EndpointBusy, NoLiveChampion, VariantsInvalid
from lockgate.messages.deploy import (
    DeployRunInput,
    EndpointTarget,
    EndpointUpdateRequest,
    PromoteRequest,
    RecordRequest,
    VariantWeights,
)
from lockgate.sagemaker_ports import EndpointInfo, PackageInfo, VariantInfo

GROUP = "lockgate-dev-credit"
ARN = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}"
CREDIT = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"
OPTIONS = PrepareDeploymentSettings(environment="dev", sagemaker_role_arn="role", artifact_bucket="art")
CANARY = EndpointUpdateSettings(environment="dev")


class FakeRegistry:
    """The Registry and Endpoints ports in memory: packages, one endpoint, what was created and updated."""

    def __init__(self, live: str | None = None, variant_names: tuple[str, ...] = ("AllTraffic",)) -> None:
        self.configs: dict[str, list[tuple[str, str, float]]] = {}
        self.models: list[str] = []
        self.updates: list[tuple[str, str, Any]] = []
        self.weights: list[dict[str, float]] = []
        self.tags: dict[str, str] = {"lockgate:package": live} if live else {}
        self.notes: list[str] = []
        self.live = live
        self.status = "InService"
        self.variant_names = variant_names

    def package(self, arn: str) -> PackageInfo:
        version = int(arn.rsplit("/", 1)[-1])
        metadata = {"testData": "s3://b/t.csv", "predictions": "s3://b/p.out"}
        return PackageInfo(
            arn=arn,
            group=GROUP,
            version=version,
            status="Approved",
            model_data_url=f"s3://b/m{version}.tar.gz",
            image="xgb",
            metadata=metadata,
        )

    def approved_packages(self, group: str) -> list[tuple[str, int]]:
        return [(f"{ARN}/{v}", v) for v in (1, 2)]

    def note_package(self, arn: str, note: str) -> None:
        self.notes.append(note)

    def ensure_model(self, name: str, package: PackageInfo, role: str, tags: dict[str, str]) -> None:
        self.models.append(name)

    def ensure_endpoint_config(self, name: str, model: str, **kwargs: Any) -> None:
        self.configs[name] = [("AllTraffic", model, 1.0)]

    def ensure_variants_config(self, name: str, plan: list[tuple[str, str, float]], **kwargs: Any) -> None:
        self.configs[name] = plan

    def endpoint(self, name: str) -> EndpointInfo | None:
        if self.live is None:
            return None
        variant_list = [VariantInfo(name=n) for n in self.variant_names]
        return EndpointInfo(
            name=name, status=self.status, config="old-config", tags=dict(self.tags), variants=variant_list
        )

    def create_endpoint(self, name: str, config: str, tags: dict[str, str]) -> None:
        raise AssertionError("not in these tests")

    def update_endpoint(self, name: str, config: str, deployment_config: Any) -> None:
        self.updates.append((name, config, deployment_config))

    def set_tags(self, name: str, tags: dict[str, str]) -> None:
        self.tags.update(tags)

    def invoke_csv(self, endpoint: str, body: str) -> tuple[str, float]:
        raise AssertionError("not in these tests")

    def variants(self, endpoint: str) -> list[VariantInfo]:
        return [
            VariantInfo(name=n, model=f"model-{n}", package_arn=f"{ARN}/{i + 1}", instances=1)
            for i, n in enumerate(self.variant_names)
        ]

    def set_weights(self, endpoint: str, weights: dict[str, float]) -> None:
        self.weights.append(weights)


class FakeAlarms:
    def ensure(self, endpoint: str, five_xx: str, latency: str, ms: float, topic: str) -> list[str]:
        return [five_xx, latency]


class Recorder:
    """Records, Events and Notifier at once."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str, dict[str, str]]] = []
        self.events: list[tuple[str, dict[str, str]]] = []
        self.messages: list[tuple[str, str]] = []

    def link(self, parent: str, child: str, **attrs: str) -> None:
        self.links.append((parent, child, attrs))

    def store_approval(self, package_arn: str, token: str, execution: str) -> None:
        raise AssertionError("not in these tests")

    def put(self, detail_type: str, detail: dict[str, str], resources: list[str]) -> None:
        self.events.append((detail_type, detail))

    def publish(self, subject: str, message: str) -> str:
        self.messages.append((subject, message))
        return "id"


def _run(version: int = 2, weights: tuple[float, float] | None = None) -> DeployRunInput:
    asked = VariantWeights(champion=weights[0], challenger=weights[1]) if weights else None
    return DeployRunInput(
        package_arn=f"{ARN}/{version}", status="Approved", group=GROUP, version=version, variants=asked
    )


# ------------------------------------------------------------------------------------------ weights


def test_split_parsing_and_its_errors() -> None:
    split = variants.parse_split("90/10")
    assert (split.champion, split.challenger, split.label()) == (90, 10, "90/10")
    assert split.challenger_share == pytest.approx(0.1)
    assert variants.parse_split(" 0/1 ").challenger_share == 1.0  # all to the challenger is allowed
    for text, message in (
        ("90", "not CHAMPION/CHALLENGER"),
        ("a/b", "not CHAMPION/CHALLENGER"),
        ("90/-10", "challenger weight -10 is negative"),
        ("0/0", "both weights are 0"),
        ("nan/1", "not a number"),
    ):
        with pytest.raises(VariantsInvalid, match=message):
            variants.parse_split(text)


def test_step_model_and_contract_refuse_the_same_weights() -> None:
    with pytest.raises(ValidationError, match="both weights are 0"):
        VariantWeights(champion=0, challenger=0)
    with pytest.raises(ValidationError, match="negative"):
        VariantWeights(champion=-1, challenger=5)
    text = CREDIT.read_text()
    assert load_contract(text).deployment.variants is None
    ab = load_contract(text + "deployment:\n  variants: {champion: 90, challenger: 10}\n")
    assert ab.deployment.variants is not None and ab.deployment.variants.challenger == 10
    with pytest.raises(ContractInvalid, match="deployment"):
        load_contract(text + "deployment:\n  variants: {champion: 0, challenger: 0}\n")


def test_promotion_weights() -> None:
    assert variants.promotion_weights(["champion", "challenger"], "challenger") == {
        "champion": 0.0,
        "challenger": 1.0,
    }
    with pytest.raises(VariantsInvalid, match="no variant 'nope'"):
        variants.promotion_weights(["champion", "challenger"], "nope")
    with pytest.raises(VariantsInvalid, match="single variant"):
        variants.promotion_weights(["AllTraffic"], "AllTraffic")


def test_ab_config_names_differ_by_champion_and_split() -> None:
    a = variants.config_suffix(f"{ARN}/1", variants.Split(90, 10))
    assert a != variants.config_suffix(f"{ARN}/1", variants.Split(80, 20))
    assert a != variants.config_suffix(f"{ARN}/3", variants.Split(90, 10))
    assert a.startswith("ab") and len(a) == 8


# ------------------------------------------------------------------------------------------ service


def test_prepare_puts_champion_and_challenger_in_one_config() -> None:
    registry = FakeRegistry(live=f"{ARN}/1")
    plan = service.prepare(_run(2, (90, 10)), registry, FakeAlarms(), OPTIONS, endpoints=registry)
    assert plan.prod is not None and plan.action == "deploy"
    assert [(v.name, v.package_arn, v.weight) for v in plan.prod.variants] == [
        ("champion", f"{ARN}/1", 90),
        ("challenger", f"{ARN}/2", 10),
    ]
    champion_model, challenger_model = (v.model for v in plan.prod.variants)
    assert registry.configs[plan.prod.config] == [
        ("champion", champion_model, 90.0),
        ("challenger", challenger_model, 10.0),
    ]
    assert champion_model in registry.models and "A/B 90/10 (--variants)" in plan.reason


def test_prepare_without_a_champion_fails_when_asked_and_falls_back_for_the_contract() -> None:
    with pytest.raises(NoLiveChampion, match="serves no model yet"):
        empty = FakeRegistry(live=None)
        service.prepare(_run(2, (90, 10)), empty, FakeAlarms(), OPTIONS, endpoints=empty)
    empty = FakeRegistry(live=None)
    plan = service.prepare(
        _run(2), empty, FakeAlarms(), OPTIONS, lambda _: variants.Split(90, 10), endpoints=empty
    )
    assert plan.prod is not None and plan.prod.variants == []
    assert "contract asks for A/B 90/10" in plan.reason and "only variant" in plan.reason
    live = FakeRegistry(live=f"{ARN}/1")
    contract = service.prepare(
        _run(2), live, FakeAlarms(), OPTIONS, lambda _: variants.Split(3, 1), endpoints=live
    )
    assert contract.prod is not None and [v.weight for v in contract.prod.variants] == [3, 1]


def _update(registry: FakeRegistry, names: tuple[str, ...]) -> str:
    target = EndpointTarget(
        endpoint="lockgate-dev-credit",
        config="new-config",
        stage="prod",
        alarms=["a"],
        variants=[
            {"name": n, "packageArn": f"{ARN}/{i}", "model": n, "weight": 1}  # type: ignore[list-item]
            for i, n in enumerate(names)
        ],
    )
    result = service.update_endpoint(
        EndpointUpdateRequest(target=target, package_arn=f"{ARN}/2", dataset="credit"), registry, CANARY
    )
    return result.note


def test_the_canary_applies_only_while_the_variant_names_stay() -> None:
    single_to_ab = FakeRegistry(live=f"{ARN}/1")
    assert "all at once" in _update(single_to_ab, ("champion", "challenger"))
    assert single_to_ab.updates[-1][2] is None  # AWS refuses blue/green across variant names
    ab_to_ab = FakeRegistry(live=f"{ARN}/1", variant_names=("champion", "challenger"))
    assert _update(ab_to_ab, ("champion", "challenger")) == ""
    assert ab_to_ab.updates[-1][2]["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": "a"}]
    ab_to_single = FakeRegistry(live=f"{ARN}/1", variant_names=("champion", "challenger"))
    assert "AllTraffic" in _update(ab_to_single, ())
    single = FakeRegistry(live=f"{ARN}/1")
    assert _update(single, ()) == "" and single.updates[-1][2] is not None


def test_record_of_an_ab_keeps_the_champion_live() -> None:
    registry, recorder = FakeRegistry(live=f"{ARN}/1"), Recorder()
    plan = service.prepare(_run(2, (90, 10)), registry, FakeAlarms(), OPTIONS, endpoints=registry)
    assert plan.prod is not None
    request = RecordRequest(
        package_arn=f"{ARN}/2",
        dataset="credit",
        endpoint=plan.prod.endpoint,
        config=plan.prod.config,
        execution="run",
        outcome="deployed",
        variants=plan.prod.variants,
    )
    service.record(request, registry, recorder, recorder, recorder, endpoints=registry)
    assert registry.tags["lockgate:package"] == f"{ARN}/1"
    assert "A/B test live" in recorder.messages[0][0] and "lockgate promote" in recorder.messages[0][1]
    assert "challenger 10" in recorder.events[0][1]["variants"]


def test_promote_moves_all_traffic_and_records_who_and_why() -> None:
    registry, recorder = FakeRegistry(live=f"{ARN}/1", variant_names=("champion", "challenger")), Recorder()
    request = PromoteRequest(endpoint="lockgate-dev-credit", variant="challenger", by="jane", reason="better")
    result = promotion.promote(
        request, registry, recorder, recorder, recorder, endpoints=registry, action_id="r1"
    )
    assert registry.weights == [{"champion": 0.0, "challenger": 1.0}]
    assert result.package_arn == f"{ARN}/2" and registry.tags["lockgate:package"] == f"{ARN}/2"
    children = {child for _, child, _ in recorder.links}
    assert "action#promote/lockgate-dev-credit/r1" in children and "endpoint#lockgate-dev-credit" in children
    assert all(attrs["by"] == "jane" and attrs["reason"] == "better" for *_, attrs in recorder.links)
    assert recorder.events[0][0] == "VariantPromoted" and "promoted" in recorder.messages[0][0]


def test_promote_refuses_what_cannot_be_promoted_and_changes_nothing() -> None:
    def attempt(registry: FakeRegistry, variant: str) -> None:
        request = PromoteRequest(endpoint="lockgate-dev-credit", variant=variant)
        promotion.promote(
            request, registry, Recorder(), Recorder(), Recorder(), endpoints=registry, action_id="r"
        )

    two = ("champion", "challenger")
    with pytest.raises(VariantsInvalid, match="no variant 'winner'"):
        attempt(FakeRegistry(live=f"{ARN}/1", variant_names=two), "winner")
    single = FakeRegistry(live=f"{ARN}/1")
    with pytest.raises(VariantsInvalid, match="single variant"):
        attempt(single, "AllTraffic")
    with pytest.raises(VariantsInvalid, match="no endpoint"):
        attempt(FakeRegistry(live=None), "challenger")
    busy = FakeRegistry(live=f"{ARN}/1", variant_names=two)
    busy.status = "Updating"
    with pytest.raises(EndpointBusy, match="promote once it is InService"):
        attempt(busy, "challenger")
    assert single.weights == [] and busy.weights == [] and busy.tags["lockgate:package"] == f"{ARN}/1"
