"""Benchmark of the data gate: validation + manifest + split against reading the file alone.

For each size (rows) and format (CSV, Parquet) it generates the demo dataset once, then runs every
case in its own subprocess (its VmHWM is that case's peak RSS):

- lockgate: validate (streaming, with statistics and key uniqueness) + split into train/validation/
  test, each as the dataset's Parquet and the XGBoost Parquet matrix (written to a temp dir, or
  discarded with --sink null) + manifest (sha256 of the bytes, statistics).
- lockgate-before (with --before REF): the same case on the src/ of a git ref (e.g. the commit
  before the XGBoost CSV copy was dropped), so old and new are compared in the same run.
- pyarrow: pyarrow.csv.read_csv / pyarrow.parquet.read_table of the same file (multi-threaded).
- pyarrow-stream: pyarrow.csv.open_csv iterated to the end (the streaming reader lockgate uses).
- pandas: pandas.read_csv (pandas.read_parquet for Parquet).
- lockgate-validate: the lockgate case without the split (validation + manifest only), printed
  below the row, to show how the gate's time divides between validating and writing the splits.

Usage: .venv/bin/python bench/validate.py [--rows 1e6 1e7] [--formats csv parquet]
       [--cases lockgate pyarrow pyarrow-stream pandas] [--sink disk|null] [--repeat N] [--workdir DIR]
       [--before GIT_REF]
Repeats are interleaved (round 1 of every case, then round 2...), so the cases share the load.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTRACT = REPO / "contracts" / "credit.yaml"
CASES = ("lockgate", "pyarrow", "pyarrow-stream", "pandas", "lockgate-validate")
BEFORE = "lockgate-before"


class _NullSink(io.RawIOBase):
    """Counts bytes and drops them."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)


def _contract(fmt: str):
    from lockgate.data.contract import load_contract

    contract = load_contract(CONTRACT)
    return contract.model_copy(update={"format": contract.format.model_copy(update={"type": fmt})})


def _run_lockgate(path: Path, fmt: str, sink: str) -> dict[str, object]:
    import pyarrow as pa

    from lockgate.data.splitting import Splitter
    from lockgate.data.validation import validate
    from lockgate.data.versioning import build_manifest

    contract = _contract(fmt)
    out_dir = Path(tempfile.mkdtemp(prefix="lockgate-bench-split-"))
    try:

        def open_sink(split: str, kind: str):
            if sink == "null":
                return _NullSink()
            return pa.OSFile(str(out_dir / f"{split}.{kind}"), "wb")  # native: no GIL per write

        start, cpu = time.perf_counter(), time.process_time()  # process CPU: every thread
        splitter = Splitter(contract, open_sink) if sink != "none" else None
        result = validate(path, path.name, contract, size=path.stat().st_size, on_batch=splitter)
        if splitter is not None:
            splitter.close()
        manifest = build_manifest(
            dataset="credit",
            version=result.report.sha256 or "",
            source={"bucket": "bench", "key": f"raw/credit/{path.name}"},
            contract=contract,
            stats=result.stats,
            split_rows=splitter.rows
            if splitter is not None
            else dict.fromkeys(("train", "validation", "test"), 0),
            created=datetime(2026, 1, 1, tzinfo=UTC),
        )
        manifest_bytes = manifest.to_json_bytes()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert result.report.passed, result.report.summary()
        return {
            "seconds": elapsed,
            "cpu_seconds": cpu,
            "rows": result.report.rows,
            "manifest_bytes": len(manifest_bytes),
        }
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _run_reader(path: Path, fmt: str, case: str) -> dict[str, object]:
    start, cpu = time.perf_counter(), time.process_time()
    if case == "pyarrow":
        if fmt == "csv":
            import pyarrow.csv as pacsv

            rows = pacsv.read_csv(path).num_rows
        else:
            import pyarrow.parquet as pq

            rows = pq.read_table(path).num_rows
    elif case == "pyarrow-stream":
        if fmt == "csv":
            import pyarrow.csv as pacsv

            options = pacsv.ReadOptions(block_size=4 << 20)
            rows = sum(b.num_rows for b in pacsv.open_csv(path, read_options=options))
        else:
            import pyarrow.parquet as pq

            rows = sum(b.num_rows for b in pq.ParquetFile(path).iter_batches(batch_size=1 << 16))
    else:
        import pandas as pd

        rows = len(pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path))
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "rows": rows}


