"""`lockgate runs`: the executions so far, against any endpoint (local or AWS)."""

from __future__ import annotations

import argparse

from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from lockgate.commands.console import describe_runs, say
from lockgate.commands.usage import CliError
from lockgate.local.endpoint_client import client_for


def run_runs(args: argparse.Namespace) -> int:
    """Print every state machine's executions with per-state timings (failed ones with why)."""
    sfn = client_for("stepfunctions", args.endpoint_url)
    try:
        arns = [machine["stateMachineArn"] for machine in sfn.list_state_machines()["stateMachines"]]
        lines = describe_runs(sfn, arns, args.limit, status=args.status, dataset=args.dataset)
    except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError):
        raise CliError(
            f"cannot reach {args.endpoint_url}: start the local cloud with `lockgate up` "
            "and pass the endpoint it prints as --endpoint-url"
        ) from None
    for line in lines:
        say(line)
    return 0
