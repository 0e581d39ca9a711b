"""Do the bias gate's verdicts on confidence intervals hold up? A simulation, and what they cost.

    .venv/bin/python bench/bias_intervals.py [--draws 1000] [--rows 10000000]

For DPL (pre-training), DI, DPPL and AD (post-training), draw samples from a population whose true
value is known and run each through the real gate (count table -> metrics + intervals -> verdict,
the default policy: 95%, min_group_rows 30, the conventional thresholds):
- null: the true value is well inside the allowed range (DPL 0, DI 1, ...), n = 300. Goal: the
  gate fails <= 5% of the draws (the point-value gate of before is shown beside it);
- alternative: the true value is clearly outside (DPL 0.3, DI 0.5, ...), n = 5,000. Goal: >= 99% fail;
- coverage: how often the interval holds the true value (should be close to the level);
- the null again at n = 5,000: with enough rows, good data passes.
The draws follow the population exactly: n_d ~ Binomial(n, share), each side's cells
[label, prediction] ~ Multinomial(side size, the side's cell probabilities), the same as drawing rows.
Then the time the intervals add to a check at 1e7 rows (goal <= 10%). Prints one table; state the
load average (uptime) beside the numbers, the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lockgate.bias.analysis import analysis_from_counts, count_tables, to_analysis_json
from lockgate.bias.counts import CountTable
from lockgate.bias.gate import GatePolicy, evaluate
from lockgate.bias.interval_settings import IntervalSettings
from lockgate.bias.specs import (
    POST_TRAINING_METHODS,
    PRE_TRAINING_METHODS,
    BiasConfig,
    FacetSpec,
    LabelSpec,
    PredictionSpec,
)

FACET = FacetSpec("f", "values", values=(1,))
LABEL = LabelSpec("y", values=(1,))


@dataclass(frozen=True)
class Side:
    """A side's population: label rate q, and P(prediction 1 | label 1) and P(prediction 1 | label 0)."""

    q: float
    tpr: float
    fpr: float

    def cells(self) -> np.ndarray:
        """Probabilities of [label, prediction], flattened as (00, 01, 10, 11)."""
        return np.array(
            [
                (1 - self.q) * (1 - self.fpr),
                (1 - self.q) * self.fpr,
                self.q * (1 - self.tpr),
                self.q * self.tpr,
            ]
        )

    @property
    def predicted(self) -> float:
        return self.q * self.tpr + (1 - self.q) * self.fpr

    @property
    def accuracy(self) -> float:
        return self.q * self.tpr + (1 - self.q) * (1 - self.fpr)


TRUE: dict[str, Callable[[Side, Side], float]] = {
    "DPL": lambda a, d: a.q - d.q,
    "DPPL": lambda a, d: a.predicted - d.predicted,
    "DI": lambda a, d: d.predicted / a.predicted,
    "AD": lambda a, d: a.accuracy - d.accuracy,
}
BASE = Side(0.6, 0.8, 0.2)


@dataclass(frozen=True)
class Scenario:
    metric: str
    a: Side
    d: Side
    rows: int
    share: float  # of rows in the sensitive group d
    kind: str  # "null" (should pass) or "alt" (should fail)

    @property
    def truth(self) -> float:
        return TRUE[self.metric](self.a, self.d)


SCENARIOS = [
    Scenario("DPL", BASE, BASE, 300, 0.08, "null"),
    Scenario("DPL", BASE, BASE, 300, 0.5, "null"),
    Scenario("DPL", BASE, BASE, 5000, 0.08, "null"),
    Scenario("DPL", Side(0.7, 0.8, 0.2), Side(0.4, 0.8, 0.2), 5000, 0.08, "alt"),
    Scenario("DI", BASE, BASE, 300, 0.08, "null"),
    Scenario("DI", BASE, BASE, 300, 0.5, "null"),
    Scenario("DI", Side(0.6, 0.9, 0.4), Side(0.6, 0.5, 0.125), 5000, 0.08, "alt"),
    Scenario("DPPL", BASE, BASE, 300, 0.5, "null"),
    Scenario("DPPL", Side(0.6, 0.9, 0.4), Side(0.6, 0.6, 0.1), 5000, 0.08, "alt"),
    Scenario("AD", BASE, BASE, 300, 0.08, "null"),
    Scenario("AD", BASE, BASE, 300, 0.5, "null"),
    Scenario("AD", BASE, BASE, 5000, 0.08, "null"),
    Scenario("AD", Side(0.6, 0.9, 0.1), Side(0.6, 0.6, 0.4), 5000, 0.08, "alt"),
]


def config_for(metric: str) -> BiasConfig:
    if metric in PRE_TRAINING_METHODS:
        return BiasConfig(LABEL, (FACET,), pre_training_methods=(metric,))
    return BiasConfig(LABEL, (FACET,), prediction=PredictionSpec("p"), post_training_methods=(metric,))


@dataclass
class Outcome:
    fail: float
    review: float
    passed: float
    point_fail: float
    coverage: float
    defined: float


