"""Benchmark of the review console: first paint of the Runs page with 100 runs on the local cloud.
Goal: <= 300 ms server time.

One local cloud (the real template), plus a one-state `lockgate-bench-dev` machine run 100 times (a
Pass state: the runs cost nothing to make). Measured in the same run, interleaved:
- the reference: the Step Functions calls the page needs (ListStateMachines + ListExecutions of
  every Lockgate machine through boto3), i.e. what `lockgate runs` costs before it describes;
- the page rendered in-process (`pages.runs_page`, reads included): the console's server time;
- the page through HTTP from the console's server (urllib): what a browser waits for.
The first call of each is reported apart, the page over HTTP first: a fresh console's first paint
(clients built, state machines listed).

Run: .venv/bin/python bench/console.py [--runs 100] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from lockgate.commands.options import aws_client
from lockgate.local.clock import LocalClock
from lockgate.local.cloud import LocalCloud
from lockgate.review_console import pages
from lockgate.review_console.reads import Reads
from lockgate.review_console.server import ConsoleServer, ConsoleSettings

REPO = Path(__file__).resolve().parents[1]
GOAL_MS = 300.0


def _ms(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    cloud = LocalCloud(
        REPO / "template.yaml", clock=LocalClock(1000), log_sink=lambda *_: None, warn=lambda _: None
    )
    with cloud:
        sfn = cloud.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/lockgate-bench"
        definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
        machine = sfn.create_state_machine(name="lockgate-bench-dev", definition=definition, roleArn=role)
        for number in range(args.runs):
            sfn.start_execution(
                stateMachineArn=machine["stateMachineArn"], name=f"bench-{number:04d}", input="{}"
            )
        reads = Reads(lambda service: aws_client(service, cloud.url), cloud.url)
        settings = ConsoleSettings()
        server = ConsoleServer(reads, settings).start()

        client = aws_client("stepfunctions", cloud.url)

        def reference() -> None:
            for m in client.list_state_machines()["stateMachines"]:
                for _ in client.get_paginator("list_executions").paginate(
                    stateMachineArn=m["stateMachineArn"]
                ):
                    pass

        def rendered() -> None:
            html = pages.runs_page(reads, settings, {})
            assert html.count("<tr>") >= min(args.runs, 100), "the page lacks the runs"

        def over_http() -> None:
            with urllib.request.urlopen(f"{server.url}runs") as response:
                assert response.status == 200
                response.read()

        cases = {
            "runs page, HTTP": over_http,
            "runs page, in-process": rendered,
            "reference: ListExecutions": reference,
        }
        cold = {name: _ms(case) for name, case in cases.items()}  # HTTP first: a fresh console's first paint
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, case in cases.items():
                times[name].append(_ms(case))
        server.stop()
    print(f"\nRuns page with {args.runs} runs (local cloud), {args.repeat} warm calls each, interleaved")
    print(f"{'case':<28} {'cold ms':>8} {'p50 ms':>8} {'p90 ms':>8} {'x ref':>6}")
    reference_p50 = statistics.median(times["reference: ListExecutions"])
    for name, values in sorted(times.items(), key=lambda item: not item[0].startswith("reference")):
        p50, p90 = statistics.median(values), sorted(values)[int(0.9 * (len(values) - 1))]
        print(f"{name:<28} {cold[name]:8.1f} {p50:8.1f} {p90:8.1f} {p50 / reference_p50:6.2f}")
    first, warm = cold["runs page, HTTP"], statistics.median(times["runs page, HTTP"])
    verdict = "met" if first <= GOAL_MS else "NOT met"
    print(
        f"goal: first paint <= {GOAL_MS:.0f} ms server time: {verdict} "
        f"(first {first:.0f} ms, then {warm:.0f} ms)"
    )


if __name__ == "__main__":
    main()
