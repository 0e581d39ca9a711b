"""Benchmark of the offline cloud: start-up, Lambda worker overhead, handler imports, the demo.

Prints one table; each row has its reference measured in the same run:
- local cloud start vs a bare ThreadedMotoServer start;
- worker invoke (cold, warm) of a trivial handler vs calling it in-process;
- each handler module's import (fresh interpreter, the template's environment) vs `import boto3`;
- `lockgate demo` wall time, cold (no bytecode caches) and warm.

Run: .venv/bin/python bench/local_cloud.py [--skip-demo]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lockgate.local.cloud import LocalCloud
from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.lambda_runtime.runtime import LambdaRuntime

REPO = Path(__file__).resolve().parents[1]

HANDLER_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "DATA_BUCKET": "data",
    "ARTIFACT_BUCKET": "artifacts",
    "IDEMPOTENCY_TABLE": "idempotency",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
    "INGEST_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:i",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


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


def import_seconds(code_dir: Path | None, module: str, repeats: int = 3) -> float:
    """Best-of wall time of importing `module` in a fresh interpreter (bytecode cached)."""
    env = {**os.environ, **HANDLER_ENV}
    probe = (
        "import sys, time\n"
        + (f"sys.path.insert(0, {str(code_dir)!r})\n" if code_dir else "")
        + f"t = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - t)\n"
    )
    best = float("inf")
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        best = min(best, float(out.stdout.strip()))
    return best


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
    boto = import_seconds(None, "boto3")
    for folder in sorted(path for path in (REPO / "functions").iterdir() if (path / "app.py").exists()):
        rows.append(
            (
                f"import functions/{folder.name}/app.py",
                _ms(import_seconds(folder, "app")),
                f"import boto3 {_ms(boto)}",
            )
        )
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
