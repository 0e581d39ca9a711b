"""Every bias metric over a stack of count tables at once (the bootstrap's resamples).

d and a are [B, g, l, p] arrays (B tables; g groups, l label, p prediction). Each function returns
B values, NaN where the metric is undefined in that table. The definitions are the scalar ones of
metrics_pre / metrics_post (a unit test checks they agree on every metric); call them under
`np.errstate(divide="ignore", invalid="ignore")`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Vector = Callable[[np.ndarray, np.ndarray, bool], np.ndarray]


def _out(values: object) -> np.ndarray:
    """As float64 (the stubs type numpy arithmetic on untyped arrays as Any)."""
    return np.asarray(values, dtype=np.float64)


def _n(side: np.ndarray) -> np.ndarray:
    return _out(side.sum(axis=(1, 2, 3)).astype(np.float64))


def _labels(side: np.ndarray) -> np.ndarray:
    """[B, 2]: (negatives, positives) by observed label."""
    return _out(side.sum(axis=(1, 3)).astype(np.float64))


def _predictions(side: np.ndarray) -> np.ndarray:
    """[B, 2]: (negatives, positives) by predicted label."""
    return _out(side.sum(axis=(1, 2)).astype(np.float64))


def _confusion(side: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(TP, FP, FN, TN), each [B]."""
    m = side.sum(axis=1).astype(np.float64)
    return _out(m[:, 1, 1]), _out(m[:, 0, 1]), _out(m[:, 1, 0]), _out(m[:, 0, 0])


def _q(side: np.ndarray) -> np.ndarray:
    return _out(_labels(side)[:, 1] / _n(side))


def _distributions(d: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _out(_labels(a) / _n(a)[:, None]), _out(_labels(d) / _n(d)[:, None])


def _kl_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) per row; 0 log 0 = 0; NaN where p > 0 = q (infinite)."""
    terms = np.where(p > 0, p * np.log(p / q), 0.0)
    out = terms.sum(axis=1)
    return _out(np.where(((p > 0) & (q == 0)).any(axis=1), np.nan, out))


def ci(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    na, nd = _n(a), _n(d)
    return _out((na - nd) / (na + nd))


def dpl(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    return _out(_q(a) - _q(d))


def kl(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    pa, pd = _distributions(d, a)
    return _out(_kl_rows(pa, pd))


def js(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    pa, pd = _distributions(d, a)
    mid = (pa + pd) / 2
    return _out(0.5 * (_kl_rows(pa, mid) + _kl_rows(pd, mid)))


def lp(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    pa, pd = _distributions(d, a)
    return _out(np.sqrt(((pa - pd) ** 2).sum(axis=1)))


def tvd(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    pa, pd = _distributions(d, a)
    return _out(0.5 * np.abs(pa - pd).sum(axis=1))


def ks(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    pa, pd = _distributions(d, a)
    return _out(np.abs(pa - pd).max(axis=1))


def _cdd(d: np.ndarray, a: np.ndarray, groups: bool, other_axis: int) -> np.ndarray:
    """CDD over the group variable; other_axis is the axis summed away (3: labels, 2: predictions)."""
    if not groups:
        return np.full(d.shape[0], np.nan)
    d_out = d.sum(axis=other_axis).astype(np.float64)  # [B, g, outcome]
    total = d_out + a.sum(axis=other_axis)
    usable = (total[..., 0] > 0) & (total[..., 1] > 0)
    n_i = total.sum(axis=2)
    dd = d_out[..., 0] / total[..., 0] - d_out[..., 1] / total[..., 1]
    weight = np.where(usable, n_i, 0.0)
    return _out(np.where(usable, n_i * dd, 0.0).sum(axis=1) / weight.sum(axis=1))


def cddl(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    return _out(_cdd(d, a, groups, 3))


def cddpl(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    return _out(_cdd(d, a, groups, 2))


def dppl(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    return _out(_predictions(a)[:, 1] / _n(a) - _predictions(d)[:, 1] / _n(d))


def di(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    qa = _predictions(a)[:, 1] / _n(a)
    qd = _predictions(d)[:, 1] / _n(d)
    return _out(np.where(qa > 0, qd / qa, np.nan))


def _nan_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return _out(np.where(den > 0, num / den, np.nan))


def dca(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    accept_a = _nan_div(_labels(a)[:, 1], _predictions(a)[:, 1])
    return _out(accept_a - _nan_div(_labels(d)[:, 1], _predictions(d)[:, 1]))


def dcr(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    reject_d = _nan_div(_labels(d)[:, 0], _predictions(d)[:, 0])
    return _out(reject_d - _nan_div(_labels(a)[:, 0], _predictions(a)[:, 0]))


def rd(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    tp_a, _, fn_a, _ = _confusion(a)
    tp_d, _, fn_d, _ = _confusion(d)
    return _out(_nan_div(tp_a, tp_a + fn_a) - _nan_div(tp_d, tp_d + fn_d))


def sd(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    _, fp_a, _, tn_a = _confusion(a)
    _, fp_d, _, tn_d = _confusion(d)
    return _out(_nan_div(tn_d, tn_d + fp_d) - _nan_div(tn_a, tn_a + fp_a))


def dar(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    tp_a, fp_a, _, _ = _confusion(a)
    tp_d, fp_d, _, _ = _confusion(d)
    return _out(_nan_div(tp_a, tp_a + fp_a) - _nan_div(tp_d, tp_d + fp_d))


def drr(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    _, _, fn_a, tn_a = _confusion(a)
    _, _, fn_d, tn_d = _confusion(d)
    return _out(_nan_div(tn_d, tn_d + fn_d) - _nan_div(tn_a, tn_a + fn_a))


def ad(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    tp_a, _, _, tn_a = _confusion(a)
    tp_d, _, _, tn_d = _confusion(d)
    return _out((tp_a + tn_a) / _n(a) - (tp_d + tn_d) / _n(d))


def te(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    _, fp_a, fn_a, _ = _confusion(a)
    _, fp_d, fn_d, _ = _confusion(d)
    return _out(_nan_div(fn_d, fp_d) - _nan_div(fn_a, fp_a))


def ge(d: np.ndarray, a: np.ndarray, groups: bool) -> np.ndarray:
    tp_a, fp_a, fn_a, tn_a = _confusion(a)
    tp_d, fp_d, fn_d, tn_d = _confusion(d)
    ones, twos, zeros = tp_a + tn_a + tp_d + tn_d, fp_a + fp_d, fn_a + fn_d
    n = ones + twos + zeros
    sum_b = ones + 2 * twos
    mean = sum_b / n
    value = (ones * (1 / mean) ** 2 + twos * (2 / mean) ** 2 - n) / (n * 2)
    return _out(np.where(sum_b > 0, value, np.nan))


VECTOR_METRICS: dict[str, Vector] = {
    "CI": ci,
    "DPL": dpl,
    "KL": kl,
    "JS": js,
    "LP": lp,
    "TVD": tvd,
    "KS": ks,
    "CDDL": cddl,
    "DPPL": dppl,
    "DI": di,
    "DCA": dca,
    "DCR": dcr,
    "RD": rd,
    "SD": sd,
    "DAR": dar,
    "DRR": drr,
    "AD": ad,
    "TE": te,
    "CDDPL": cddpl,
    "GE": ge,
}
