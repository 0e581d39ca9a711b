"""Binary-classification metrics of a model's scores on the test split: pure numpy, one sort.

Where a metric is undefined (precision with no predicted positive, AUC with one class only) it is
None with a reason, never a 0 that passes a gate by accident. Standard deviations are analytic:
binomial sqrt(p(1-p)/n) for rates, Hanley-McNeil for AUC (Model Monitor bootstraps; documented).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

EPS = 1e-15  # log loss clips scores to [EPS, 1-EPS], as scikit-learn does
CURVE_POINTS = 101  # curves are thinned to at most this many points for JSON and SVG

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Confusion:
    """Counts at the decision threshold."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        """All rows."""
        return self.tp + self.fp + self.tn + self.fn


@dataclass(frozen=True)
class Curve:
    """A curve as two coordinate lists (x, y), thinned to CURVE_POINTS."""

    x: list[float]
    y: list[float]


@dataclass(frozen=True)
class CalibrationBin:
    """Scores in [low, high): how many, their mean, and the observed positive rate."""

    low: float
    high: float
    count: int
    mean_score: float | None
    positive_rate: float | None


@dataclass(frozen=True)
class Evaluation:
    """Every metric of one evaluation; `undefined` says why a None is None."""

    rows: int
    positives: int
    threshold: float
    confusion: Confusion
    metrics: dict[str, float | None]
    std: dict[str, float | None]
    roc: Curve
    pr: Curve
    calibration: list[CalibrationBin]
    undefined: dict[str, str] = field(default_factory=dict)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _binomial_sd(p: float | None, n: int) -> float | None:
    return math.sqrt(p * (1 - p) / n) if p is not None and n else None


def _thin(x: FloatArray, y: FloatArray) -> Curve:
    if len(x) > CURVE_POINTS:
        idx = np.unique(np.linspace(0, len(x) - 1, CURVE_POINTS).round().astype(np.int64))
        x, y = x[idx], y[idx]
    return Curve([float(v) for v in x], [float(v) for v in y])


def _f_beta(precision: float | None, recall: float | None, beta: float) -> float | None:
    if precision is None or recall is None:
        return None
    b2 = beta * beta
    den = b2 * precision + recall
    return (1 + b2) * precision * recall / den if den else 0.0


def evaluate(labels: FloatArray, scores: FloatArray, threshold: float = 0.5, bins: int = 10) -> Evaluation:
    """All metrics of `scores` (probabilities in [0, 1]) against 0/1 `labels` (same length)."""
    y = np.asarray(labels, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    n = int(y.size)
    pos = int(np.count_nonzero(y == 1))
    neg = n - pos
    predicted = s >= threshold
    actual = y == 1
    tp = int(np.count_nonzero(predicted & actual))
    fp = int(np.count_nonzero(predicted & ~actual))
    fn = pos - tp
    tn = neg - fp
    confusion = Confusion(tp, fp, tn, fn)
    undefined: dict[str, str] = {}

    # One descending sort gives ROC, PR and AUCs (ties handled by distinct-threshold steps).
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    distinct = np.flatnonzero(np.diff(s_sorted)) if n else np.array([], dtype=np.int64)
    ends = np.concatenate([distinct, [n - 1]]) if n else np.array([], dtype=np.int64)
    ctp = np.cumsum(y_sorted)[ends] if n else np.array([])
    cfp = (ends + 1) - ctp
    auc = pr_auc = None
    if pos and neg:
        tpr = np.concatenate([[0.0], ctp / pos])
        fpr = np.concatenate([[0.0], cfp / neg])
        auc = float(np.trapezoid(tpr, fpr))
        precision_curve = ctp / (ctp + cfp)
        recall_curve = ctp / pos
        pr_auc = float(np.sum(np.diff(np.concatenate([[0.0], recall_curve])) * precision_curve))
        roc = _thin(fpr, tpr)
        pr = _thin(np.concatenate([[0.0], recall_curve]), np.concatenate([[1.0], precision_curve]))
    else:
        undefined["auc"] = undefined["pr_auc"] = "the test split holds one class only"
        roc, pr = Curve([], []), Curve([], [])

    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, pos)
    if precision is None:
        undefined["precision"] = f"no row scored >= {threshold}"
    if recall is None:
        undefined["recall"] = "no positive row in the test split"
    accuracy = _ratio(tp + tn, n)
    clipped = np.clip(s, EPS, 1 - EPS)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))) if n else None
    brier = float(np.mean((s - y) ** 2)) if n else None
    base_rate = _ratio(pos, n)
    metrics: dict[str, float | None] = {
        "auc": auc,
        "pr_auc": pr_auc,
        "accuracy": accuracy,
        "precision": precision,
        "recall": recall,
        "f0_5": _f_beta(precision, recall, 0.5),
        "f1": _f_beta(precision, recall, 1.0),
        "f2": _f_beta(precision, recall, 2.0),
        "true_positive_rate": recall,
        "true_negative_rate": _ratio(tn, neg),
        "false_positive_rate": _ratio(fp, neg),
        "false_negative_rate": _ratio(fn, pos),
        "log_loss": log_loss,
        "brier_score": brier,
        "accuracy_best_constant_classifier": max(base_rate, 1 - base_rate) if base_rate is not None else None,
        "precision_best_constant_classifier": base_rate,
        "recall_best_constant_classifier": 1.0 if pos else None,
    }
    std = {
        name: _binomial_sd(metrics[name], count)
        for name, count in (
            ("accuracy", n),
            ("precision", tp + fp),
            ("recall", pos),
            ("true_positive_rate", pos),
            ("true_negative_rate", neg),
            ("false_positive_rate", neg),
            ("false_negative_rate", pos),
        )
    }
    std["auc"] = _hanley_mcneil(auc, pos, neg)
    return Evaluation(n, pos, threshold, confusion, metrics, std, roc, pr, calibration(y, s, bins), undefined)


def _hanley_mcneil(auc: float | None, pos: int, neg: int) -> float | None:
    if auc is None:
        return None
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (pos - 1) * (q1 - auc * auc) + (neg - 1) * (q2 - auc * auc)) / (pos * neg)
    return math.sqrt(max(var, 0.0))


def calibration(labels: FloatArray, scores: FloatArray, bins: int = 10) -> list[CalibrationBin]:
    """Equal-width score bins over [0, 1]: count, mean score, observed positive rate."""
    index = np.minimum((scores * bins).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins)
    sums = np.bincount(index, weights=scores, minlength=bins)
    hits = np.bincount(index, weights=labels, minlength=bins)
    return [
        CalibrationBin(
            i / bins,
            (i + 1) / bins,
            int(counts[i]),
            float(sums[i] / counts[i]) if counts[i] else None,
            float(hits[i] / counts[i]) if counts[i] else None,
        )
        for i in range(bins)
    ]