def simulate(s: Scenario, draws: int, rng: np.random.Generator) -> Outcome:
    """Run `draws` samples of the scenario through the gate."""
    config, policy = config_for(s.metric), GatePolicy()
    point_policy = GatePolicy(min_group_rows=0)  # today's gate: the point value alone
    settings = policy.interval_settings()
    n_d = rng.binomial(s.rows, s.share, draws)
    d_cells = np.stack([rng.multinomial(n, s.d.cells()) for n in n_d])
    a_cells = np.stack([rng.multinomial(s.rows - n, s.a.cells()) for n in n_d])
    verdicts: list[str] = []
    point_fails = covered = defined = 0
    for d, a in zip(d_cells, a_cells, strict=True):
        counts = np.stack([d.reshape(2, 2), a.reshape(2, 2)])[None]
        table = CountTable(FACET, ["d", "a"], None, True, counts)
        analysis = analysis_from_counts([table], config, settings)
        verdicts.append(evaluate(analysis, policy).verdict)
        (metric,) = analysis.results()[0].metrics
        point = analysis_from_counts([table], config, None)
        point_fails += evaluate(point, point_policy).verdict == "fail"
        ci = metric.interval
        if ci is not None and ci.lower is not None and ci.upper is not None:
            defined += 1
            covered += ci.lower <= s.truth <= ci.upper
    return Outcome(
        fail=verdicts.count("fail") / draws,
        review=verdicts.count("needs-human") / draws,
        passed=verdicts.count("pass") / draws,
        point_fail=point_fails / draws,
        coverage=covered / defined if defined else float("nan"),
        defined=defined / draws,
    )


def data(rows: int, seed: int = 0) -> pa.Table:
    """bench/bias.py's table: int8 facet (30% d), label, prediction, feature."""
    rng = np.random.default_rng(seed)
    f = (rng.random(rows) < 0.3).astype(np.int8)
    y = (rng.random(rows) < np.where(f == 1, 0.4, 0.6)).astype(np.int8)
    yhat = ((0.6 * y + 0.4 * rng.random(rows)) > 0.5).astype(np.int8)
    return pa.table({"f": f, "y": y, "yhat": yhat, "x": rng.integers(0, 100, rows, dtype=np.int8)})


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def cost(rows: int) -> tuple[float, float, float]:
    """(check without intervals, check with them, the intervals alone) in seconds, all 20 metrics,
    one facet, the table in memory."""
    config = BiasConfig(
        LABEL,
        (FACET,),
        prediction=PredictionSpec("yhat"),
        pre_training_methods=PRE_TRAINING_METHODS,
        post_training_methods=POST_TRAINING_METHODS,
    )
    table, policy = data(rows), GatePolicy()

    def check(settings: IntervalSettings | None) -> None:
        analysis = analysis_from_counts(count_tables(table, config), config, settings)
        evaluate(analysis, policy)
        to_analysis_json(analysis)

    settings = policy.interval_settings()
    check(settings)  # warm up
    without = best_of(lambda: check(None), 5)
    with_ci = best_of(lambda: check(settings), 5)
    counts = count_tables(table, config)
    alone = best_of(lambda: analysis_from_counts(counts, config, settings), 20) - best_of(
        lambda: analysis_from_counts(counts, config, None), 20
    )
    return without, with_ci, alone


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows for the cost measurement")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    header = (
        "metric",
        "true",
        "n",
        "d share",
        "fail",
        "review",
        "pass",
        "point-gate fail",
        "coverage",
        "goal",
    )
    rows: list[tuple[str, ...]] = [header]
    met = True
    for s in SCENARIOS:
        o = simulate(s, args.draws, rng)
        if s.kind == "null":
            goal, ok = "fail <= 5%", o.fail <= 0.05
        else:
            goal, ok = "fail >= 99%", o.fail >= 0.99
        met &= ok
        rows.append(
            (
                s.metric,
                f"{s.truth:.3g}",
                f"{s.rows:,}",
                f"{s.share:.0%}",
                f"{o.fail:.1%}",
                f"{o.review:.1%}",
                f"{o.passed:.1%}",
                f"{o.point_fail:.1%}",
                f"{o.coverage:.1%}" + ("" if o.defined == 1 else f" of {o.defined:.0%}"),
                f"{goal} {'met' if ok else 'NOT met'}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print(f"simulation: {args.draws} draws per row, level 0.95, min_group_rows 30, thresholds DPL/DPPL/AD")
    print("[-0.1, 0.1], DI [0.8, 1.25]; point-gate = the gate on the point value alone (before)")
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    without, with_ci, alone = cost(args.rows)
    print(f"\ncost at {args.rows:.0e} rows, 1 facet, 8 pre + 12 post metrics, table in memory (best of 5):")
    added = with_ci - without
    print(f"  check without intervals       {without * 1000:8.1f} ms")
    print(f"  check with intervals          {with_ci * 1000:8.1f} ms  (+{added / without:.1%})")
    print(f"  intervals alone (best of 20)  {alone * 1000:8.1f} ms  = {alone / without:.1%} of the check")
    print(f"  goal <= 10%: {'met' if max(alone, added) <= 0.1 * without else 'NOT met'}")
    print(f"\nload average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"simulation goals: {'all met' if met else 'NOT all met'}")


if __name__ == "__main__":
    main()
