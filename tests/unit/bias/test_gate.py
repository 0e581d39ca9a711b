"""The gate: pass, fail, needs-human, and fail-closed on undefined metrics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest

from lockgate.bias.analysis import BiasAnalysis, FacetResult, analyze
from lockgate.bias.cloudwatch import metric_data
from lockgate.bias.gate import DEFAULT_THRESHOLDS, GatePolicy, Threshold, evaluate, parse_policy
from lockgate.bias.metric_value import MetricValue
from lockgate.bias.specs import BiasConfig, FacetSpec, LabelSpec, PredictionSpec
from lockgate.errors import ContractInvalid


def analysis(*metrics: MetricValue, facet: str = "sex") -> BiasAnalysis:
    result = FacetResult(facet, "female", "post_training", tuple(metrics))
    return BiasAnalysis("y", "1", (), (result,), rows=10, rows_skipped=0)


def test_conventions_apply_by_default() -> None:
    assert DEFAULT_THRESHOLDS["DI"] == Threshold(min=0.8, max=1.25)
    assert evaluate(analysis(MetricValue("DI", 1.0), MetricValue("DPPL", 0.05))).verdict == "pass"
    result = evaluate(analysis(MetricValue("DI", 0.7)))
    assert result.verdict == "fail"
    assert "outside [0.8, 1.25]" in result.reasons[0]


def test_an_undefined_required_metric_fails_closed() -> None:
    result = evaluate(analysis(MetricValue("DI", None, "no positive predictions in a")))
    assert result.verdict == "fail"
    assert "fails closed" in result.reasons[0] and "no positive predictions" in result.reasons[0]


def test_an_undefined_optional_metric_needs_a_human() -> None:
    policy = GatePolicy(optional=frozenset({"DI"}))
    assert evaluate(analysis(MetricValue("DI", None, "x")), policy).verdict == "needs-human"


def test_a_value_within_the_margin_of_a_bound_needs_a_human_and_fail_wins() -> None:
    policy = GatePolicy(margin=0.02)
    assert evaluate(analysis(MetricValue("DI", 0.81)), policy).verdict == "needs-human"
    assert evaluate(analysis(MetricValue("DI", 1.0)), policy).verdict == "pass"
    assert evaluate(analysis(MetricValue("DI", 0.81), MetricValue("AD", 0.5)), policy).verdict == "fail"


def test_metrics_without_a_threshold_are_not_gated() -> None:
    result = evaluate(analysis(MetricValue("KL", 9.0), MetricValue("TE", None, "no false positives in d")))
    assert result.verdict == "pass" and result.checks == ()


def test_per_facet_thresholds_override_the_metric_threshold() -> None:
    policy = parse_policy({"metrics": {"DPPL": {"max": 0.5}}, "facets": {"sex": {"DPPL": {"max": 0.01}}}})
    assert evaluate(analysis(MetricValue("DPPL", 0.1)), policy).verdict == "fail"
    assert evaluate(analysis(MetricValue("DPPL", 0.1), facet="age"), policy).verdict == "pass"


@pytest.mark.parametrize(
    "raw",
    [
        {"metrics": {"NOPE": {"max": 1}}},
        {"metrics": {"DI": {"min": 2, "max": 1}}},
        {"metrics": {"DI": {"low": 1}}},
        {"margin": -1},
        {"optional": "DI"},
        {"extra": 1},
    ],
)
def test_bad_policies_are_contract_invalid(raw: dict) -> None:
    with pytest.raises(ContractInvalid):
        parse_policy(raw)


def test_policy_accepts_the_dcacc_alias() -> None:
    assert "DCA" in parse_policy({"metrics": {"DCAcc": {"max": 1}}}).thresholds


def test_cloudwatch_metric_data_skips_nulls_and_carries_clarify_dimensions() -> None:
    data = metric_data(analysis(MetricValue("DI", 0.9), MetricValue("TE", None, "no false positives")))
    assert data == [
        ("bias_metric_DI", 0.9, {"Facet": "sex", "FacetValue": "female", "BiasStage": "post_training"})
    ]
    assert np.isfinite([v for _, v, _ in data]).all()


def test_a_data_warning_turns_pass_into_needs_human_but_not_fail_into_pass() -> None:
    warned = dataclasses.replace(analysis(MetricValue("DI", 1.0)), warnings=("no row has a positive label",))
    result = evaluate(warned)
    assert result.verdict == "needs-human"
    assert result.reasons == ["needs-human: data: no row has a positive label"]
    failing = dataclasses.replace(analysis(MetricValue("DI", 0.1)), warnings=("x",))
    assert evaluate(failing).verdict == "fail"


def test_labels_that_match_no_row_are_a_data_warning_not_a_quiet_zero() -> None:
    t = pa.table({"f": ["a", "b"] * 10, "y": ["no"] * 20, "p": ["no", "no", "yes", "yes"] * 5})
    config = BiasConfig(
        LabelSpec("y", values=("yes",)),
        (FacetSpec("f", "values", values=("a",)),),
        prediction=PredictionSpec("p", "labels"),
        pre_training_methods=("DPL",),
        post_training_methods=("DPPL",),
    )
    result = analyze(t, config)
    assert {m.name: m.value for r in result.results() for m in r.metrics}["DPL"] == 0.0
    assert any("no row has a positive label" in w for w in result.warnings)
    assert evaluate(result).verdict == "needs-human"
