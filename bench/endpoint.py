"""Benchmark of the endpoint twin: InvokeEndpoint (boto3 over HTTP to the moto server, real XGBoost)
vs a bare `Booster.predict` on the same rows, in the same run. Goal: overhead <= 2 ms p50 for one row.

Run: .venv/bin/python bench/endpoint.py [--calls 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import boto3
import numpy as np
import xgboost as xgb
from botocore.config import Config
from moto.server import ThreadedMotoServer

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import endpoint_patches
from lockgate.local.sagemaker.algorithm import model_tarball


def train_booster(seed: int, rounds: int, depth: int) -> tuple[xgb.Booster, np.ndarray]:
    """A binary:logistic Booster on 6 random features and 100 held-out rows to predict."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    params = {"objective": "binary:logistic", "max_depth": depth, "nthread": 1}
    return xgb.train(params, xgb.DMatrix(x[:300], label=y[:300]), rounds), x[300:]


def _timings(
    first: Callable[[], object], second: Callable[[], object], calls: int
) -> tuple[list[float], list[float]]:
    """Alternate the two calls so both see the same load on a shared host."""
    out: tuple[list[float], list[float]] = ([], [])
    for index in range(calls + 10):
        for call, sink in ((first, out[0]), (second, out[1])):
            began = time.perf_counter()
            call()
            if index >= 10:
                sink.append((time.perf_counter() - began) * 1000)
    return out


def _row(name: str, ms: list[float], rows: int) -> str:
    ms = sorted(ms)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    throughput = 1000 / statistics.mean(ms) * rows
    return f"| {name:<34} | {rows:>4} | {p50:8.3f} | {p99:8.3f} | {throughput:12.0f} |"


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    twin = endpoint_patches.apply(clock=LocalClock(10_000))
    try:

        def client(service: str) -> object:
            return boto3.client(
                service, endpoint_url=url, region_name="us-east-1", config=Config(retries={"max_attempts": 1})
            )

        s3, sm, runtime = client("s3"), client("sagemaker"), client("sagemaker-runtime")
        booster, rows = train_booster(seed=1, rounds=100, depth=5)
        booster.set_param("nthread", 1)
        s3.create_bucket(Bucket="bench")  # type: ignore[attr-defined]
        tarball = model_tarball(bytes(booster.save_raw("ubj")))
        s3.put_object(Bucket="bench", Key="m/model.tar.gz", Body=tarball)  # type: ignore[attr-defined]
        sm.create_model(  # type: ignore[attr-defined]
            ModelName="bench",
            ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
            PrimaryContainer={"Image": "xgb", "ModelDataUrl": "s3://bench/m/model.tar.gz"},
        )
        sm.create_endpoint_config(  # type: ignore[attr-defined]
            EndpointConfigName="bench",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "bench",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        sm.create_endpoint(EndpointName="bench", EndpointConfigName="bench")  # type: ignore[attr-defined]
        while sm.describe_endpoint(EndpointName="bench")["EndpointStatus"] != "InService":  # type: ignore[attr-defined]
            time.sleep(0.01)
        print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores shared)")
        floor, _ = _timings(
            lambda: sm.describe_endpoint(EndpointName="bench"),  # type: ignore[attr-defined]
            lambda: None,
            args.calls,
        )
        print("| what                               | rows |  p50 ms  |  p99 ms  | rows/s       |")
        print("|------------------------------------|------|----------|----------|--------------|")
        for n in (1, 100):
            batch = rows[:n] if n <= len(rows) else rows.repeat(n // len(rows) + 1, axis=0)[:n]
            body = "\n".join(",".join(f"{v:.7g}" for v in row) for row in batch)
            bare, twin_ms = _timings(
                lambda b=batch: booster.predict(xgb.DMatrix(b, nthread=1)),
                lambda b=body: runtime.invoke_endpoint(EndpointName="bench", ContentType="text/csv", Body=b)[  # type: ignore[attr-defined]
                    "Body"
                ].read(),
                args.calls,
            )
            if n == 1:
                print(_row("moto round trip (describe_endpoint)", floor, 1))
            print(_row("bare Booster.predict (reference)", bare, n))
            print(_row("twin invoke_endpoint (HTTP, boto3)", twin_ms, n))
            overhead = statistics.median(twin_ms) - statistics.median(bare)
            print(
                f"|   overhead p50 {overhead:.3f} ms "
                f"({'meets' if overhead <= 2 else 'misses'} the 2 ms goal for 1 row)"
                if n == 1
                else f"|   overhead p50 {overhead:.3f} ms"
            )
    finally:
        twin.stop()
        endpoint_patches.remove()
        server.stop()


if __name__ == "__main__":
    main()
