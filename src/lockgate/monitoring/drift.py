"""Feature drift of live traffic against the training baseline, with its sampling error.

Per feature: PSI over the training deciles with a bootstrap interval, and a Kolmogorov-Smirnov test
against the training CDF with its p-value. A pass's verdict is the number of *drifted* features:
those whose KS test rejects under Holm's correction for the number of features (family-wise error
`alpha`: false retrains on undrifted traffic stay below `alpha` per pass, at any sample size) and
whose PSI lower bound is at least `min_psi` (a shift large enough to matter: with 10^6 rows a KS
test rejects shifts nobody would retrain for).

PSI = sum over bins of (live - expected) * ln(live / expected), bins from the training deciles,
shares floored at 1e-4 so an empty bin stays finite; its interval is the 5th-95th percentile of PSI
over 200 multinomial resamples of the live bin counts (fixed seed: the same capture gives the same
numbers). PSI alone is no test: under no drift it grows like (bins - 1) / n, so 5 rows give PSI > 1.

KS: D = max |F_live - F_train| at the 101 points of the training quantile grid, with F_train the
exact training CDF there (baseline.cdf). D on a subset of points is at most the full statistic, and
discrete or one-hot features make the test conservative, so the p-value is an upper bound.
p = Q_KS((sqrt(n_e) + 0.12 + 0.11 / sqrt(n_e)) * D) (Stephens' small-sample form of Kolmogorov's
limit), n_e = n m / (n + m) with m the training rows (the baseline is a sample too).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from lockgate.monitoring.baseline import GRID, Baseline, FeatureBaseline

FLOOR = 1e-4
RESAMPLES = 200
ALPHA = 0.01  # contract monitoring.alpha: family-wise false-alarm rate per pass
MIN_PSI = 0.1  # contract monitoring.min_psi: PSI lower bound that counts ("moderate shift")


class FeatureDrift(BaseModel):
    """Drift of one feature: PSI with its interval, KS with its p-value, the verdict."""

    name: str
    rows: int = 0
    psi: float
    psi_low: float | None = None
    psi_high: float | None = None
    ks: float | None = None
    p_value: float | None = None
    drifted: bool = False


class DriftReport(BaseModel):
    """Drift of every feature over `rows` captured rows."""

    rows: int
    features: list[FeatureDrift]
    alpha: float = ALPHA
    min_psi: float = MIN_PSI

    @property
    def max_psi(self) -> float:
        """The largest PSI point estimate (shown to people; biased upward on small samples)."""
        return max((f.psi for f in self.features), default=0.0)

    @property
    def drifted(self) -> list[str]:
        """Features that drifted (KS rejects after Holm's correction and PSI's lower bound counts)."""
        return [f.name for f in self.features if f.drifted]

    @property
    def min_p_value(self) -> float | None:
        """The smallest KS p-value (uncorrected)."""
        values = [f.p_value for f in self.features if f.p_value is not None]
        return min(values) if values else None


def psi(expected: np.ndarray, live: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    e = np.maximum(expected, FLOOR)
    a = np.maximum(live, FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def _psi_rows(expected: np.ndarray, live: np.ndarray) -> np.ndarray:
    """PSI of each row of `live[r, bins]` (shares) against `expected`."""
    e = np.maximum(expected, FLOOR)
    a = np.maximum(live, FLOOR)
    return np.asarray(np.sum((a - e) * np.log(a / e), axis=1))


def kolmogorov_p(statistic: float, n_effective: float) -> float:
    """P(D >= statistic) under no drift (Stephens' approximation; exact enough from n = 4)."""
    if n_effective <= 0:
        return 1.0
    root = np.sqrt(n_effective)
    lam = (root + 0.12 + 0.11 / root) * statistic
    if lam < 0.2:
        return 1.0
    k = np.arange(1, 101)
    value = 2.0 * float(np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k**2 * lam**2)))
    return float(min(1.0, max(0.0, value)))


def feature_drift(baseline: FeatureBaseline, column: np.ndarray, training_rows: int = 0) -> FeatureDrift:
    """PSI (with interval) and KS (with p-value) of one live column against its baseline."""
    column = column[np.isfinite(column)]
    n = int(column.size)
    edges = np.asarray(baseline.edges)
    expected = np.asarray(baseline.expected)
    counts = np.bincount(np.searchsorted(edges, column, side="right"), minlength=edges.size + 1)
    live = counts / max(1, n)
    value = psi(expected, live)
    low = high = None
    if n:
        rng = np.random.default_rng(0)
        resampled = rng.multinomial(n, live, size=RESAMPLES) / n
        low, high = (float(x) for x in np.quantile(_psi_rows(expected, resampled), [0.05, 0.95]))
    ks = p_value = None
    if baseline.quantiles and n:
        ks = _ks(np.asarray(baseline.quantiles), np.asarray(baseline.cdf) if baseline.cdf else None, column)
        m = training_rows or n
        p_value = kolmogorov_p(ks, n * m / (n + m) if training_rows else n)
    return FeatureDrift(
        name=baseline.name,
        rows=n,
        psi=round(value, 6),
        psi_low=None if low is None else round(low, 6),
        psi_high=None if high is None else round(high, 6),
        ks=None if ks is None else round(ks, 6),
        p_value=p_value,
    )


def _ks(train_grid: np.ndarray, train_cdf: np.ndarray | None, column: np.ndarray) -> float:
    """max |F_live - F_train| at the training quantile grid points (one searchsorted pass)."""
    at_or_below = np.cumsum(np.bincount(np.searchsorted(train_grid, column, side="left"), minlength=GRID + 1))
    f_live = at_or_below[: train_grid.size] / column.size
    f_train = (
        train_cdf
        if train_cdf is not None
        else np.searchsorted(train_grid, train_grid, side="right") / train_grid.size
    )
    return float(np.max(np.abs(f_train - f_live)))


def holm(p_values: list[float | None], alpha: float) -> list[bool]:
    """Which hypotheses Holm's step-down procedure rejects at family-wise level `alpha`."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    rejected = [False] * len(p_values)
    for rank, (p, i) in enumerate(tested):
        if p > alpha / (len(tested) - rank):
            break
        rejected[i] = True
    return rejected


def drift(
    baseline: Baseline,
    features: np.ndarray,
    alpha: float = ALPHA,
    min_psi: float = MIN_PSI,
    names: list[str] | None = None,
) -> DriftReport:
    """Drift of every baseline feature found in `features[n, k]` (columns named by `names`, model
    order when None; a baseline feature missing from the capture is not measured)."""
    names = baseline.names if names is None else names
    position = {name: j for j, name in enumerate(names)}
    measured = [
        feature_drift(b, features[:, position[b.name]], baseline.rows)
        for b in baseline.features
        if b.name in position
    ]
    for feature, rejected in zip(measured, holm([f.p_value for f in measured], alpha), strict=True):
        feature.drifted = rejected and (feature.psi_low or 0.0) >= min_psi
    return DriftReport(rows=int(features.shape[0]), features=measured, alpha=alpha, min_psi=min_psi)
