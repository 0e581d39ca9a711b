"""Binary-classification metrics of a model's scores on the test split: pure numpy, one sort.

Where a metric is undefined (precision with no predicted positive, AUC with one class only) it is
None with a reason, never a 0 that passes a gate by accident. Standard deviations are analytic:
binomial sqrt(p(1-p)/n) for rates, Hanley-McNeil for AUC (Model Monitor bootstraps; documented).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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


IntArray = npt.NDArray[np.int64]


def _curves(ctp: IntArray, cfp: IntArray, pos: int, neg: int) -> tuple[Curve, Curve]:
    """ROC and PR curves from the origin through every distinct threshold, thinned to CURVE_POINTS
    evenly spaced points (computed at those points only)."""
    total = ctp.size + 1  # the origin, then one point per distinct threshold
    if total > CURVE_POINTS:
        idx = np.unique(np.linspace(0, total - 1, CURVE_POINTS).round().astype(np.int64))
    else:
        idx = np.arange(total)
    tp, fp = ctp[idx[1:] - 1], cfp[idx[1:] - 1]
    recall = np.concatenate([[0.0], tp / pos])
    roc = Curve([float(v) for v in np.concatenate([[0.0], fp / neg])], [float(v) for v in recall])
    precision = np.concatenate([[1.0], tp / (tp + fp)])
    return roc, Curve([float(v) for v in recall], [float(v) for v in precision])


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
    actual = y == 1
    pos = int(np.count_nonzero(actual))
    neg = n - pos
    predicted = s >= threshold
    tp = int(np.count_nonzero(predicted & actual))
    fp = int(np.count_nonzero(predicted)) - tp
    fn = pos - tp
    tn = neg - fp
    confusion = Confusion(tp, fp, tn, fn)
    undefined: dict[str, str] = {}

    # One descending sort gives ROC, PR and AUCs (ties handled by distinct-threshold steps).
    auc = pr_auc = None
    if pos and neg:
        s_sorted, y_sorted = _sorted_descending(s, actual)
        distinct = s_sorted[1:] != s_sorted[:-1]
        ends = np.flatnonzero(np.append(distinct, True))  # the last row of each run of equal scores
        ctp = np.cumsum(y_sorted)[ends]  # true positives at each distinct threshold (integers)
        cfp = (ends + 1) - ctp
        dtp, dfp = np.diff(ctp, prepend=0), np.diff(cfp, prepend=0)
        # Trapezoids under (fpr, tpr) from the origin, and sum of recall steps x precision.
        auc = float(np.dot(dfp, 2 * ctp - dtp)) / (2.0 * pos * neg)
        pr_auc = float(np.dot(dtp, ctp / (ends + 1.0))) / pos
        roc, pr = _curves(ctp, cfp, pos, neg)
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
    log_loss = _log_loss(y, s, actual, pos + int(np.count_nonzero(y == 0)) == n) if n else None
    error = s - y
    brier = float(np.dot(error, error)) / n if n else None
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


def _log_loss(y: FloatArray, s: FloatArray, actual: npt.NDArray[np.bool_], binary: bool) -> float:
    """Mean log loss, scores clipped to [EPS, 1-EPS]; one log per row when the labels are 0/1."""
    clipped = np.clip(s, EPS, 1 - EPS)
    if binary:
        return float(-np.mean(np.log(np.where(actual, clipped, 1 - clipped))))
    return float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))


def _sorted_descending(scores: FloatArray, positive: npt.NDArray[np.bool_]) -> tuple[Any, Any]:
    """Scores in descending order and the 0/1 positives in the same order (within a run of equal
    scores the order is unspecified: only the runs' ends are used).

    Scores in [0, 2) sort as one int64 key each: their IEEE-754 bits (which order non-negative
    doubles like their values) shifted left, with the label in the freed lowest bit. An unstable
    integer sort of those keys is about 10x faster than a stable argsort of the scores (14 ms
    against 190 ms for 1e6); any other input takes the argsort."""
    if scores.size and scores.min() >= 0 and scores.max() < 2:  # False for NaN too
        keys = np.add(scores, 0.0).view(np.int64)  # a copy; + 0.0 turns -0.0 into 0.0
        keys <<= 1
        keys |= positive
        keys.sort()
        keys = keys[::-1]
        return keys >> 1, keys & 1
    order = np.argsort(-scores, kind="stable")
    return scores[order], positive[order].astype(np.int64)


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
