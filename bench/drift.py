"""Drift and alarm benchmarks: the monitor's drift pass vs a bare pyarrow read of the capture, and
the time from an alarm's transition to its recorded action on the local cloud at clock speed 1.

    .venv/bin/python bench/drift.py [--rows 1000000] [--features 20] [--alarms 10]

Goals (issue 9): drift over 1e6 captured rows x 20 features <= 2x `pyarrow.json.read_json` of the
same capture; alarm -> action p50 <= 1 s at clock speed 1. Prints one table (and the load average).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow.json as pajson

from lockgate.local.alarm_fixtures import capture_lines
from lockgate.monitoring.baseline import build_baseline
from lockgate.monitoring.capture import read_capture
from lockgate.monitoring.drift import drift
from lockgate.names import reaction_alarm_name

REPO = Path(__file__).resolve().parents[1]


def _best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def drift_bench(rows: int, features: int) -> tuple[float, float, float]:
    """(bare read s, read + drift s, drift only s) for `rows` one-row capture lines."""
    rng = np.random.default_rng(0)
    names = [f"f{i}" if i % 4 else f"c{i}=x" for i in range(features)]
    train = rng.normal(size=(200_000, features))
    live = rng.normal(0.1, 1.0, size=(rows, features)).round(4)
    for j, name in enumerate(names):
        if "=" in name:
            train[:, j] = rng.random(len(train)) < 0.3
            live[:, j] = rng.random(rows) < 0.35
    baseline = build_baseline("bench", "v", names, train)
    blob = capture_lines(live, rng.random(rows))
    bare = _best(lambda: pajson.read_json(io.BytesIO(blob)))

    def full() -> None:
        captured = read_capture([blob], features)
        drift(baseline, captured.features)

    captured = read_capture([blob], features)
    only = _best(lambda: drift(baseline, captured.features))
    return bare, _best(full), only


def alarm_latency(alarms: int) -> list[float]:
    """Seconds from set_alarm_state(ALARM) to the audit record of its reaction, clock speed 1."""
    from lockgate.local.clock import LocalClock
    from lockgate.local.cloud import LocalCloud

    latencies = []
    with LocalCloud(
        REPO / "template.yaml", clock=LocalClock(1), log_sink=lambda *_: None, warn=lambda _: None
    ) as cloud:
        assert cloud.stack is not None
        cw, ddb = cloud.client("cloudwatch"), cloud.client("dynamodb")
        table, name = cloud.stack.outputs["AuditTableName"], reaction_alarm_name("dev", "notify", "dlq")
        for i in range(alarms + 1):  # the first is a warm-up (cold start of the function)
            cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="bench reset")
            began = time.perf_counter()
            cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=f"bench {i}")
            while True:
                items = ddb.scan(TableName=table)["Items"]
                done = [x for x in items if x["alarm"]["S"] == name and x["status"]["S"] == "done"]
                if len(done) > i:
                    break
                time.sleep(0.01)
            if i:
                latencies.append(time.perf_counter() - began)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--alarms", type=int, default=10)
    args = parser.parse_args()
    bare, full, only = drift_bench(args.rows, args.features)
    latencies = alarm_latency(args.alarms)
    p50 = statistics.median(latencies)
    print(
        f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (2 cores)"
    )
    print(f"{'measure':<58}{'value':>12}{'goal':>14}")
    print(f"{f'bare pyarrow.json read, {args.rows:,} capture lines':<58}{bare:>11.3f}s{'reference':>14}")
    print(f"{'read_capture + drift (PSI all, KS numeric)':<58}{full:>11.3f}s{f'<= {2 * bare:.3f}s':>14}")
    print(f"{'  of which drift on the parsed matrix':<58}{only:>11.3f}s{'':>14}")
    print(f"{'ratio to the bare read':<58}{full / bare:>11.2f}x{'<= 2.00x':>14}")
    print(
        f"{f'alarm -> action p50, clock speed 1 ({len(latencies)} alarms)':<58}{p50:>11.3f}s{'<= 1.000s':>14}"
    )
    print(f"{'alarm -> action max':<58}{max(latencies):>11.3f}s{'':>14}")
    drift_goal = "met" if full <= 2 * bare else "NOT met"
    latency_goal = "met" if p50 <= 1 else "NOT met"
    print(f"\ndrift goal {drift_goal}; latency goal {latency_goal}")


if __name__ == "__main__":
    main()
