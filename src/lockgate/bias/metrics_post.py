"""Post-training bias metrics from a facet value's counts (Clarify's definitions; where smclarify
reads 0/0 as 0 or x/0 as inf, these are None with a reason: see SMCLARIFY_DIFFERENCES.md)."""

from __future__ import annotations

from lockgate.bias.metric_value import FacetCells, MetricValue, defined, undefined
from lockgate.bias.metrics_pre import conditional_demographic_disparity


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def _difference(
    name: str, first: float | None, second: float | None, what_first: str, what_second: str
) -> MetricValue:
    if first is None:
        return undefined(name, what_first)
    if second is None:
        return undefined(name, what_second)
    return defined(name, first - second)


def dppl(cells: FacetCells) -> MetricValue:
    """Difference in Positive Proportions in Predicted Labels: qhat_a - qhat_d."""
    a0, a1 = cells.prediction_counts(cells.a)
    d0, d1 = cells.prediction_counts(cells.d)
    return defined("DPPL", a1 / (a0 + a1) - d1 / (d0 + d1))


def di(cells: FacetCells) -> MetricValue:
    """Disparate Impact: qhat_d / qhat_a."""
    a0, a1 = cells.prediction_counts(cells.a)
    d0, d1 = cells.prediction_counts(cells.d)
    if a1 == 0:
        return undefined("DI", "no positive predictions in a: qhat_a = 0, the ratio is undefined")
    return defined("DI", (d1 / (d0 + d1)) / (a1 / (a0 + a1)))


def dca(cells: FacetCells) -> MetricValue:
    """Difference in Conditional Acceptance: n_a(1)/nhat_a(1) - n_d(1)/nhat_d(1)."""
    ca = _ratio(cells.label_counts(cells.a)[1], cells.prediction_counts(cells.a)[1])
    cd = _ratio(cells.label_counts(cells.d)[1], cells.prediction_counts(cells.d)[1])
    return _difference("DCA", ca, cd, "no positive predictions in a", "no positive predictions in d")


def dcr(cells: FacetCells) -> MetricValue:
    """Difference in Conditional Rejection: n_d(0)/nhat_d(0) - n_a(0)/nhat_a(0)."""
    rd = _ratio(cells.label_counts(cells.d)[0], cells.prediction_counts(cells.d)[0])
    ra = _ratio(cells.label_counts(cells.a)[0], cells.prediction_counts(cells.a)[0])
    return _difference("DCR", rd, ra, "no negative predictions in d", "no negative predictions in a")


def rd(cells: FacetCells) -> MetricValue:
    """Recall Difference: TPR_a - TPR_d."""
    tp_a, _, fn_a, _ = cells.confusion(cells.a)
    tp_d, _, fn_d, _ = cells.confusion(cells.d)
    return _difference(
        "RD",
        _ratio(tp_a, tp_a + fn_a),
        _ratio(tp_d, tp_d + fn_d),
        "no positive labels in a",
        "no positive labels in d",
    )


def sd(cells: FacetCells) -> MetricValue:
    """Specificity Difference: TNR_d - TNR_a."""
    _, fp_a, _, tn_a = cells.confusion(cells.a)
    _, fp_d, _, tn_d = cells.confusion(cells.d)
    return _difference(
        "SD",
        _ratio(tn_d, tn_d + fp_d),
        _ratio(tn_a, tn_a + fp_a),
        "no negative labels in d",
        "no negative labels in a",
    )


def dar(cells: FacetCells) -> MetricValue:
    """Difference in Acceptance Rates (precision): TP_a/nhat_a(1) - TP_d/nhat_d(1)."""
    tp_a, fp_a, _, _ = cells.confusion(cells.a)
    tp_d, fp_d, _, _ = cells.confusion(cells.d)
    return _difference(
        "DAR",
        _ratio(tp_a, tp_a + fp_a),
        _ratio(tp_d, tp_d + fp_d),
        "no positive predictions in a",
        "no positive predictions in d",
    )


def drr(cells: FacetCells) -> MetricValue:
    """Difference in Rejection Rates: TN_d/nhat_d(0) - TN_a/nhat_a(0)."""
    _, _, fn_a, tn_a = cells.confusion(cells.a)
    _, _, fn_d, tn_d = cells.confusion(cells.d)
    return _difference(
        "DRR",
        _ratio(tn_d, tn_d + fn_d),
        _ratio(tn_a, tn_a + fn_a),
        "no negative predictions in d",
        "no negative predictions in a",
    )


def ad(cells: FacetCells) -> MetricValue:
    """Accuracy Difference: ACC_a - ACC_d."""
    tp_a, _, _, tn_a = cells.confusion(cells.a)
    tp_d, _, _, tn_d = cells.confusion(cells.d)
    return defined("AD", (tp_a + tn_a) / cells.n_a - (tp_d + tn_d) / cells.n_d)


def te(cells: FacetCells) -> MetricValue:
    """Treatment Equality: FN_d/FP_d - FN_a/FP_a."""
    _, fp_a, fn_a, _ = cells.confusion(cells.a)
    _, fp_d, fn_d, _ = cells.confusion(cells.d)
    return _difference(
        "TE", _ratio(fn_d, fp_d), _ratio(fn_a, fp_a), "no false positives in d", "no false positives in a"
    )


def cddpl(cells: FacetCells) -> MetricValue:
    """Conditional Demographic Disparity in Predicted Labels."""
    return conditional_demographic_disparity(cells, "CDDPL", axis=2)


def ge(cells: FacetCells) -> MetricValue:
    """Generalized Entropy (alpha = 2) of the benefit b = yhat - y + 1 over all rows (facet-independent)."""
    tp_a, fp_a, fn_a, tn_a = cells.confusion(cells.a)
    tp_d, fp_d, fn_d, tn_d = cells.confusion(cells.d)
    ones, twos, zeros = tp_a + tn_a + tp_d + tn_d, fp_a + fp_d, fn_a + fn_d
    n = ones + twos + zeros
    sum_b = ones + 2 * twos
    if sum_b == 0:
        return undefined("GE", "every prediction is a false negative: mean benefit is 0")
    mean = sum_b / n
    sum_sq_ratio = (ones * (1 / mean) ** 2) + twos * (2 / mean) ** 2
    return defined("GE", (sum_sq_ratio - n) / (n * 2))
