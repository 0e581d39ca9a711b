"""Confidence intervals: published values (Wilson, Newcombe), Katz by hand, the vectorised metrics
against the scalar ones, analytic against bootstrap, determinism, and undefined intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lockgate.bias.interval_settings import IntervalSettings
from lockgate.bias.intervals import (
    ANALYTIC,
    BOOTSTRAP,
    BOOTSTRAPPED,
    bootstrap,
    fold_abs,
    katz,
    newcombe,
    wilson,
    with_intervals,
    z_value,
)
from lockgate.bias.metric_value import FacetCells, Interval
from lockgate.bias.metrics_vector import Stack
from lockgate.bias.registry import POST_TRAINING, PRE_TRAINING, VECTOR_METRICS, compute_post_training
from lockgate.bias.specs import POST_TRAINING_METHODS

Z95 = z_value(0.95)


def test_z_value() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombes_published_values(x: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(x, n, Z95)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "expected"),
    [  # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (hybrid score)
        (56, 70, 48, 80, (0.0524, 0.3339)),
        (9, 10, 3, 10, (0.1705, 0.8090)),
        (6, 7, 2, 7, (0.0582, 0.8062)),
        (5, 56, 0, 29, (-0.0381, 0.1926)),
        (0, 10, 0, 20, (-0.1611, 0.2775)),
        (10, 10, 0, 20, (0.6791, 1.0000)),
    ],
)
def test_newcombe_matches_his_published_examples(
    x1: int, n1: int, x2: int, n2: int, expected: tuple[float, float]
) -> None:
    assert newcombe(x1, n1, x2, n2, Z95) == pytest.approx(expected, abs=6e-5)


def test_katz_log_ratio_interval_by_hand() -> None:
    # RR = 0.3 / 0.2 = 1.5; SE(log RR) = sqrt(1/30 - 1/100 + 1/20 - 1/100) = 0.251661
    lo, hi = katz(30, 100, 20, 100, Z95)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100)
    assert lo == pytest.approx(1.5 * math.exp(-Z95 * se)) and hi == pytest.approx(1.5 * math.exp(Z95 * se))
    assert (round(lo, 4), round(hi, 4)) == (0.916, 2.4564)


def test_katz_with_a_zero_count_keeps_zero_and_a_finite_upper_bound() -> None:
    lo, hi = katz(0, 40, 30, 100, Z95)
    assert lo == 0.0 and 0 < hi < 1
    lo, hi = katz(40, 40, 100, 100, Z95)  # both proportions 1: not a zero-width interval
    assert lo < 1 < hi


def test_fold_abs() -> None:
    assert fold_abs(-0.1, 0.3) == (0.0, 0.3)
    assert fold_abs(-0.4, -0.1) == (0.1, 0.4)
    assert fold_abs(0.1, 0.2, scale=2.0) == (0.2, 0.4)


def random_cells(rng: np.random.Generator, groups: int = 3, scale: int = 40) -> FacetCells:
    d = rng.integers(0, scale, size=(groups, 2, 2))
    a = rng.integers(0, scale * 3, size=(groups, 2, 2))
    return FacetCells(d, a, groups > 1)


@pytest.mark.parametrize("seed", range(20))
def test_every_vectorised_metric_equals_its_scalar_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = random_cells(rng, groups=int(rng.integers(1, 4)), scale=int(rng.choice([2, 5, 50])))
    if cells.n_d == 0 or cells.n_a == 0:
        return
    scalar = {
        **{k: f(cells) for k, f in PRE_TRAINING.items()},
        **{k: f(cells) for k, f in POST_TRAINING.items()},
    }
    # pre-training metrics read labels only, so a table with predictions gives them too
    for name, fn in VECTOR_METRICS.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            vector = fn(Stack(cells.d[None], cells.a[None], cells.has_groups))[0]
        expected = scalar[name].value
        if expected is None:
            assert not np.isfinite(vector), name
        else:
            assert vector == pytest.approx(expected, abs=1e-12), name


def test_every_metric_has_exactly_one_method() -> None:
    assert set(ANALYTIC) | BOOTSTRAPPED == set(VECTOR_METRICS)
    assert not set(ANALYTIC) & BOOTSTRAPPED


@pytest.mark.parametrize("name", ["DPPL", "DI", "RD", "SD", "DAR", "DRR", "AD", "DPL"])
def test_analytic_intervals_agree_with_the_bootstrap_on_a_large_table(name: str) -> None:
    # d: 2,000 rows, a: 8,000 rows, every cell populated
    d = np.array([[[500, 200], [300, 1000]]])
    a = np.array([[[2500, 700], [800, 4000]]])
    cells = FacetCells(d, a, False)
    settings = IntervalSettings(0.95, resamples=4000, seed=1)
    boot = bootstrap(cells, [name], settings, np.random.default_rng(1))[name]
    low, high = ANALYTIC[name][1](cells, Z95)
    assert boot.lower is not None and boot.upper is not None
    width = high - low
    assert abs(boot.lower - low) < 0.08 * width and abs(boot.upper - high) < 0.08 * width, (boot, low, high)


def test_the_bootstrap_is_deterministic_for_a_seed() -> None:
    cells = random_cells(np.random.default_rng(3))
    settings = IntervalSettings(resamples=500)
    first = bootstrap(cells, ["TE", "GE", "CDDPL"], settings, np.random.default_rng(7))
    again = bootstrap(cells, ["TE", "GE", "CDDPL"], settings, np.random.default_rng(7))
    other = bootstrap(cells, ["TE", "GE", "CDDPL"], settings, np.random.default_rng(8))
    assert first == again and first != other


def test_a_bootstrap_interval_undefined_in_too_many_resamples_is_null_with_the_reason() -> None:
    # d has one false positive in 20 rows: TE = FN_d / FP_d is undefined in about 36% of resamples
    d = np.array([[[10, 1], [5, 4]]])
    a = np.array([[[300, 40], [50, 200]]])
    cells = FacetCells(d, a, False)
    (te,) = with_intervals(
        cells, compute_post_training(cells, ("TE",)), IntervalSettings(), np.random.default_rng(0)
    )
    assert te.value is not None and te.interval is not None
    assert te.interval.lower is None and te.interval.method == BOOTSTRAP
    assert te.interval.reason is not None and "bootstrap resamples" in te.interval.reason


def test_every_interval_holds_its_point_value_and_leaves_it_unchanged() -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        cells = random_cells(rng)
        plain = compute_post_training(cells, POST_TRAINING_METHODS)
        with_ci = with_intervals(cells, plain, IntervalSettings(resamples=300), rng)
        for before, after in zip(plain, with_ci, strict=True):
            assert after.value == before.value and after.interval is not None
            if after.value is not None and after.interval.lower is not None:
                assert after.interval.lower <= after.value <= (after.interval.upper or math.inf)


def test_a_zero_size_group_gives_a_null_interval_with_the_reason() -> None:
    cells = FacetCells(np.zeros((1, 2, 2), dtype=np.int64), np.array([[[5, 5], [5, 5]]]), False)
    metrics = with_intervals(
        cells,
        compute_post_training(cells, ("DPPL", "DI", "TE")),
        IntervalSettings(),
        np.random.default_rng(0),
    )
    for m in metrics:
        assert m.value is None and m.interval is not None and m.interval.lower is None
        assert m.interval.reason == "facet group d is empty (no rows in the sensitive group)"


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5])
def test_a_level_outside_zero_one_is_refused(level: float) -> None:
    with pytest.raises(ValueError, match="not in"):
        IntervalSettings(level)


def test_a_higher_level_gives_a_wider_interval() -> None:
    assert newcombe(30, 100, 20, 100, z_value(0.99))[0] < newcombe(30, 100, 20, 100, z_value(0.9))[0]


def test_interval_json_and_invariants() -> None:
    assert Interval(0.95, "wilson", 0.1, 0.2).to_json() == {
        "lower": 0.1,
        "upper": 0.2,
        "level": 0.95,
        "method": "wilson",
    }
    assert Interval(0.95, "katz-log", reason="x").to_json()["error"] == "x"
    with pytest.raises(ValueError):
        Interval(0.95, "wilson", 0.3, 0.2)
    with pytest.raises(ValueError):
        Interval(0.95, "wilson")


def test_dpl_interval_covers_the_true_value_at_about_the_level() -> None:
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(400):
        x_a, x_d = rng.binomial(270, 0.5), rng.binomial(30, 0.5)
        low, high = newcombe(int(x_a), 270, int(x_d), 30, Z95)
        hits += low <= 0.0 <= high
    assert 0.92 <= hits / 400 <= 0.99
