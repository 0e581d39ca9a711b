"""Metric values from hand-counted tables, and every undefined case: None with a reason, never 0."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lockgate.bias.metric_value import FacetCells, MetricValue
from lockgate.bias.registry import POST_TRAINING, PRE_TRAINING, compute_post_training, compute_pre_training
from lockgate.bias.specs import POST_TRAINING_METHODS, PRE_TRAINING_METHODS


def cells(d: list[list[int]], a: list[list[int]], groups: bool = False) -> FacetCells:
    """d and a as [[TN, FP], [FN, TP]] (label rows, prediction columns), one group."""
    return FacetCells(np.array([d]), np.array([a]), groups)


def values(c: FacetCells) -> dict[str, MetricValue]:
    pre = FacetCells(c.d.sum(axis=2, keepdims=True), c.a.sum(axis=2, keepdims=True), c.has_groups)
    out = {m.name: m for m in compute_pre_training(pre, PRE_TRAINING_METHODS)}
    out.update({m.name: m for m in compute_post_training(c, POST_TRAINING_METHODS)})
    return out


def test_textbook_values() -> None:
    # d: 10 rows, 4 positive labels; a: 30 rows, 18 positive labels
    c = cells([[4, 2], [1, 3]], [[9, 3], [2, 16]])
    v = {k: m.value for k, m in values(c).items()}
    assert v["CI"] == pytest.approx((30 - 10) / 40)
    assert v["DPL"] == pytest.approx(18 / 30 - 4 / 10)
    pa_, pd_ = (12 / 30, 18 / 30), (6 / 10, 4 / 10)
    assert v["KL"] == pytest.approx(sum(p * math.log(p / q) for p, q in zip(pa_, pd_, strict=True)))
    assert (
        v["TVD"] == pytest.approx(0.2)
        and v["KS"] == pytest.approx(0.2)
        and v["LP"] == pytest.approx(0.2 * 2**0.5)
    )
    assert v["DPPL"] == pytest.approx(19 / 30 - 5 / 10)
    assert v["DI"] == pytest.approx((5 / 10) / (19 / 30))
    assert v["DCA"] == pytest.approx(18 / 19 - 4 / 5)
    assert v["DCR"] == pytest.approx(6 / 5 - 12 / 11)
    assert v["RD"] == pytest.approx(16 / 18 - 3 / 4)
    assert v["SD"] == pytest.approx(4 / 6 - 9 / 12)
    assert v["DAR"] == pytest.approx(16 / 19 - 3 / 5)
    assert v["DRR"] == pytest.approx(4 / 5 - 9 / 11)
    assert v["AD"] == pytest.approx(25 / 30 - 7 / 10)
    assert v["TE"] == pytest.approx(1 / 2 - 2 / 3)
    b = np.array([1] * (4 + 3 + 9 + 16) + [2] * (2 + 3) + [0] * (1 + 2))
    assert v["GE"] == pytest.approx(np.mean((b / b.mean()) ** 2 - 1) / 2)
    assert values(c)["CDDL"].value is None and values(c)["CDDL"].reason == "no group_variable configured"


@pytest.mark.parametrize(
    ("d", "a", "metric", "reason"),
    [
        ([[0, 0], [0, 0]], [[5, 0], [0, 5]], "CI", "d is empty"),
        ([[3, 0], [0, 2]], [[0, 0], [0, 0]], "DPL", "a is empty"),
        ([[3, 0], [0, 0]], [[3, 0], [0, 3]], "KL", "absent from d"),
        ([[3, 1], [0, 2]], [[3, 0], [3, 0]], "DI", "qhat_a = 0"),
        ([[3, 0], [2, 0]], [[3, 1], [0, 2]], "DCA", "no positive predictions in d"),
        ([[0, 3], [0, 2]], [[3, 1], [0, 2]], "DCR", "no negative predictions in d"),
        ([[3, 1], [0, 0]], [[3, 1], [1, 2]], "RD", "no positive labels in d"),
        ([[0, 0], [1, 2]], [[3, 1], [1, 2]], "SD", "no negative labels in d"),
        ([[3, 0], [2, 0]], [[3, 1], [0, 2]], "DAR", "no positive predictions in d"),
        ([[0, 3], [0, 2]], [[3, 1], [0, 2]], "DRR", "no negative predictions in d"),
        ([[3, 0], [1, 2]], [[3, 1], [1, 2]], "TE", "no false positives in d"),
        ([[3, 1], [1, 2]], [[3, 0], [1, 2]], "TE", "no false positives in a"),
        ([[0, 0], [3, 0]], [[0, 0], [4, 0]], "GE", "false negative"),
    ],
)
def test_undefined_metrics_are_none_with_a_reason(d: list, a: list, metric: str, reason: str) -> None:
    m = values(cells(d, a))[metric]
    assert m.value is None
    assert reason in (m.reason or "")


def test_kl_is_defined_when_only_a_lacks_a_class_and_js_lp_tvd_ks_use_the_full_support() -> None:
    c = cells([[2, 0], [2, 0]], [[4, 0], [0, 0]])  # a: all negative; d: half
    v = values(c)
    assert v["KL"].value == pytest.approx(1.0 * math.log(1.0 / 0.5))
    assert v["TVD"].value == pytest.approx(0.5)  # smclarify drops the positive class: 0.25
    assert v["LP"].value == pytest.approx(0.5 * 2**0.5)
    assert v["KS"].value == pytest.approx(0.5)
    mid = (0.75, 0.25)
    js = 0.5 * (math.log(1 / 0.75) + 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25))
    assert v["JS"].value == pytest.approx(js) and mid


def test_ge_stays_defined_when_the_facet_is_empty() -> None:
    v = values(cells([[0, 0], [0, 0]], [[3, 1], [1, 2]]))
    assert v["GE"].value is not None
    assert v["DPPL"].value is None


def test_cdd_weights_groups_by_size_and_skips_groups_missing_an_outcome() -> None:
    # group 0: d has 1 of 2 rejections, 1 of 3 acceptances; group 1 has no acceptances (skipped)
    d = np.array([[[1], [1]], [[1], [0]]])
    a = np.array([[[1], [2]], [[2], [0]]])
    m = compute_pre_training(FacetCells(d, a, True), ("CDDL",))[0]
    assert m.value == pytest.approx(1 / 2 - 1 / 3)
    only_skipped = compute_pre_training(FacetCells(d[1:], a[1:], True), ("CDDL",))[0]
    assert only_skipped.value is None and "positive outcomes" in (only_skipped.reason or "")


def test_no_metric_is_ever_non_finite_or_json_unsafe() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        raw = rng.integers(0, 3, size=(2, 2, 2, 2)) * rng.integers(0, 2, size=(2, 2, 2, 2))
        c = FacetCells(raw[0], raw[1], True)
        for m in values(c).values():
            assert m.value is None or math.isfinite(m.value)
            assert (m.value is None) == (m.reason is not None)
            json.dumps({"v": m.value}, allow_nan=False)


def test_metric_value_refuses_infinity_and_reasonless_nulls() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        MetricValue("DI", math.inf)
    with pytest.raises(ValueError, match="reason"):
        MetricValue("DI", None)


def test_registries_cover_every_method() -> None:
    assert set(PRE_TRAINING) == set(PRE_TRAINING_METHODS)
    assert set(POST_TRAINING) == set(POST_TRAINING_METHODS)
