"""False retrains and missed drift of the drift alarm, by sample size (issue 21).

    PYTHONPATH=src .venv/bin/python bench/drift_false_alarms.py [--passes 1000] [--train 16000]

Training features: the demo's credit data (lockgate.sample_data, the contract's one-hot layout).
Each pass draws n live rows, n = 5, 50, 500, 5,000, from a fresh sample of the same population
("no drift") or from the demo's drifted traffic (older applicants, 3x amounts: alarm_fixtures.drifted),
and asks whether the pass would start a retrain:
- `drifted_features >= 1` (the alarm's metric: KS rejects under Holm at alpha, PSI lower bound >= min_psi),
  without the min_rows gate (the statistic alone) and with it (min_rows 500: fewer rows never measure);
- the reference: the old alarm, largest per-feature PSI > 0.25, no minimum sample.
Goals: false retrains <= 1 % at every n; drift found in 100 % of passes at n >= 500.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from lockgate.data.contract import load_contract
from lockgate.data.splitting import contract_schema, feature_names, xgboost_columns
from lockgate.local.alarm_fixtures import drifted
from lockgate.monitoring.baseline import build_baseline
from lockgate.monitoring.drift import ALPHA, MIN_PSI, drift
from lockgate.sample_data import generate_credit

REPO = Path(__file__).resolve().parents[1]
SIZES = (5, 50, 500, 5000)
MIN_ROWS = 500
OLD_THRESHOLD = 0.25


def features(rows: int, seed: int) -> tuple[list[str], np.ndarray]:
    """The credit data's model features (label and key dropped), float64."""
    contract = load_contract(REPO / "contracts" / "credit.yaml")
    table = generate_credit(rows, seed).cast(contract_schema(contract))
    batch = table.combine_chunks().to_batches()[0]
    columns = xgboost_columns(batch, contract)[1:]
    matrix = np.column_stack([np.asarray(pa.array(c).cast(pa.float64())) for c in columns])
    return feature_names(contract), matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passes", type=int, default=1000)
    parser.add_argument("--train", type=int, default=16_000)
    args = parser.parse_args()
    names, train = features(args.train, 1)
    _, population = features(200_000, 2)
    shifted = drifted(population, names)
    baseline = build_baseline("credit", "bench", names, train)
    rng = np.random.default_rng(3)
    began = time.perf_counter()
    rows = []
    for n in SIZES:
        counts = {"false": 0, "false_old": 0, "found": 0, "found_old": 0}
        for _ in range(args.passes):
            for kind, pool in (("false", population), ("found", shifted)):
                live = pool[rng.integers(0, len(pool), n)]
                report = drift(baseline, live)
                counts[kind] += bool(report.drifted)
                counts[f"{kind}_old"] += report.max_psi > OLD_THRESHOLD
        rows.append((n, counts))
    seconds = time.perf_counter() - began
    load = os.getloadavg()
    print(
        f"\n{args.passes} passes per n, {len(names)} features, baseline {args.train:,} rows, "
        f"alpha {ALPHA}, min_psi {MIN_PSI}; {seconds:.1f} s; load {load[0]:.2f} (2 cores)"
    )
    head = ["n", "false retrains", "with min_rows 500", "old: max PSI > 0.25", "drift found", "old: found"]
    print("".join(f"{h:>22}" for h in head))
    ok = True
    for n, c in rows:
        false, gated = c["false"] / args.passes, (c["false"] / args.passes if n >= MIN_ROWS else 0.0)
        found = c["found"] / args.passes
        ok &= gated <= 0.01 and false <= 0.01 and (n < MIN_ROWS or found == 1.0)
        cells = [
            f"{n:,}",
            f"{false:.1%}",
            f"{gated:.1%}",
            f"{c['false_old'] / args.passes:.1%}",
            f"{found:.1%}" + ("" if n >= MIN_ROWS else " (not measured)"),
            f"{c['found_old'] / args.passes:.1%}",
        ]
        print("".join(f"{x:>22}" for x in cells))
    print(
        f"\ngoals (false retrains <= 1 % at every n, drift found in 100 % at n >= {MIN_ROWS}): "
        + ("met" if ok else "NOT met")
    )


if __name__ == "__main__":
    main()
