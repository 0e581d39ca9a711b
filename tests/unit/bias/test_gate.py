"""The gate: pass, fail, needs-human, and fail-closed on undefined metrics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest

from lockgate.bias.analysis import BiasAnalysis, FacetResult, analyze
from lockgate.bias.cloudwatch import metric_data
from lockgate.bias.gate import DEFAULT_THRESHOLDS, GatePolicy, Threshold, evaluate, parse_policy
from lockgate.bias.metric_value import Interval, MetricValue
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
    policy = GatePolicy(optional=["DI"])
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
def test_bad_policies_are_contract_invalid(raw: dict[str, object]) -> None:
    with pytest.raises(ContractInvalid):
        parse_policy(raw)


def test_policy_accepts_the_dcacc_alias() -> None:
    assert "DCA" in (parse_policy({"metrics": {"DCAcc": {"max": 1}}}).thresholds or {})


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


# ---------------------------------------------------------------- verdicts on confidence intervals


def sized(*metrics: MetricValue, n_d: int = 500, n_a: int = 500) -> BiasAnalysis:
    result = FacetResult("sex", "female", "pre_training", tuple(metrics), n_d, n_a)
    return BiasAnalysis("y", "1", (result,), (), rows=n_d + n_a, rows_skipped=0)


def dpl(value: float, low: float | None, high: float | None, reason: str | None = None) -> MetricValue:
    return MetricValue("DPL", value, None, Interval(0.95, "newcombe-wilson", low, high, reason))


@pytest.mark.parametrize(
    ("low", "high", "status", "words"),
    [
        (-0.05, 0.08, "pass", "within [-0.1, 0.1]"),
        (0.12, 0.3, "fail", "outside [-0.1, 0.1]"),
        (-0.4, -0.15, "fail", "outside [-0.1, 0.1]"),
        (0.02, 0.15, "needs-human", "straddles a bound of [-0.1, 0.1]"),
        (-0.2, 0.2, "needs-human", "straddles"),
    ],
)
def test_the_whole_interval_decides(low: float, high: float, status: str, words: str) -> None:
    result = evaluate(sized(dpl((low + high) / 2, low, high)))
    (check,) = result.checks
    assert check.status == status and words in check.reason
    assert f"[{low:.4g}, {high:.4g}]" in check.reason and "n_d=500, n_a=500" in check.reason


def test_a_point_value_inside_with_an_interval_across_a_bound_is_not_a_pass() -> None:
    assert evaluate(sized(dpl(0.09, 0.01, 0.17))).verdict == "needs-human"


def test_a_small_facet_group_needs_a_human_and_the_reason_says_so() -> None:
    result = evaluate(sized(dpl(0.0, -0.05, 0.05), n_d=24, n_a=276))
    (reason,) = result.reasons
    assert result.verdict == "needs-human"
    assert (
        "facet group d has 24 rows" in reason and "min_group_rows 30" in reason and "[-0.05, 0.05]" in reason
    )
    assert evaluate(sized(dpl(0.0, -0.05, 0.05), n_d=24), GatePolicy(min_group_rows=20)).verdict == "pass"


def test_an_empty_or_small_group_needs_a_human_even_when_the_metric_is_undefined() -> None:
    interval = Interval(0.95, "newcombe-wilson", reason="facet group d is empty")
    undefined = MetricValue("DPL", None, "facet group d is empty", interval)
    result = evaluate(sized(undefined, n_d=0))
    assert result.verdict == "needs-human" and "facet group d has 0 rows" in result.reasons[0]
    # with the minimum off, an undefined required metric still fails closed
    assert evaluate(sized(undefined, n_d=0), GatePolicy(min_group_rows=0)).verdict == "fail"


def test_an_undefined_interval_needs_a_human_with_its_reason() -> None:
    result = evaluate(sized(dpl(0.0, None, None, "undefined in 300 of 2000 bootstrap resamples")))
    assert result.verdict == "needs-human"
    assert "undefined in 300 of 2000 bootstrap resamples" in result.reasons[0]


def test_the_margin_applies_to_the_interval() -> None:
    policy = GatePolicy(margin=0.02)
    assert evaluate(sized(dpl(0.0, -0.05, 0.09)), policy).verdict == "needs-human"
    assert evaluate(sized(dpl(0.0, -0.05, 0.07)), policy).verdict == "pass"


def test_gate_json_carries_the_interval_and_group_sizes() -> None:
    (check,) = evaluate(sized(dpl(0.0, -0.05, 0.05))).to_json()["checks"]
    assert check["confidence_interval"] == {
        "lower": -0.05,
        "upper": 0.05,
        "level": 0.95,
        "method": "newcombe-wilson",
    }
    assert (check["n_d"], check["n_a"]) == (500, 500)


def test_cloudwatch_gets_lower_and_upper_beside_the_value() -> None:
    names = [name for name, _, _ in metric_data(sized(dpl(0.01, -0.05, 0.06)))]
    assert names == ["bias_metric_DPL", "bias_metric_DPL_lower", "bias_metric_DPL_upper"]
    assert [n for n, _, _ in metric_data(sized(dpl(0.01, None, None, "x")))] == ["bias_metric_DPL"]


@pytest.mark.parametrize("level", [0, 1, 1.2, -0.1, "high"])
def test_a_confidence_level_outside_zero_one_is_contract_invalid_naming_the_field(level: object) -> None:
    with pytest.raises(ContractInvalid, match="confidence"):
        parse_policy({"confidence": level})


@pytest.mark.parametrize(
    ("raw", "field"), [({"min_group_rows": -1}, "min_group_rows"), ({"margin": -1}, "margin")]
)
def test_other_bad_policy_numbers_name_their_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(ContractInvalid, match=field):
        parse_policy(raw)


def test_the_contract_and_the_thresholds_file_share_one_threshold_model() -> None:
    from lockgate.data.contract import Bias

    assert Bias.model_fields["thresholds"].annotation == GatePolicy.model_fields["thresholds"].annotation
    assert issubclass(Bias, GatePolicy)
    legacy = parse_policy({"metrics": {"DI": {"min": 0.8}}, "facets": {"sex": {"DPL": {"max": 0.05}}}})
    assert legacy.threshold_for("sex", "DPL") == Threshold(max=0.05)
    assert legacy.threshold_for("age", "DI") == Threshold(min=0.8)
    assert legacy.threshold_for("age", "DPL") is None
