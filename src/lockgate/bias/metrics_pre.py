"""Pre-training bias metrics from a facet value's counts (Clarify's definitions; see
SMCLARIFY_DIFFERENCES.md for where an undefined value is None instead of smclarify's 0 or inf)."""

from __future__ import annotations

import math

import numpy as np

from lockgate.bias.metric_value import FacetCells, MetricValue, defined, undefined


def _label_distributions(cells: FacetCells) -> tuple[tuple[float, float], tuple[float, float]]:
    """(P_a, P_d): the observed label distribution (negative, positive) of each side."""
    a0, a1 = cells.label_counts(cells.a)
    d0, d1 = cells.label_counts(cells.d)
    na, nd = a0 + a1, d0 + d1
    return (a0 / na, a1 / na), (d0 / nd, d1 / nd)


def ci(cells: FacetCells) -> MetricValue:
    """Class Imbalance: (n_a - n_d) / (n_a + n_d)."""
    na, nd = cells.n_a, cells.n_d
    return defined("CI", (na - nd) / (na + nd))


def dpl(cells: FacetCells) -> MetricValue:
    """Difference in Positive Proportions in Labels: q_a - q_d."""
    pa, pd = _label_distributions(cells)
    return defined("DPL", pa[1] - pd[1])


def _kl(p: tuple[float, ...], q: tuple[float, ...]) -> float | None:
    total = 0.0
    for pi, qi in zip(p, q, strict=True):
        if pi == 0:
            continue  # 0 log 0 = 0
        if qi == 0:
            return None
        total += pi * math.log(pi / qi)
    return total


def kl(cells: FacetCells) -> MetricValue:
    """Kullback-Leibler divergence KL(P_a || P_d) of the label distributions."""
    pa, pd = _label_distributions(cells)
    value = _kl(pa, pd)
    if value is None:
        return undefined("KL", "a label class present in a is absent from d: KL(Pa||Pd) is infinite")
    return defined("KL", value)


def js(cells: FacetCells) -> MetricValue:
    """Jensen-Shannon divergence of the label distributions (natural log)."""
    pa, pd = _label_distributions(cells)
    mid = tuple((x + y) / 2 for x, y in zip(pa, pd, strict=True))
    value = 0.5 * ((_kl(pa, mid) or 0.0) + (_kl(pd, mid) or 0.0))
    return defined("JS", value)


def lp(cells: FacetCells) -> MetricValue:
    """L2 norm of P_a - P_d."""
    pa, pd = _label_distributions(cells)
    return defined("LP", float(np.linalg.norm(np.subtract(pa, pd), 2)))


def tvd(cells: FacetCells) -> MetricValue:
    """Total variation distance: half the L1 norm of P_a - P_d."""
    pa, pd = _label_distributions(cells)
    return defined("TVD", 0.5 * float(np.linalg.norm(np.subtract(pa, pd), 1)))


def ks(cells: FacetCells) -> MetricValue:
    """Kolmogorov-Smirnov distance: max |P_a - P_d|."""
    pa, pd = _label_distributions(cells)
    return defined("KS", float(np.linalg.norm(np.subtract(pa, pd), np.inf)))


def conditional_demographic_disparity(cells: FacetCells, name: str, axis: int) -> MetricValue:
    """CDD over the group variable; axis 1 uses observed labels (CDDL), 2 predictions (CDDPL).

    DD_i = n_d,i(0)/n_i(0) - n_d,i(1)/n_i(1); CDD = sum n_i DD_i / sum n_i over groups where both
    outcomes occur (DD_i is undefined in a group without rejections or without acceptances).
    """
    if not cells.has_groups:
        return undefined(name, "no group_variable configured")
    other = 2 if axis == 1 else 1
    d = cells.d.sum(axis=other)  # [g, outcome]
    total = d + cells.a.sum(axis=other)
    if total[:, 0].sum() == 0:
        return undefined(name, "no negative outcomes in the data")
    if total[:, 1].sum() == 0:
        return undefined(name, "no positive outcomes in the data")
    usable = (total[:, 0] > 0) & (total[:, 1] > 0)
    if not usable.any():
        return undefined(name, "no group of the group variable has both outcomes")
    n_i = total.sum(axis=1)[usable].astype(float)
    dd = d[usable, 0] / total[usable, 0] - d[usable, 1] / total[usable, 1]
    return defined(name, float(np.sum(n_i * dd) / np.sum(n_i)))


def cddl(cells: FacetCells) -> MetricValue:
    """Conditional Demographic Disparity in Labels."""
    return conditional_demographic_disparity(cells, "CDDL", axis=1)
