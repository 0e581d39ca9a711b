"""`lockgate alarm`, `lockgate actions`, `lockgate monitor run`: against a running `lockgate up`
(or AWS: any endpoint URL boto3 accepts)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from lockgate.commands.options import add_endpoint_option, aws_client, bounded
from lockgate.commands.usage import CliError, not_found
from lockgate.names import function_name

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


def add_parsers(sub: Any) -> None:
    """The three subcommands."""
    alarm = sub.add_parser("alarm", help="set an alarm's state as a person testing would")
    alarm.add_argument("name", help="alarm name, e.g. lockgate-dev-idle-credit-staging")
    alarm.add_argument("--state", required=True, choices=STATES, help="the state to set")
    alarm.add_argument(
        "--reason", default="set by hand with `lockgate alarm`", help="the state reason the alarm records"
    )
    add_endpoint_option(alarm)
    actions = sub.add_parser("actions", help="what the alarm reactions did (the audit records)")
    add_endpoint_option(actions)
    actions.add_argument("--table", help="audit table (default: the one whose name contains AuditTable)")
    actions.add_argument(
        "--limit", type=bounded(1, 1000), default=20, help="records shown, newest first (1..1000)"
    )
    monitor = sub.add_parser("monitor", help="monitoring: `lockgate monitor run` = one pass now")
    monitor.add_argument("action", choices=["run"], help="run: one monitoring pass now")
    add_endpoint_option(monitor)
    monitor.add_argument("--environment", default="dev", help="template Environment (default dev)")


def run_alarm(args: argparse.Namespace) -> int:
    """`lockgate alarm NAME --state S`: exit 1 when there is no such alarm."""
    from lockgate.commands.console import say

    cloudwatch = aws_client("cloudwatch", args.endpoint_url)
    if not cloudwatch.describe_alarms(AlarmNames=[args.name])["MetricAlarms"]:
        names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
        raise not_found(f"no alarm named {args.name!r}; alarms: {', '.join(names) or 'none'}")
    cloudwatch.set_alarm_state(AlarmName=args.name, StateValue=args.state, StateReason=args.reason)
    say(f"{args.name} -> {args.state} ({args.reason}); `lockgate actions` shows what it did")
    return 0


def run_actions(args: argparse.Namespace) -> int:
    """`lockgate actions`: the audit records, newest first."""
    from lockgate.adapters.audit_table import AuditTable
    from lockgate.commands.console import say

    dynamodb = aws_client("dynamodb", args.endpoint_url)
    table = args.table or next((t for t in dynamodb.list_tables()["TableNames"] if "AuditTable" in t), None)
    if table is None:
        raise CliError("no audit table found; pass --table <name> (stack output AuditTableName)")
    records = AuditTable(table, dynamodb).recent(args.limit)
    if not records:
        say("no actions yet")
    for r in records:
        resources = ", ".join(r.resources) or "-"
        mode = " [dry-run]" if r.dry_run else ""
        say(f"{r.updated}  {r.alarm}  {r.action}{mode}  {r.status.value}: {r.outcome}  ({resources})")
        for step in r.steps:
            say(f"    - {step.detail}")
        if r.before or r.after:
            say(f"    before {json.dumps(r.before)}  after {json.dumps(r.after)}")
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    """`lockgate monitor run`: one monitoring pass now, through the monitor function."""
    from lockgate.commands.console import say

    lam = aws_client("lambda", args.endpoint_url)
    name = function_name("monitor", args.environment)
    event = {
        "version": "0",
        "id": "cli",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": lam.meta.region_name,
        "resources": [],
        "detail": {},
    }
    try:
        response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    except lam.exceptions.ResourceNotFoundException as error:
        raise CliError(f"no function {name}; is --environment right?") from error
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise CliError(f"{payload.get('errorType')}: {payload.get('errorMessage')}")
    if not payload.get("endpoints"):
        say("no managed endpoints (tag lockgate:managed=true) to monitor")
    for e in payload.get("endpoints", []):
        drifted = ", ".join(e["drifted"]) or "none"
        bias = (
            "-"
            if e["bias_violations"] is None
            else f"{e['bias_violations']} violation(s) on {e['bias_rows']} rows"
        )
        psi = "-" if e["max_psi"] is None else f"{e['max_psi']:.3f}"
        say(f"{e['endpoint']}: {e['rows']} rows, max PSI {psi}, drifted: {drifted}, live bias: {bias}")
        if e["note"]:
            say(f"    {e['note']}")
    return 0
