"""`lockgate lineage <dataset|package-arn|kind#id>`: the lineage record both ways, from any endpoint."""

from __future__ import annotations

import argparse
import sys

from botocore.exceptions import BotoCoreError, ClientError

from lockgate.adapters.dynamodb import LineageTable
from lockgate.commands.console import say
from lockgate.lineage import node_for, render, walk
from lockgate.local.endpoint_client import client_for


def _table_name(dynamodb: object, explicit: str | None) -> str | None:
    if explicit:
        return explicit
    names = dynamodb.list_tables()["TableNames"]  # type: ignore[attr-defined]
    return next((n for n in names if "LineageTable" in n or "lineage" in n.lower()), None)


def run_lineage(args: argparse.Namespace) -> int:
    """Print the ancestors and descendants of one node."""
    try:
        start = node_for(args.node)
        dynamodb = client_for("dynamodb", args.endpoint_url)
        table_name = _table_name(dynamodb, args.table)
        if table_name is None:
            print("lockgate lineage: no lineage table at this endpoint; pass --table NAME", file=sys.stderr)
            return 2
        table = LineageTable(table_name, dynamodb)
        up = walk(start, table.neighbours, "up")
        down = walk(start, table.neighbours, "down")
    except (ValueError, ClientError, BotoCoreError) as error:
        print(
            f"lockgate lineage: {str(error).splitlines()[0]}; check the node and --endpoint-url",
            file=sys.stderr,
        )
        return 2
    if not up and not down:
        say(f"{start.key}: no lineage recorded yet")
        return 0
    for line in render(start, down, up):
        say(line)
    return 0
