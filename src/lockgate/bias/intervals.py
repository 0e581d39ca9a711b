"""Confidence intervals for every bias metric, from a facet value's count table only.

Analytic where a sound formula exists (see INTERVALS.md for the per-metric table and why):
- Wilson score interval for a single proportion (CI is 1 - 2 * n_d / n);
- Newcombe's hybrid score interval (his method 10, built from two Wilson intervals) for a
  difference of two independent proportions (DPL, DPPL, RD, SD, DAR, DRR, AD), folded for the
  binary-label distances that are |DPL| (TVD, KS) or sqrt(2) |DPL| (LP);
- Katz's log-ratio interval for the ratio of two proportions (DI).
Otherwise (KL, JS, CDDL, CDDPL, DCA, DCR, TE, GE) a percentile bootstrap that resamples the count
table multinomially within each side (d and a keep their sizes, as rows resampled within each
group would), vectorised over the resamples and seeded, so the same table gives the same interval.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from lockgate.bias.interval_settings import IntervalSettings
from lockgate.bias.metric_value import FacetCells, Interval, MetricValue
from lockgate.bias.metrics_vector import Stack
from lockgate.bias.registry import VECTOR_METRICS

WILSON = "wilson"
NEWCOMBE = "newcombe-wilson"
NEWCOMBE_FOLDED = "newcombe-wilson-abs"
KATZ = "katz-log"
BOOTSTRAP = "bootstrap-percentile"


def z_value(level: float) -> float:
    """The two-sided standard normal quantile for `level` (1.959964 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


# ---------------------------------------------------------------- analytic intervals


def wilson(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's score interval for the proportion x / n (n > 0)."""
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10, 1998) for p1 - p2 = x1/n1 - x2/n2."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, lower), min(1.0, upper)


def katz(x1: int, n1: int, x2: int, n2: int, z: float) -> tuple[float, float]:
    """Katz's log interval for the ratio (x1/n1) / (x2/n2), x2 > 0. When a proportion is 0 or 1
    the standard error takes 0.5 more in each cell (Haldane-Anscombe); x1 = 0 keeps the lower
    bound at the point value 0."""
    ratio = (x1 / n1) / (x2 / n2)
    if x1 in (0, n1) or x2 == n2:
        c1, m1, c2, m2 = x1 + 0.5, n1 + 1.0, x2 + 0.5, n2 + 1.0
    else:
        c1, m1, c2, m2 = float(x1), float(n1), float(x2), float(n2)
    se = math.sqrt(max(0.0, 1 / c1 - 1 / m1 + 1 / c2 - 1 / m2))
    if x1 == 0:
        return 0.0, (c1 / m1) / (c2 / m2) * math.exp(z * se)
    return ratio * math.exp(-z * se), ratio * math.exp(z * se)


def fold_abs(lower: float, upper: float, scale: float = 1.0) -> tuple[float, float]:
    """The image of [lower, upper] under scale * |x|: it holds scale * |theta| whenever the
    interval holds theta, so the coverage carries over (it can only grow)."""
    if lower <= 0 <= upper:
        return 0.0, scale * max(-lower, upper)
    low, high = sorted((abs(lower), abs(upper)))
    return scale * low, scale * high


Analytic = Callable[[FacetCells, float], tuple[float, float]]


def _labels(cells: FacetCells) -> tuple[int, int, int, int]:
    """(positives a, n_a, positives d, n_d) by observed label."""
    return cells.label_counts(cells.a)[1], cells.n_a, cells.label_counts(cells.d)[1], cells.n_d


def _ci(cells: FacetCells, z: float) -> tuple[float, float]:
    low, high = wilson(cells.n_d, cells.n_a + cells.n_d, z)
    return 1 - 2 * high, 1 - 2 * low


def _dpl(cells: FacetCells, z: float) -> tuple[float, float]:
    return newcombe(*_labels(cells), z)


def _tvd(cells: FacetCells, z: float) -> tuple[float, float]:
    return fold_abs(*_dpl(cells, z))


def _lp(cells: FacetCells, z: float) -> tuple[float, float]:
    return fold_abs(*_dpl(cells, z), scale=math.sqrt(2))


def _dppl(cells: FacetCells, z: float) -> tuple[float, float]:
    a1, d1 = cells.prediction_counts(cells.a)[1], cells.prediction_counts(cells.d)[1]
    return newcombe(a1, cells.n_a, d1, cells.n_d, z)


def _di(cells: FacetCells, z: float) -> tuple[float, float]:
    a1, d1 = cells.prediction_counts(cells.a)[1], cells.prediction_counts(cells.d)[1]
    return katz(d1, cells.n_d, a1, cells.n_a, z)


def _rd(cells: FacetCells, z: float) -> tuple[float, float]:
    tp_a, _, fn_a, _ = cells.confusion(cells.a)
    tp_d, _, fn_d, _ = cells.confusion(cells.d)
    return newcombe(tp_a, tp_a + fn_a, tp_d, tp_d + fn_d, z)


def _sd(cells: FacetCells, z: float) -> tuple[float, float]:
    _, fp_a, _, tn_a = cells.confusion(cells.a)
    _, fp_d, _, tn_d = cells.confusion(cells.d)
    return newcombe(tn_d, tn_d + fp_d, tn_a, tn_a + fp_a, z)


def _dar(cells: FacetCells, z: float) -> tuple[float, float]:
    tp_a, fp_a, _, _ = cells.confusion(cells.a)
    tp_d, fp_d, _, _ = cells.confusion(cells.d)
    return newcombe(tp_a, tp_a + fp_a, tp_d, tp_d + fp_d, z)


def _drr(cells: FacetCells, z: float) -> tuple[float, float]:
    _, _, fn_a, tn_a = cells.confusion(cells.a)
    _, _, fn_d, tn_d = cells.confusion(cells.d)
    return newcombe(tn_d, tn_d + fn_d, tn_a, tn_a + fn_a, z)


def _ad(cells: FacetCells, z: float) -> tuple[float, float]:
    tp_a, _, _, tn_a = cells.confusion(cells.a)
    tp_d, _, _, tn_d = cells.confusion(cells.d)
    return newcombe(tp_a + tn_a, cells.n_a, tp_d + tn_d, cells.n_d, z)


ANALYTIC: dict[str, tuple[str, Analytic]] = {
    "CI": (WILSON, _ci),
    "DPL": (NEWCOMBE, _dpl),
    "TVD": (NEWCOMBE_FOLDED, _tvd),
    "KS": (NEWCOMBE_FOLDED, _tvd),
    "LP": (NEWCOMBE_FOLDED, _lp),
    "DPPL": (NEWCOMBE, _dppl),
    "DI": (KATZ, _di),
    "RD": (NEWCOMBE, _rd),
    "SD": (NEWCOMBE, _sd),
    "DAR": (NEWCOMBE, _dar),
    "DRR": (NEWCOMBE, _drr),
    "AD": (NEWCOMBE, _ad),
}
BOOTSTRAPPED: frozenset[str] = frozenset(VECTOR_METRICS) - frozenset(ANALYTIC)


def method_of(name: str) -> str:
    """The interval method used for a metric."""
    return ANALYTIC[name][0] if name in ANALYTIC else BOOTSTRAP


# ---------------------------------------------------------------- bootstrap


def resample(side: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """`resamples` multinomial draws of one side's table [g, l, p] with its own total: [B, g, l, p]."""
    n = int(side.sum())
    flat = side.reshape(-1).astype(np.float64)
    if n == 0:
        return np.zeros((resamples, *side.shape), dtype=np.int64)
    draws = rng.multinomial(n, flat / n, size=resamples)
    return draws.reshape(resamples, *side.shape)


def bootstrap(
    cells: FacetCells, names: list[str], settings: IntervalSettings, rng: np.random.Generator
) -> dict[str, Interval]:
    """Percentile intervals for `names` from one set of resampled tables (shared by the metrics).

    A resample where the metric is undefined (e.g. no false positives in d for TE) is dropped; if
    more than (1 - level) / 2 of them are, the interval is null with that reason (the tail it
    would cut is unknown)."""
    if not names:
        return {}
    stack = Stack(
        resample(cells.d, settings.resamples, rng),
        resample(cells.a, settings.resamples, rng),
        cells.has_groups,
    )
    alpha = 1 - settings.level
    out: dict[str, Interval] = {}
    for name in names:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = VECTOR_METRICS[name](stack)
        ok = values[np.isfinite(values)]
        missing = settings.resamples - ok.size
        if missing > alpha / 2 * settings.resamples or ok.size == 0:
            out[name] = Interval(
                settings.level,
                BOOTSTRAP,
                reason=f"undefined in {missing} of {settings.resamples} bootstrap resamples",
            )
            continue
        low, high = np.quantile(ok, [alpha / 2, 1 - alpha / 2])
        out[name] = Interval(settings.level, BOOTSTRAP, float(low), float(high))
    return out


def stream_seed(settings: IntervalSettings, *key: str) -> np.random.Generator:
    """A generator seeded by the settings' seed and a stable key (facet, value, stage)."""
    return np.random.default_rng([settings.seed, zlib.crc32("\x1f".join(key).encode())])


def with_intervals(
    cells: FacetCells,
    metrics: list[MetricValue],
    settings: IntervalSettings,
    rng: np.random.Generator,
) -> list[MetricValue]:
    """The metrics with their intervals attached (point values unchanged)."""
    z = z_value(settings.level)
    boot = bootstrap(
        cells, [m.name for m in metrics if m.value is not None and m.name in BOOTSTRAPPED], settings, rng
    )
    out = []
    for m in metrics:
        out.append(MetricValue(m.name, m.value, m.reason, interval_for(m, cells, settings, z, boot)))
    return out


def interval_for(
    metric: MetricValue,
    cells: FacetCells,
    settings: IntervalSettings,
    z: float,
    boot: dict[str, Interval],
) -> Interval:
    """One metric's interval: null with the metric's reason when the metric is null."""
    method = method_of(metric.name)
    if metric.value is None:
        return Interval(settings.level, method, reason=metric.reason)
    if metric.name in boot:
        found = boot[metric.name]
        if found.lower is None or found.upper is None:
            return found
        # a percentile interval can miss the point value on a skewed statistic: keep it inside
        return Interval(
            found.level, found.method, min(found.lower, metric.value), max(found.upper, metric.value)
        )
    low, high = ANALYTIC[metric.name][1](cells, z)
    low, high = min(low, metric.value), max(high, metric.value)
    return Interval(settings.level, method, low, high)
