"""The contract's bias section is the gate policy: its schema says what the gate supports, and a bad
confidence level, group minimum, margin or per-facet threshold is ContractInvalid naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lockgate.bias.policy import GatePolicy, Threshold
from lockgate.data.contract import contract_json_schema, load_contract
from lockgate.errors import ContractInvalid

CONTRACT = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"


def with_bias(**extra: object) -> str:
    text = CONTRACT.read_text()
    lines = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in extra.items())
    return text.replace("  confidence: 0.95\n  min_group_rows: 30\n  margin: 0.0\n", lines)


def test_the_credit_contract_gives_the_policy_directly() -> None:
    policy = load_contract(CONTRACT).bias
    assert isinstance(policy, GatePolicy)
    plain = policy.gate_policy()
    assert type(plain) is GatePolicy and plain.confidence == 0.95 and plain.min_group_rows == 30
    assert plain.threshold_for("foreign_worker", "DPL") == Threshold(min=-0.1, max=0.1)


def test_without_settings_the_defaults_apply() -> None:
    policy = load_contract(with_bias()).bias
    assert policy is not None and (policy.confidence, policy.min_group_rows, policy.margin) == (0.95, 30, 0.0)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.2])
def test_a_confidence_level_outside_zero_one_names_bias_confidence(level: float) -> None:
    with pytest.raises(ContractInvalid) as caught:
        load_contract(with_bias(confidence=level))
    assert caught.value.field == "bias.confidence"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"min_group_rows": -5}, "bias.min_group_rows"),
        ({"margin": -0.1}, "bias.margin"),
        ({"facet_thresholds": {"sex": {"DPL": {"min": 1, "max": 0}}}}, "bias.facet_thresholds.sex.DPL"),
        ({"facet_thresholds": {"colour": {"DPL": {"max": 0.1}}}}, "bias"),
        ({"facet_thresholds": {"sex": {"NOPE": {"max": 0.1}}}}, "bias.facet_thresholds"),
    ],
)
def test_bad_policy_settings_name_their_field(extra: dict[str, object], field: str) -> None:
    with pytest.raises(ContractInvalid) as caught:
        load_contract(with_bias(**extra))
    assert caught.value.field == field


def test_per_facet_thresholds_and_margin_come_through() -> None:
    contract = load_contract(with_bias(margin=0.01, facet_thresholds={"sex": {"DPL": {"max": 0.05}}}))
    assert contract.bias is not None
    policy = contract.bias.gate_policy()
    assert policy.margin == 0.01 and policy.threshold_for("sex", "DPL") == Threshold(max=0.05)
    assert policy.threshold_for("age", "DPL") == Threshold(min=-0.1, max=0.1)


def test_the_json_schema_expresses_what_the_gate_supports() -> None:
    schema = contract_json_schema()
    bias = schema["$defs"]["Bias"]["properties"]
    for key in ("thresholds", "facet_thresholds", "optional", "margin", "confidence", "min_group_rows"):
        assert key in bias, key
    assert bias["confidence"]["exclusiveMinimum"] == 0 and bias["confidence"]["exclusiveMaximum"] == 1
    assert "Threshold" in schema["$defs"] and "Bounds" not in schema["$defs"]
