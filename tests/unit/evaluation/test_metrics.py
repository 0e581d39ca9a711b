"""Evaluation metrics against hand-computed values and scikit-learn, and the shapes they are
written in (SageMaker's model quality statistics; the HTML report)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lockgate.errors import InputRejected
from lockgate.evaluation.metrics import evaluate
from lockgate.evaluation.model_quality import metric_values, model_quality_statistics
from lockgate.evaluation.report_html import render
from lockgate.pipeline.evaluate import check_inputs, read_column


def test_a_small_case_by_hand() -> None:
    labels = np.array([0, 0, 1, 1], dtype=float)
    scores = np.array([0.1, 0.6, 0.4, 0.8])
    result = evaluate(labels, scores, 0.5)
    c = result.confusion
    assert (c.tp, c.fp, c.tn, c.fn) == (1, 1, 1, 1)
    assert result.metrics["auc"] == pytest.approx(0.75)
    assert result.metrics["accuracy"] == result.metrics["precision"] == result.metrics["recall"] == 0.5
    assert result.metrics["brier_score"] == pytest.approx((0.01 + 0.36 + 0.36 + 0.04) / 4)


def test_matches_scikit_learn_with_ties() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    labels = (rng.random(3000) < 0.35).astype(float)
    scores = np.clip(labels * 0.25 + rng.random(3000) * 0.75, 0, 1).round(2)  # many ties
    result = evaluate(labels, scores, 0.4)
    assert result.metrics["auc"] == pytest.approx(metrics.roc_auc_score(labels, scores))
    assert result.metrics["pr_auc"] == pytest.approx(metrics.average_precision_score(labels, scores))
    assert result.metrics["log_loss"] == pytest.approx(metrics.log_loss(labels, scores))
    assert result.metrics["f1"] == pytest.approx(metrics.f1_score(labels, scores >= 0.4))


def test_the_fast_integer_sort_and_the_argsort_fallback_agree() -> None:
    rng = np.random.default_rng(7)
    labels = (rng.random(2000) < 0.4).astype(float)
    scores = np.clip(labels * 0.3 + rng.random(2000) * 0.7, 0, 1).round(2)
    fast = evaluate(labels, scores, 0.5)  # scores in [0, 2): int64 keys
    slow = evaluate(labels, scores * 3.0, 1.5)  # outside [0, 2): argsort; same order, same ties
    for name in ("auc", "pr_auc", "precision", "recall"):
        assert fast.metrics[name] == pytest.approx(slow.metrics[name])
    assert fast.roc == slow.roc and fast.pr.y == slow.pr.y
    signed = evaluate(np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, -0.0, 0.5, 0.0]))
    assert signed.metrics["auc"] == pytest.approx(0.75)  # -0.0 ties with 0.0


def test_undefined_metrics_are_null_with_a_reason_never_zero() -> None:
    result = evaluate(np.zeros(10), np.linspace(0, 0.4, 10), 0.5)
    assert result.metrics["auc"] is None and "one class" in result.undefined["auc"]
    assert result.metrics["precision"] is None and result.metrics["recall"] is None
    document = model_quality_statistics(result)
    text = json.dumps(document, allow_nan=False)
    assert '"auc": {"value": null' in text
    assert metric_values(document)["auc"] is None


def test_statistics_have_sagemakers_shape_and_the_report_three_curves() -> None:
    rng = np.random.default_rng(1)
    labels = (rng.random(500) < 0.5).astype(float)
    result = evaluate(labels, np.clip(labels * 0.4 + rng.random(500) * 0.6, 0, 1))
    metrics = model_quality_statistics(result)["binary_classification_metrics"]
    assert set(metrics["confusion_matrix"]) == {"0", "1"}
    for name in ("auc", "accuracy", "precision", "recall", "f1", "f0_5", "f2", "true_positive_rate"):
        assert set(metrics[name]) == {"value", "standard_deviation"}
    assert len(metrics["receiver_operating_characteristic_curve"]["false_positive_rates"]) <= 101
    html = render(result, "t")
    assert html.count("<svg") == 3 and "<script" not in html


@pytest.mark.parametrize(
    ("labels", "scores", "rule"),
    [
        ("0\n1\n", "0.5\n", "one prediction per test row"),
        ("0\n1\n", "0.5\nnan\n", "finite scores"),
        ("0\n1\n", "0.5\n1.5\n", "scores in [0, 1]"),
        ("0\n2\n", "0.5\n0.5\n", "labels 0 or 1"),
    ],
)
def test_misaligned_or_bad_predictions_are_rejected(labels: str, scores: str, rule: str) -> None:
    y, s = read_column(labels.encode(), "l"), read_column(scores.encode(), "s")
    with pytest.raises(InputRejected) as raised:
        check_inputs(y, s, "l", "s")
    assert raised.value.rule == rule


@pytest.mark.parametrize("rounded", [False, True])
def test_the_ranking_on_its_own_thread_gives_the_same_evaluation(
    monkeypatch: pytest.MonkeyPatch, rounded: bool
) -> None:
    from lockgate.evaluation import metrics

    rng = np.random.default_rng(11)
    labels = (rng.random(80_000) < 0.3).astype(np.float64)
    scores = np.clip(labels * 0.2 + rng.random(80_000) * 0.8, 0, 1)
    scores = np.round(scores, 3) if rounded else scores
    threaded = evaluate(labels, scores, 0.5)
    monkeypatch.setattr(metrics, "PARALLEL_ROWS", 10**9)  # the same rows, all on this thread
    serial = evaluate(labels, scores, 0.5)
    assert repr(threaded) == repr(serial)
    assert threaded.metrics["auc"] is not None and threaded.calibration[0].count > 0


def test_an_error_in_the_ranking_thread_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    from lockgate.evaluation import metrics

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("no room for the sort")

    monkeypatch.setattr(metrics, "_ranking", broken)
    labels = np.tile([0.0, 1.0], 40_000)
    with pytest.raises(MemoryError, match="no room"):
        evaluate(labels, np.linspace(0, 1, labels.size), 0.5)
