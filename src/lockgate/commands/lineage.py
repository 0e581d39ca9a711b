"""`lockgate lineage <dataset|package-arn|kind#id>`: the lineage record both ways, from any endpoint."""

from __future__ import annotations

import argparse
from typing import Any

from lockgate.commands.options import add_endpoint_option
from lockgate.commands.usage import CliError, not_found


def add_parsers(sub: Any) -> None:
    """`lockgate lineage`."""
    lineage = sub.add_parser("lineage", help="what a dataset or model package came from and led to")
    lineage.add_argument("node", help="a dataset name, a model package ARN, or <kind>#<id>")
    add_endpoint_option(lineage)
    lineage.add_argument("--table", help="the lineage table (default: the stack's LineageTable)")


def _table_name(dynamodb: Any, explicit: str | None) -> str | None:
    if explicit:
        return explicit
    names = dynamodb.list_tables()["TableNames"]
    return next((n for n in names if "LineageTable" in n or "lineage" in n.lower()), None)


def run_lineage(args: argparse.Namespace) -> int:
    """Print the ancestors and descendants of one node; exit 1 when nothing is recorded for it."""
    from lockgate.adapters.dynamodb import LineageTable
    from lockgate.commands.console import say
    from lockgate.commands.options import aws_client
    from lockgate.lineage import node_for, render, walk

    try:
        start = node_for(args.node)
    except ValueError as error:
        raise CliError(
            f"{str(error).splitlines()[0]}; pass a dataset name, a package ARN or <kind>#<id>"
        ) from None
    dynamodb = aws_client("dynamodb", args.endpoint_url)
    table_name = _table_name(dynamodb, args.table)
    if table_name is None:
        raise CliError("no lineage table at this endpoint; pass --table NAME (stack output LineageTableName)")
    table = LineageTable(table_name, dynamodb)
    up = walk(start, table.neighbours, "up")
    down = walk(start, table.neighbours, "down")
    if not up and not down:
        raise not_found(f"no lineage recorded for {start.key}; check the name (a dataset, a package ARN)")
    for line in render(start, down, up):
        say(line)
    return 0
