"""`lockgate runs`: the executions so far, against any endpoint (local or AWS)."""

from __future__ import annotations

import argparse

from lockgate.commands.console import describe_runs, say
from lockgate.local.cloud import client_for


def run_runs(args: argparse.Namespace) -> int:
    """Print every state machine's executions with per-state timings."""
    sfn = client_for("stepfunctions", args.endpoint_url)
    arns = [machine["stateMachineArn"] for machine in sfn.list_state_machines()["stateMachines"]]
    for line in describe_runs(sfn, arns, args.limit):
        say(line)
    return 0
