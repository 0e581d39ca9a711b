"""Benchmark of the data gate: validation + manifest + split against reading the file alone.

For each size (rows) and format (CSV, Parquet) it generates the demo dataset once, then runs every
case in its own subprocess (its VmHWM is that case's peak RSS):

- lockgate: validate (streaming, with statistics and key uniqueness) + split into train/validation/
  test Parquet and XGBoost CSV (written to a temp dir, or discarded with --sink null) + manifest
  (sha256 of the bytes, statistics).
- pyarrow: pyarrow.csv.read_csv / pyarrow.parquet.read_table of the same file (multi-threaded).
- pyarrow-stream: pyarrow.csv.open_csv iterated to the end (the streaming reader lockgate uses).
- pandas: pandas.read_csv (pandas.read_parquet for Parquet).

Usage: .venv/bin/python bench/validate.py [--rows 1e6 1e7] [--formats csv parquet]
       [--cases lockgate pyarrow pyarrow-stream pandas] [--sink disk|null] [--repeat N] [--workdir DIR]
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
CASES = ("lockgate", "pyarrow", "pyarrow-stream", "pandas")


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

        start = time.perf_counter()
        splitter = Splitter(contract, open_sink)
        result = validate(path, path.name, contract, size=path.stat().st_size, on_batch=splitter)
        splitter.close()
        manifest = build_manifest(
            dataset="credit",
            version=result.report.sha256 or "",
            source={"bucket": "bench", "key": f"raw/credit/{path.name}"},
            contract=contract,
            stats=result.stats,
            split_rows=splitter.rows,
            created=datetime(2026, 1, 1, tzinfo=UTC),
        )
        manifest_bytes = manifest.to_json_bytes()
        elapsed = time.perf_counter() - start
        assert result.report.passed, result.report.summary()
        return {"seconds": elapsed, "rows": result.report.rows, "manifest_bytes": len(manifest_bytes)}
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _run_reader(path: Path, fmt: str, case: str) -> dict[str, object]:
    start = time.perf_counter()
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
    return {"seconds": time.perf_counter() - start, "rows": rows}


def _peak_rss_mb() -> float:
    """VmHWM of this process. Not ru_maxrss: Linux carries the parent's RSS at fork into it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(case: str, path: Path, fmt: str, sink: str) -> None:
    """Run one case in this process and print its result (with peak RSS) as JSON."""
    out = _run_lockgate(path, fmt, sink) if case == "lockgate" else _run_reader(path, fmt, case)
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


def _case(case: str, path: Path, fmt: str, sink: str, repeat: int = 1) -> dict[str, float]:
    """Run a case `repeat` times, each in a fresh subprocess: the fastest time, the largest peak RSS."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        cmd = [sys.executable, __file__, "--worker", case, str(path), fmt, sink]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return {
                "error": done.stderr.strip().splitlines()[-1] if done.stderr else f"exit {done.returncode}"
            }
        run = json.loads(done.stdout.strip().splitlines()[-1])
        if not best or run["seconds"] < best["seconds"]:
            best = {**run, "peak_rss_mb": max(run["peak_rss_mb"], best.get("peak_rss_mb", 0.0))}
        else:
            best["peak_rss_mb"] = max(best["peak_rss_mb"], run["peak_rss_mb"])
    return best


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, prepare the files, run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--sink", default="disk", choices=["disk", "null"], help="where split files go")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated data here (reused)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case: fastest time, largest RSS")
    parser.add_argument("--worker", nargs=4, metavar=("CASE", "PATH", "FMT", "SINK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        case, path, fmt, sink = args.worker
        worker(case, Path(path), fmt, sink)
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lockgate-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(
        f"# lockgate data-gate benchmark: {os.cpu_count()} CPUs (load {load:.1f}), split sink {args.sink}, "
        f"best of {args.repeat}, data in {workdir}"
    )
    header = (
        f"| {'rows':>10} | {'format':7} | {'MB':>7} | {'lockgate s':>10} | {'rows/s':>10} | {'MB/s':>7} | "
        f"{'RSS MB':>7} | {'pyarrow s':>9} | {'RSS MB':>7} | {'pa-stream s':>11} | {'pandas s':>8} | "
        f"{'RSS MB':>7} | {'lg/pa':>5} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    try:
        for rows in (int(r) for r in args.rows):
            for fmt in args.formats:
                path = _prepare(rows, fmt, workdir)
                mb = path.stat().st_size / 1e6
                res = {c: _case(c, path, fmt, args.sink, args.repeat) for c in args.cases}

                def cell(c: str, key: str, width: int, spec: str = ".2f", res: dict = res) -> str:
                    value = res.get(c, {}).get(key)
                    return f"{value:{width}{spec}}" if isinstance(value, int | float) else f"{'-':>{width}}"

                lg = res.get("lockgate", {})
                secs = lg.get("seconds")
                rate = f"{rows / secs:10.3g}" if secs else f"{'-':>10}"
                mbs = f"{mb / secs:7.1f}" if secs else f"{'-':>7}"
                pa_s = res.get("pyarrow", {}).get("seconds")
                ratio = f"{secs / pa_s:5.2f}" if secs and pa_s else f"{'-':>5}"
                print(
                    f"| {rows:>10} | {fmt:7} | {mb:7.1f} | {cell('lockgate', 'seconds', 10)} | {rate} | "
                    f"{mbs} | "
                    f"{cell('lockgate', 'peak_rss_mb', 7, '.0f')} | {cell('pyarrow', 'seconds', 9)} | "
                    f"{cell('pyarrow', 'peak_rss_mb', 7, '.0f')} | {cell('pyarrow-stream', 'seconds', 11)} | "
                    f"{cell('pandas', 'seconds', 8)} | {cell('pandas', 'peak_rss_mb', 7, '.0f')} | {ratio} |",
                    flush=True,
                )
                for c, r in res.items():
                    if "error" in r:
                        print(f"#   {c} failed: {r['error']}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
