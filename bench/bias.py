"""Bias engine benchmark: Lockgate vs smclarify, end to end from Parquet and CSV, RSS, import time.

    .venv/bin/python bench/bias.py [--skip-smclarify-1e7] [--rows 1000000 10000000]

Prints one table. Goals: >= 1000x smclarify at 1e7 rows in memory (pre + post, one facet);
end to end from Parquet <= 2x the bare Parquet read; `import lockgate.bias...` <= 400 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockgate.bias.analysis import analyze
from lockgate.bias.specs import (
    POST_TRAINING_METHODS,
    PRE_TRAINING_METHODS,
    BiasConfig,
    FacetSpec,
    LabelSpec,
    PredictionSpec,
)
from lockgate.cli import main as lockgate_main

CONFIG = BiasConfig(
    label=LabelSpec("y", values=(1,)),
    facets=(FacetSpec("f", "values", values=(1,)),),
    prediction=PredictionSpec("yhat"),
    pre_training_methods=PRE_TRAINING_METHODS,
    post_training_methods=POST_TRAINING_METHODS,
)


def data(rows: int, seed: int = 0) -> pa.Table:
    """Four int8 columns: facet, label, prediction and a feature (the anchors' 40 MB at 1e7)."""
    rng = np.random.default_rng(seed)
    f = (rng.random(rows) < 0.3).astype(np.int8)
    y = (rng.random(rows) < np.where(f == 1, 0.4, 0.6)).astype(np.int8)
    yhat = ((0.6 * y + 0.4 * rng.random(rows)) > 0.5).astype(np.int8)
    x = rng.integers(0, 100, rows, dtype=np.int8)
    return pa.table({"f": f, "y": y, "yhat": yhat, "x": x})


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def smclarify_seconds(table: pa.Table) -> float:
    """smclarify 0.5, pre + post for the facet, as Clarify's processing job calls it."""
    from smclarify.bias import report

    df = table.to_pandas()
    label = report.LabelColumn("y", df["y"], [1])
    facet = report.FacetColumn("f", [1])
    start = time.perf_counter()
    report.bias_report(df.drop(columns=["yhat"]), facet, label, report.StageType.PRE_TRAINING)
    report.bias_report(
        df,
        facet,
        label,
        report.StageType.POST_TRAINING,
        predicted_label_column=report.LabelColumn("yhat", df["yhat"], [1]),
        metrics=list(POST_TRAINING_METHODS),  # the 12 Lockgate computes (not FlipTest)
    )
    return time.perf_counter() - start


def import_ms() -> float:
    """Import of the bias function's library in a fresh interpreter (best of 5)."""
    code = (
        "import time;s=time.perf_counter();import lockgate.bias.check,lockgate.bias.tables;"
        "print(time.perf_counter()-s)"
    )
    runs = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(5)]
    return min(runs) * 1000


def end_to_end(rows: int, tmp: Path) -> list[tuple[str, float]]:
    table = data(rows, seed=1)
    parquet, csv = tmp / "data.parquet", tmp / "data.csv"
    pq.write_table(table, parquet)
    pacsv.write_csv(table, csv)
    out: list[tuple[str, float]] = []
    config = {
        "label": "y",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "f", "value_or_threshold": [1]}],
        "predicted_label": "yhat",
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
    }
    for kind, path, reader in (
        ("application/x-parquet", parquet, lambda: pq.read_table(parquet)),
        ("text/csv", csv, lambda: pacsv.read_csv(csv)),
    ):
        cfg = tmp / f"cfg-{path.suffix[1:]}.json"
        cfg.write_text(json.dumps({"dataset_type": kind, **config}))
        argv = ["--config", str(cfg), "--data", str(path), "--out", str(tmp / "out")]
        read = best_of(reader, 3)
        quiet = _Quiet()
        with quiet:
            e2e = best_of(lambda argv=argv: lockgate_main(["bias", *argv]), 3)
        out += [
            (f"bare pyarrow read, {path.suffix[1:]}", read),
            (f"lockgate bias end to end, {path.suffix[1:]}", e2e),
            (f"peak RSS, lockgate bias CLI alone, {path.suffix[1:]}", cli_peak_rss_mb(argv)),
        ]
    return out


def cli_peak_rss_mb(argv: list[str]) -> float:
    """Peak RSS (VmHWM) of one `lockgate bias` run in a fresh process: what a Lambda function needs.

    Not ru_maxrss: Linux carries the parent's high-water mark across fork and exec.
    """
    code = (
        "import sys;from lockgate.cli import main;main(['bias', *sys.argv[1:]]);"
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')];"
        "print(hwm[0].split()[1], file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False)
    return int(done.stderr.strip().splitlines()[-1]) / 1024


class _Quiet:
    """Silence the CLI's table while it is timed."""

    def __enter__(self) -> None:
        self._stdout = sys.stdout
        sys.stdout = open("/dev/null", "w")

    def __exit__(self, *exc: object) -> None:
        sys.stdout.close()
        sys.stdout = self._stdout


def main() -> None:
    logging.getLogger("smclarify").setLevel(logging.CRITICAL)  # a traceback per metric without a group
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-smclarify-1e7", action="store_true", help="smclarify at 1e7 rows takes ~70 s")
    args = parser.parse_args()
    lines: list[tuple[str, str, str]] = []
    ratios: dict[int, float] = {}
    for rows in args.rows:
        table = data(rows)
        analyze(table, CONFIG)  # warm up
        ours = best_of(lambda table=table: analyze(table, CONFIG), 5)
        lines.append((f"lockgate pre+post, 1 facet, in memory, {rows:.0e} rows", f"{ours * 1000:.1f} ms", ""))
        if rows >= 10_000_000 and args.skip_smclarify_1e7:
            lines.append((f"smclarify pre+post, {rows:.0e} rows", "skipped", ""))
            continue
        theirs = smclarify_seconds(table)
        ratios[rows] = theirs / ours
        lines.append(
            (
                f"smclarify pre+post, {rows:.0e} rows",
                f"{theirs:.2f} s",
                f"lockgate {theirs / ours:,.0f}x faster",
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        e2e = end_to_end(max(args.rows), Path(tmp))
    for name, value in e2e:
        shown = f"{value:.0f} MB" if name.startswith("peak RSS") else f"{value * 1000:.1f} ms"
        lines.append((f"{name}, {max(args.rows):.0e} rows", shown, ""))
    times = dict(e2e)
    pq_ratio = times["lockgate bias end to end, parquet"] / times["bare pyarrow read, parquet"]
    csv_ratio = times["lockgate bias end to end, csv"] / times["bare pyarrow read, csv"]
    lines.append(("end to end Parquet / bare Parquet read", f"{pq_ratio:.2f}x", "goal <= 2x"))
    lines.append(("end to end CSV / bare CSV read", f"{csv_ratio:.2f}x", ""))
    lines.append(
        (
            "peak RSS of this process (smclarify, pandas included)",
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
            "",
        )
    )
    lines.append(
        ("import lockgate.bias.check + .tables (fresh process)", f"{import_ms():.0f} ms", "goal <= 400 ms")
    )
    width = max(len(a) for a, _, _ in lines)
    value_width = max(len(b) for _, b, _ in lines)
    print(f"{'measure'.ljust(width)}  {'result'.rjust(value_width)}  note")
    for a, b, c in lines:
        print(f"{a.ljust(width)}  {b.rjust(value_width)}  {c}")
    if 10_000_000 in ratios:
        print(f"\ngoal >= 1000x smclarify at 1e7: {'met' if ratios[10_000_000] >= 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
