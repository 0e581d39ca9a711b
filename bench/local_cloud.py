"""Benchmark of the offline cloud: start-up, Lambda worker overhead, handler imports, the demo.

Prints one table; each row has its reference measured in the same run:
- local cloud start vs a bare ThreadedMotoServer start;
- worker invoke (cold, warm) of a trivial handler vs calling it in-process;
- each handler module's import (fresh interpreter, the template's environment: bench/cold_start.py,
  which has the full table) vs `import boto3`;
- `lockgate demo` wall time, cold (no bytecode caches) and warm.

Run: .venv/bin/python bench/local_cloud.py [--skip-demo]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cold_start import functions as template_functions
from cold_start import measure

from lockgate.local.cloud import LocalCloud
from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime.runtime import LambdaRuntime

REPO = Path(__file__).resolve().parents[1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs" if seconds < 1e-4 else f"{seconds * 1000:,.1f} ms"


def cloud_start() -> tuple[float, float]:
    """(LocalCloud.start, bare ThreadedMotoServer start) in seconds."""
    from moto.server import ThreadedMotoServer

    began = time.perf_counter()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    bare = time.perf_counter() - began
    server.stop()
    cloud = LocalCloud(REPO / "template.yaml", log_sink=lambda *_: None, warn=lambda _: None)
    cloud.start()
    full = cloud.startup_seconds
    cloud.stop()
    return full, bare


def worker_overhead(rounds: int = 200) -> dict[str, float]:
    """Median seconds: cold invoke, warm invoke, in-process call of the same trivial handler."""
    folder = Path(tempfile.mkdtemp())
    (folder / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    runtime = LambdaRuntime(endpoint_url="http://127.0.0.1:9", cloudwatch_logs=False)
    config = FunctionConfig(
        "Bench",
        "bench",
        "arn:aws:lambda:us-east-1:123456789012:function:bench",
        "app.handler",
        folder,
        timeout=10,
    )
    colds = []
    for _ in range(5):
        runtime.register(config)  # re-registering retires the warm workers
        began = time.perf_counter()
        runtime.invoke("bench", b"{}")
        colds.append(time.perf_counter() - began)
    warms = []
    for _ in range(rounds):
        began = time.perf_counter()
        runtime.invoke("bench", b"{}")
        warms.append(time.perf_counter() - began)
    runtime.shutdown()
    namespace: dict[str, object] = {}
    exec((folder / "app.py").read_text(), namespace)
    handler = namespace["handler"]
    direct = []
    for _ in range(rounds):
        began = time.perf_counter()
        handler({}, None)  # type: ignore[operator]
        direct.append(time.perf_counter() - began)
    shutil.rmtree(folder)
    return {
        "cold": statistics.median(colds),
        "warm": statistics.median(warms),
        "direct": statistics.median(direct),
    }


def demo_seconds(cold: bool) -> float:
    """Wall time of `lockgate demo` in a subprocess; cold removes the bytecode caches first."""
    if cold:
        for cache in [
            *REPO.joinpath("src").rglob("__pycache__"),
            *REPO.joinpath("functions").rglob("__pycache__"),
        ]:
            shutil.rmtree(cache, ignore_errors=True)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lockgate.cli", "demo"], cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    full, bare = cloud_start()
    rows.append(
        ("local cloud start (deploy template.yaml)", f"{full:.2f} s", f"bare moto server {_ms(bare)}")
    )
    overhead = worker_overhead()
    rows.append(
        (
            "worker invoke, cold (median of 5)",
            _ms(overhead["cold"]),
            f"in-process call {_ms(overhead['direct'])}",
        )
    )
    rows.append(
        (
            "worker invoke, warm (median of 200)",
            _ms(overhead["warm"]),
            f"in-process call {_ms(overhead['direct'])}",
        )
    )
    src = str(REPO / "src")
    boto, _, _ = measure([src], "import boto3", {}, 3)
    for _, folder, env in template_functions():
        seconds, _, _ = measure([str(REPO / "functions" / folder), src], "import app", env, 3)
        rows.append((f"import functions/{folder}/app.py", _ms(seconds), f"import boto3 {_ms(boto)}"))
    if not args.skip_demo:
        rows.append(
            ("make demo (lockgate demo), cold", f"{demo_seconds(cold=True):.2f} s", "no bytecode caches")
        )
        rows.append(("make demo (lockgate demo), warm", f"{demo_seconds(cold=False):.2f} s", "second run"))
    width = max(len(row[0]) for row in rows)
    print(f"{'measurement':<{width}}  {'lockgate':>12}  reference (same run)")
    for name, value, reference in rows:
        print(f"{name:<{width}}  {value:>12}  {reference}")


if __name__ == "__main__":
    main()