def _peak_rss_mb() -> float:
    """VmHWM of this process. Not ru_maxrss: Linux carries the parent's RSS at fork into it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(case: str, path: Path, fmt: str, sink: str) -> None:
    """Run one case in this process and print its result (with peak RSS) as JSON."""
    if case == "lockgate-validate":  # validation + manifest, no split: where the gate's time goes
        out = _run_lockgate(path, fmt, "none")
    elif case in ("lockgate", BEFORE):
        out = _run_lockgate(path, fmt, sink)
    else:
        out = _run_reader(path, fmt, case)
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def _prepare(rows: int, fmt: str, workdir: Path) -> Path:
    path = workdir / f"credit-{rows}.{fmt}"
    if path.exists():
        return path
    from lockgate.sample_data import generate_credit, write_csv

    table = generate_credit(rows, seed=1)
    if fmt == "csv":
        write_csv(table, path)
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    return path


def _once(case: str, path: Path, fmt: str, sink: str, before_src: Path | None) -> dict[str, float]:
    """One run of a case in a fresh subprocess (lockgate-before imports lockgate from `before_src`)."""
    cmd = [sys.executable, __file__, "--worker", case, str(path), fmt, sink]
    env = dict(os.environ)
    if case == BEFORE and before_src is not None:
        env["PYTHONPATH"] = str(before_src)  # ahead of the venv's editable install of this tree
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else f"exit {done.returncode}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _cases(
    cases: list[str], path: Path, fmt: str, sink: str, *, repeat: int, before_src: Path | None
) -> dict[str, dict[str, float]]:
    """Every case `repeat` times, interleaved: the fastest run (its time and CPU time), the largest
    peak RSS of each."""
    best: dict[str, dict[str, float]] = {c: {} for c in cases}
    for _ in range(repeat):
        for case in cases:
            if "error" in best[case]:
                continue
            run = _once(case, path, fmt, sink, before_src)
            kept = best[case]
            if "error" in run:
                best[case] = run
            elif not kept or run["seconds"] < kept["seconds"]:
                best[case] = {**run, "peak_rss_mb": max(run["peak_rss_mb"], kept.get("peak_rss_mb", 0.0))}
            else:
                kept["peak_rss_mb"] = max(kept["peak_rss_mb"], run["peak_rss_mb"])
    return best


def _export_src(ref: str) -> Path:
    """`git archive` of a ref's src/ into a temp dir; returns the src/ path."""
    target = Path(tempfile.mkdtemp(prefix="lockgate-before-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, prepare the files, run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"])
    parser.add_argument("--cases", nargs="+", default=list(CASES[:4]), choices=CASES)
    parser.add_argument("--sink", default="disk", choices=["disk", "null"], help="where split files go")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated data here (reused)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case: fastest time, largest RSS")
    parser.add_argument("--before", default=None, help="also run the lockgate case on this git ref's src/")
    parser.add_argument("--worker", nargs=4, metavar=("CASE", "PATH", "FMT", "SINK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        case, path, fmt, sink = args.worker
        worker(case, Path(path), fmt, sink)
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lockgate-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    before_src = _export_src(args.before) if args.before else None
    cases = list(args.cases) + ([BEFORE] if before_src else [])
    load = os.getloadavg()[0]
    print(
        f"# lockgate data-gate benchmark: {os.cpu_count()} CPUs (load {load:.1f}), split sink {args.sink}, "
        f"best of {args.repeat}, data in {workdir}" + (f", before = {args.before}" if args.before else "")
    )
    header = (
        f"| {'rows':>10} | {'format':7} | {'MB':>7} | {'lockgate s':>10} | {'rows/s':>10} | {'MB/s':>7} | "
        f"{'RSS MB':>7} | {'pyarrow s':>9} | {'RSS MB':>7} | {'lg/pa':>5} | {'before s':>8} | "
        f"{'before/pa':>9} | {'lg cpu s':>8} | {'pa cpu s':>8} | {'before cpu s':>12} | "
        f"{'cpu lg/pa':>9} | {'cpu before/pa':>13} | {'pa-stream s':>11} | {'pandas s':>8} | {'RSS MB':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    try:
        for rows in (int(r) for r in args.rows):
            for fmt in args.formats:
                path = _prepare(rows, fmt, workdir)
                mb = path.stat().st_size / 1e6
                res = _cases(cases, path, fmt, args.sink, repeat=args.repeat, before_src=before_src)

                def cell(c: str, key: str, width: int, spec: str = ".2f", res: dict = res) -> str:
                    value = res.get(c, {}).get(key)
                    return f"{value:{width}{spec}}" if isinstance(value, int | float) else f"{'-':>{width}}"

                def ratio(c: str, width: int, key: str = "seconds", res: dict = res) -> str:
                    secs, pa_s = res.get(c, {}).get(key), res.get("pyarrow", {}).get(key)
                    return f"{secs / pa_s:{width}.2f}" if secs and pa_s else f"{'-':>{width}}"

                secs = res.get("lockgate", {}).get("seconds")
                rate = f"{rows / secs:10.3g}" if secs else f"{'-':>10}"
                mbs = f"{mb / secs:7.1f}" if secs else f"{'-':>7}"
                print(
                    f"| {rows:>10} | {fmt:7} | {mb:7.1f} | {cell('lockgate', 'seconds', 10)} | {rate} | "
                    f"{mbs} | {cell('lockgate', 'peak_rss_mb', 7, '.0f')} | "
                    f"{cell('pyarrow', 'seconds', 9)} | "
                    f"{cell('pyarrow', 'peak_rss_mb', 7, '.0f')} | {ratio('lockgate', 5)} | "
                    f"{cell(BEFORE, 'seconds', 8)} | {ratio(BEFORE, 9)} | "
                    f"{cell('lockgate', 'cpu_seconds', 8)} | {cell('pyarrow', 'cpu_seconds', 8)} | "
                    f"{cell(BEFORE, 'cpu_seconds', 12)} | {ratio('lockgate', 9, 'cpu_seconds')} | "
                    f"{ratio(BEFORE, 13, 'cpu_seconds')} | "
                    f"{cell('pyarrow-stream', 'seconds', 11)} | "
                    f"{cell('pandas', 'seconds', 8)} | {cell('pandas', 'peak_rss_mb', 7, '.0f')} |",
                    flush=True,
                )
                if "seconds" in res.get("lockgate-validate", {}):
                    print(
                        f"#   lockgate-validate (no split): {cell('lockgate-validate', 'seconds', 0)} s "
                        f"({ratio('lockgate-validate', 0)}x pyarrow), CPU "
                        f"{cell('lockgate-validate', 'cpu_seconds', 0)} s "
                        f"({ratio('lockgate-validate', 0, 'cpu_seconds')}x)"
                    )
                for c, r in res.items():
                    if "error" in r:
                        print(f"#   {c} failed: {r['error']}")
        print(f"# load at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        if before_src is not None:
            shutil.rmtree(before_src.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
