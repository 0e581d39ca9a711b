"""Benchmark of the endpoint twin: InvokeEndpoint (boto3 over HTTP to the local cloud's server, real
XGBoost) vs a bare `Booster.predict` on the same rows, in the same run. Goal: overhead <= 2 ms p50 for
one row.

Every row is measured in one interleaved loop (each iteration calls every case once), so all share
the same load on a shared host:
- bare `Booster.predict(DMatrix)` (the issue's reference) and `Booster.inplace_predict` (what the twin
  calls);
- the twin in-process (`EndpointTwin.invoke`, no HTTP, no boto3): the twin's own cost;
- the floor: boto3 `invoke_endpoint` against a canned HTTP/1.1 keep-alive answer that does no work,
  and `http.client` against the same answer (no boto3): what any call through HTTP + boto3 costs here;
- a trivial moto round trip (`describe_endpoint`) on moto's own `ThreadedMotoServer` and on the local
  cloud's `LocalServer` (keep-alive);
- the twin through boto3 + HTTP on both servers (moto's = before, LocalServer = the local cloud now).
CPU ms is the process's CPU time per call (client and server are both in this process): a figure that
load moves less than wall time.

Run: .venv/bin/python bench/endpoint.py [--calls 300]
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import logging
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import numpy as np
import xgboost as xgb
from botocore.config import Config
from moto.server import ThreadedMotoServer

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import endpoint_patches
from lockgate.local.sagemaker.algorithm import model_tarball
from lockgate.local.server import LocalServer

GOAL_MS = 2.0


def train_booster(seed: int, rounds: int, depth: int) -> tuple[xgb.Booster, np.ndarray]:
    """A binary:logistic Booster on 6 random features and 100 held-out rows to predict."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    params = {"objective": "binary:logistic", "max_depth": depth, "nthread": 1}
    return xgb.train(params, xgb.DMatrix(x[:300], label=y[:300]), rounds), x[300:]


class _Canned(http.server.BaseHTTPRequestHandler):
    """Answers every POST as InvokeEndpoint would, doing nothing: the floor of a call through HTTP."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("x-Amzn-Invoked-Production-Variant", "AllTraffic")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"0.5")
        self.wfile.flush()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def _timings(cases: list[Callable[[], object]], calls: int) -> list[tuple[list[float], float]]:
    """Each case's wall ms per call and mean CPU ms per call; the cases alternate call by call."""
    wall: list[list[float]] = [[] for _ in cases]
    cpu = [0.0 for _ in cases]
    for index in range(calls + 10):
        for number, case in enumerate(cases):
            began, began_cpu = time.perf_counter(), time.process_time()
            case()
            if index >= 10:
                wall[number].append((time.perf_counter() - began) * 1000)
                cpu[number] += (time.process_time() - began_cpu) * 1000
    return [(w, c / calls) for w, c in zip(wall, cpu, strict=True)]


def _row(name: str, rows: int, ms: list[float], cpu: float, reference: float | None) -> str:
    ms = sorted(ms)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    throughput = 1000 / statistics.mean(ms) * rows
    overhead = "" if reference is None else f"{p50 - reference:+9.3f}"
    figures = f"{p50:8.3f} | {p99:8.3f} | {cpu:6.3f} | {throughput:9.0f} | {overhead:>11}"
    return f"| {name:<44} | {rows:>4} | {figures} |"


def _client(service: str, url: str) -> Any:
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )


