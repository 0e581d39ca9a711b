"""`lockgate runs`: the executions so far, against any endpoint (local or AWS)."""

from __future__ import annotations

import argparse
from typing import Any

from lockgate.commands.options import add_endpoint_option, bounded

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def add_parsers(sub: Any) -> None:
    """`lockgate runs`."""
    runs = sub.add_parser("runs", help="executions so far, with the states each went through")
    add_endpoint_option(runs)
    runs.add_argument(
        "--limit",
        type=bounded(1, 1000),
        default=20,
        help="runs shown per state machine, newest first (1..1000)",
    )
    runs.add_argument("--status", choices=STATUSES, help="only the runs in this state")
    runs.add_argument("--dataset", help="only the runs of this dataset")


def run_runs(args: argparse.Namespace) -> int:
    """Print every state machine's executions with per-state timings (failed ones with why)."""
    from lockgate.commands.console import describe_runs, say
    from lockgate.commands.options import aws_client

    sfn = aws_client("stepfunctions", args.endpoint_url)
    arns = [machine["stateMachineArn"] for machine in sfn.list_state_machines()["stateMachines"]]
    for line in describe_runs(sfn, arns, args.limit, status=args.status, dataset=args.dataset):
        say(line)
    return 0
