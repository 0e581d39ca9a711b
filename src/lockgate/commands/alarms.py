"""`lockgate alarm`, `lockgate actions`, `lockgate monitor run`: against a running `lockgate up`
(or AWS: any endpoint URL boto3 accepts)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from botocore.exceptions import ClientError, EndpointConnectionError

from lockgate.adapters.audit_table import AuditTable
from lockgate.commands.console import say
from lockgate.local.endpoint_client import client_for

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


class CommandError(Exception):
    """A one-line error with what to do next (exit 2)."""


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The three subcommands."""
    alarm = sub.add_parser("alarm", help="set an alarm's state as a person testing would")
    alarm.add_argument("name", help="alarm name, e.g. lockgate-dev-idle-credit-staging")
    alarm.add_argument("--state", required=True, choices=STATES)
    alarm.add_argument("--reason", default="set by hand with `lockgate alarm`")
    alarm.add_argument("--endpoint-url", required=True, help="the endpoint `lockgate up` printed")
    actions = sub.add_parser("actions", help="what the alarm reactions did (the audit records)")
    actions.add_argument("--endpoint-url", required=True)
    actions.add_argument("--table", help="audit table (default: the one whose name contains AuditTable)")
    actions.add_argument("--limit", type=int, default=20)
    monitor = sub.add_parser("monitor", help="monitoring: `lockgate monitor run` = one pass now")
    monitor.add_argument("action", choices=["run"])
    monitor.add_argument("--endpoint-url", required=True)
    monitor.add_argument("--environment", default="dev", help="template Environment (default dev)")


def run(args: argparse.Namespace) -> int:
    """Dispatch; errors are one line and exit 2."""
    try:
        if args.command == "alarm":
            return _alarm(args)
        if args.command == "actions":
            return _actions(args)
        return _monitor(args)
    except CommandError as error:
        say(f"lockgate {args.command}: {error}")
    except EndpointConnectionError:
        say(f"lockgate {args.command}: cannot reach {args.endpoint_url}; start it with `lockgate up`")
    except ClientError as error:
        message = error.response["Error"].get("Message", str(error))
        say(f"lockgate {args.command}: {message}; check the name and try again")
    return 2


def _alarm(args: argparse.Namespace) -> int:
    cloudwatch = client_for("cloudwatch", args.endpoint_url)
    if not cloudwatch.describe_alarms(AlarmNames=[args.name])["MetricAlarms"]:
        names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
        raise CommandError(f"no alarm named {args.name!r}; alarms: {', '.join(names) or 'none'}")
    cloudwatch.set_alarm_state(AlarmName=args.name, StateValue=args.state, StateReason=args.reason)
    say(f"{args.name} -> {args.state} ({args.reason}); `lockgate actions` shows what it did")
    return 0


def _actions(args: argparse.Namespace) -> int:
    dynamodb = client_for("dynamodb", args.endpoint_url)
    table = args.table or next((t for t in dynamodb.list_tables()["TableNames"] if "AuditTable" in t), None)
    if table is None:
        raise CommandError("no audit table found; pass --table <name> (stack output AuditTableName)")
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


def _monitor(args: argparse.Namespace) -> int:
    lam = client_for("lambda", args.endpoint_url)
    name = f"lockgate-monitor-{args.environment}"
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
        raise CommandError(f"no function {name}; is --environment right?") from error
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise CommandError(f"{payload.get('errorType')}: {payload.get('errorMessage')}")
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