def _deploy(url: str) -> tuple[xgb.Booster, np.ndarray]:
    s3, sm = _client("s3", url), _client("sagemaker", url)
    booster, rows = train_booster(seed=1, rounds=100, depth=5)
    booster.set_param("nthread", 1)
    s3.create_bucket(Bucket="bench")
    s3.put_object(Bucket="bench", Key="m/model.tar.gz", Body=model_tarball(bytes(booster.save_raw("ubj"))))
    sm.create_model(
        ModelName="bench",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": "xgb", "ModelDataUrl": "s3://bench/m/model.tar.gz"},
    )
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": "bench",
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sm.create_endpoint_config(EndpointConfigName="bench", ProductionVariants=[variant])
    sm.create_endpoint(EndpointName="bench", EndpointConfigName="bench")
    while sm.describe_endpoint(EndpointName="bench")["EndpointStatus"] != "InService":
        time.sleep(0.01)
    return booster, rows


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # as the local cloud does
    stock = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    stock.start()
    stock_url = f"http://127.0.0.1:{stock.get_host_and_port()[1]}"
    local = LocalServer("127.0.0.1", 0)
    local_url = f"http://127.0.0.1:{local.start()}"
    canned = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    threading.Thread(target=canned.serve_forever, daemon=True).start()
    canned_port = canned.server_address[1]
    twin = endpoint_patches.apply(clock=LocalClock(10_000))
    try:
        booster, rows = _deploy(local_url)  # both servers serve the same moto backends
        sm_stock, sm_local = _client("sagemaker", stock_url), _client("sagemaker", local_url)
        rt_stock, rt_local = _client("sagemaker-runtime", stock_url), _client("sagemaker-runtime", local_url)
        rt_canned = _client("sagemaker-runtime", f"http://127.0.0.1:{canned_port}")
        raw = http.client.HTTPConnection("127.0.0.1", canned_port)
        print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores shared)")
        print(
            f"| {'what':<44} | rows |  p50 ms  |  p99 ms  | CPU ms | rows/s    | vs bare p50 |"
            f"\n|{'-' * 46}|------|----------|----------|--------|-----------|-----------|"
        )
        for n in (1, 100):
            batch = rows[:n] if n <= len(rows) else rows.repeat(n // len(rows) + 1, axis=0)[:n]
            body = "\n".join(",".join(f"{v:.7g}" for v in row) for row in batch)

            def invoke(client: Any, b: str = body) -> bytes:
                answer = client.invoke_endpoint(EndpointName="bench", ContentType="text/csv", Body=b)
                return bytes(answer["Body"].read())

            def post(b: str = body) -> bytes:
                raw.request(
                    "POST", "/endpoints/bench/invocations", body=b, headers={"Content-Type": "text/csv"}
                )
                return raw.getresponse().read()

            cases: list[tuple[str, Callable[[], object]]] = [
                (
                    "bare Booster.predict(DMatrix) (reference)",
                    lambda b=batch: booster.predict(xgb.DMatrix(b, nthread=1)),
                ),
                ("bare Booster.inplace_predict", lambda b=batch: booster.inplace_predict(b)),
                (
                    "twin in-process (no HTTP, no boto3)",
                    lambda b=body: twin.invoke("123456789012", "us-east-1", "bench", b.encode(), {}),
                ),
                ("floor: http.client -> canned answer", post),
                ("floor: boto3 -> canned answer", lambda: invoke(rt_canned)),
                ("moto round trip, moto's server", lambda: sm_stock.describe_endpoint(EndpointName="bench")),
                ("moto round trip, LocalServer", lambda: sm_local.describe_endpoint(EndpointName="bench")),
                ("twin via boto3, moto's server (before)", lambda: invoke(rt_stock)),
                ("twin via boto3, LocalServer (local cloud)", lambda: invoke(rt_local)),
            ]
            measured = _timings([case for _, case in cases], args.calls)
            reference = statistics.median(measured[0][0])
            for (name, _), (ms, cpu) in zip(cases, measured, strict=True):
                print(_row(name, n, ms, cpu, None if name.startswith("bare Booster.predict") else reference))
            if n == 1:
                twin_p50 = statistics.median(measured[-1][0]) - reference
                floor_p50 = statistics.median(measured[4][0]) - statistics.median(measured[1][0])
                verdict = "meets" if twin_p50 <= GOAL_MS else "misses"
                print(
                    f"|   one row: overhead p50 {twin_p50:.3f} ms, {verdict} the {GOAL_MS:.0f} ms goal; "
                    f"boto3 + HTTP alone (canned answer) cost {floor_p50:.3f} ms over inplace_predict |"
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        twin.stop()
        endpoint_patches.remove()
        canned.shutdown()
        local.stop()
        stock.stop()


if __name__ == "__main__":
    main()
