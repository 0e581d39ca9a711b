"""Every bias metric over a stack of count tables at once (the bootstrap's resamples).

A `Stack` holds d and a as [B, g, l, p] arrays (B tables; g groups, l label, p prediction) and
computes each marginal once (the resamples share them across metrics). Each metric returns B
values, NaN where it is undefined in that table. The definitions are the scalar ones of
metrics_pre / metrics_post (a unit test checks they agree on every metric); call them under
`np.errstate(divide="ignore", invalid="ignore")`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np


def _out(values: object) -> np.ndarray:
    """As float64 (the stubs type numpy arithmetic on untyped arrays as Any)."""
    return np.asarray(values, dtype=np.float64)


class Side:
    """One side's B tables and their marginals, each [B] (computed on first use)."""

    def __init__(self, cells: np.ndarray) -> None:
        self.cells = cells  # [B, g, l, p]

    @cached_property
    def confusion(self) -> np.ndarray:
        """[B, l, p] over all groups, float64, with p of size 2 (zeros when there are no predictions)."""
        m = _out(self.cells[:, 0] if self.cells.shape[1] == 1 else self.cells.sum(axis=1))
        if m.shape[2] == 1:
            m = np.concatenate([m, np.zeros_like(m)], axis=2)
        return m

    @cached_property
    def tp(self) -> np.ndarray:
        return _out(self.confusion[:, 1, 1])

    @cached_property
    def fp(self) -> np.ndarray:
        return _out(self.confusion[:, 0, 1])

    @cached_property
    def fn(self) -> np.ndarray:
        return _out(self.confusion[:, 1, 0])

    @cached_property
    def tn(self) -> np.ndarray:
        return _out(self.confusion[:, 0, 0])

    @cached_property
    def label1(self) -> np.ndarray:
        return _out(self.tp + self.fn)

    @cached_property
    def label0(self) -> np.ndarray:
        return _out(self.tn + self.fp)

    @cached_property
    def pred1(self) -> np.ndarray:
        return _out(self.tp + self.fp)

    @cached_property
    def pred0(self) -> np.ndarray:
        return _out(self.tn + self.fn)

    @cached_property
    def n(self) -> np.ndarray:
        return _out(self.label0 + self.label1)

    @cached_property
    def q(self) -> np.ndarray:
        """Positive label rate."""
        return _out(self.label1 / self.n)


class Stack:
    """B resampled tables of one facet value: d and a, [B, g, l, p] each."""

    def __init__(self, d: np.ndarray, a: np.ndarray, has_groups: bool) -> None:
        self.d, self.a, self.has_groups = Side(d), Side(a), has_groups


Vector = Callable[[Stack], np.ndarray]


def _nan_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return _out(np.where(den > 0, num / den, np.nan))


def _kl_binary(p1: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """KL(p || q) of two-class distributions given by their class-1 shares; 0 log 0 = 0; NaN where
    a class with p > 0 has q = 0 (infinite)."""
    total = np.zeros_like(p1)
    infinite = np.zeros(p1.shape, dtype=bool)
    for p, q in ((p1, q1), (1 - p1, 1 - q1)):
        total += np.where(p > 0, p * np.log(p / q), 0.0)
        infinite |= (p > 0) & (q == 0)
    return _out(np.where(infinite, np.nan, total))


def ci(s: Stack) -> np.ndarray:
    return _out((s.a.n - s.d.n) / (s.a.n + s.d.n))


def dpl(s: Stack) -> np.ndarray:
    return _out(s.a.q - s.d.q)


def kl(s: Stack) -> np.ndarray:
    return _kl_binary(s.a.q, s.d.q)


def js(s: Stack) -> np.ndarray:
    mid = (s.a.q + s.d.q) / 2
    return _out(0.5 * (_kl_binary(s.a.q, mid) + _kl_binary(s.d.q, mid)))


def lp(s: Stack) -> np.ndarray:
    return _out(np.sqrt(2.0) * np.abs(s.a.q - s.d.q))


def tvd(s: Stack) -> np.ndarray:
    return _out(np.abs(s.a.q - s.d.q))


def ks(s: Stack) -> np.ndarray:
    return _out(np.abs(s.a.q - s.d.q))


def _cdd(s: Stack, other_axis: int) -> np.ndarray:
    """CDD over the group variable; other_axis is the axis summed away (3: labels, 2: predictions)."""
    if not s.has_groups:
        return _out(np.full(s.d.cells.shape[0], np.nan))
    d_out = _out(s.d.cells.sum(axis=other_axis))  # [B, g, outcome]
    total = d_out + s.a.cells.sum(axis=other_axis)
    usable = (total[..., 0] > 0) & (total[..., 1] > 0)
    n_i = total[..., 0] + total[..., 1]
    dd = d_out[..., 0] / total[..., 0] - d_out[..., 1] / total[..., 1]
    weight = np.where(usable, n_i, 0.0)
    return _out(np.where(usable, n_i * dd, 0.0).sum(axis=1) / weight.sum(axis=1))


def cddl(s: Stack) -> np.ndarray:
    return _cdd(s, 3)


def cddpl(s: Stack) -> np.ndarray:
    return _cdd(s, 2)


def dppl(s: Stack) -> np.ndarray:
    return _out(s.a.pred1 / s.a.n - s.d.pred1 / s.d.n)


def di(s: Stack) -> np.ndarray:
    return _nan_div(s.d.pred1 / s.d.n, s.a.pred1 / s.a.n)


def dca(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.a.label1, s.a.pred1) - _nan_div(s.d.label1, s.d.pred1))


def dcr(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.d.label0, s.d.pred0) - _nan_div(s.a.label0, s.a.pred0))


def rd(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.a.tp, s.a.label1) - _nan_div(s.d.tp, s.d.label1))


def sd(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.d.tn, s.d.label0) - _nan_div(s.a.tn, s.a.label0))


def dar(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.a.tp, s.a.pred1) - _nan_div(s.d.tp, s.d.pred1))


def drr(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.d.tn, s.d.pred0) - _nan_div(s.a.tn, s.a.pred0))


def ad(s: Stack) -> np.ndarray:
    return _out((s.a.tp + s.a.tn) / s.a.n - (s.d.tp + s.d.tn) / s.d.n)


def te(s: Stack) -> np.ndarray:
    return _out(_nan_div(s.d.fn, s.d.fp) - _nan_div(s.a.fn, s.a.fp))


def ge(s: Stack) -> np.ndarray:
    ones = s.a.tp + s.a.tn + s.d.tp + s.d.tn
    twos, zeros = s.a.fp + s.d.fp, s.a.fn + s.d.fn
    n = ones + twos + zeros
    sum_b = ones + 2 * twos
    mean = sum_b / n
    value = (ones * (1 / mean) ** 2 + twos * (2 / mean) ** 2 - n) / (n * 2)
    return _out(np.where(sum_b > 0, value, np.nan))
