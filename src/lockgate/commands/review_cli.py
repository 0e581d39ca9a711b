"""`lockgate review <run|dataset version> --approve|--reject --reason TEXT`: a person's decision on a
needs-human gate. The waiting train run resumes (approve: training goes on) or ends (reject:
`ReviewRejected`); the decision is kept in lineage (version -> review) and the audit (`lockgate actions`).
"""

from __future__ import annotations

import argparse
import json
import re
from typing import TYPE_CHECKING, Any

from lockgate.commands.options import add_endpoint_option
from lockgate.commands.usage import CliError, not_found
from lockgate.names import state_machine_prefix

if TYPE_CHECKING:
    from lockgate.adapters.review_records import ReviewRecords
    from lockgate.pipeline.review import PendingReview

_VERSION = re.compile(r"[0-9a-f]{64}")
TRAIN_MACHINE_PREFIX = state_machine_prefix("train")


def add_parsers(sub: Any) -> None:
    """`review` (cli.py calls this once)."""
    review = sub.add_parser(
        "review",
        help="decide a train run that waits for a person (a needs-human bias gate)",
        description="Approve (training goes on) or reject (the run ends as ReviewRejected) a train run "
        "waiting at AwaitingReview; `lockgate runs` and the SNS message name the command.",
    )
    review.add_argument("target", help="the waiting run's name or ARN, or its dataset version (sha256)")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true", help="training goes on")
    decision.add_argument("--reject", action="store_true", help="the run ends as ReviewRejected")
    review.add_argument("--reason", required=True, help="why (kept in lineage, the audit and the run)")
    add_endpoint_option(review)
    review.add_argument("--table", default=None, help="lineage table (default: the one named *Lineage*)")
    review.add_argument(
        "--audit-table", default=None, help="audit table (default: the one named *AuditTable*)"
    )


def run_review(args: argparse.Namespace) -> int:
    """Answer the waiting run; one line on stderr and exit 2 when that is not possible."""
    from botocore.exceptions import BotoCoreError, ClientError  # the run path only: the parser stays light

    from lockgate.commands.console import say

    if not args.reason.strip():
        raise CliError("--reason must say why (it is kept with the decision)")
    try:
        say(_review(args))
    except (ClientError, BotoCoreError) as error:
        raise CliError(f"{error}; check --endpoint-url (is `lockgate up` running?)") from error
    return 0


def decide(endpoint_url: str | None, target: str, reason: str, *, approve: bool) -> str:
    """`lockgate review` without the terminal (the review console calls it): the same checks and
    calls; returns the line the command prints; CliError when nothing changed."""
    if not reason.strip():
        raise CliError("a reason is required (it is kept with the decision): nothing changed")
    args = argparse.Namespace(
        target=target,
        approve=approve,
        reject=not approve,
        reason=reason.strip(),
        endpoint_url=endpoint_url,
        table=None,
        audit_table=None,
    )
    return _review(args)


def _review(args: argparse.Namespace) -> str:
    from botocore.exceptions import ClientError

    from lockgate.adapters.review_records import ReviewRecords
    from lockgate.commands.identity import who
    from lockgate.commands.options import aws_client
    from lockgate.messages.review import ReviewDecision
    from lockgate.pipeline.review import REJECTED_ERROR

    dynamodb = aws_client("dynamodb", args.endpoint_url)
    tables = dynamodb.list_tables()["TableNames"]
    lineage_name = args.table or next((t for t in tables if "Lineage" in t), None)
    if lineage_name is None:
        raise CliError("no lineage table found; pass --table <name> (the stack output LineageTableName)")
    records = ReviewRecords(lineage_name, dynamodb)
    pending = _find(args.target, records, aws_client("stepfunctions", args.endpoint_url))
    if pending.state != "waiting":
        raise CliError(f"the review of {_name(pending.execution)} was already answered ({pending.state})")
    by, approved = who("review"), bool(args.approve)
    sfn = aws_client("stepfunctions", args.endpoint_url)
    try:
        if approved:
            output = ReviewDecision(approved=True, by=by, reason=args.reason).to_payload()
            sfn.send_task_success(taskToken=pending.token, output=json.dumps(output))
        else:
            sfn.send_task_failure(
                taskToken=pending.token, error=REJECTED_ERROR, cause=f"rejected by {by}: {args.reason}"
            )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise CliError(
            f"the review request of {_name(pending.execution)} is spent ({code}: its run ended or timed "
            "out); nothing changed"
        ) from error
    decision = "approved" if approved else "rejected"
    records.settle(pending, decision)
    note = _record(
        args, dynamodb, lineage_name=lineage_name, tables=tables, pending=pending, decision=decision, by=by
    )
    then = "training goes on" if approved else f"the run ends as {REJECTED_ERROR}"
    return f"{decision} the {pending.stage} review of {pending.dataset} {pending.version[:12]}: {then}{note}"


def _find(target: str, records: ReviewRecords, sfn: Any) -> PendingReview:
    """The review request a run name, run ARN or dataset version names."""
    from botocore.exceptions import ClientError

    from lockgate.messages.ingest import train_input

    if _VERSION.fullmatch(target):
        found = records.of_version(target)
        waiting = [r for r in found if r.state == "waiting"]
        if len(waiting) == 1:
            return waiting[0]
        if waiting:
            names = ", ".join(_name(r.execution) for r in waiting)
            raise CliError(
                f"{len(waiting)} runs of version {target[:12]} wait for a review; name one: {names}"
            )
        if found:
            return found[-1]  # answered already: the caller says so
        raise not_found(f"no run of version {target[:12]} waits for a review (`lockgate runs` lists runs)")
    execution = target if target.startswith("arn:") else _execution_arn(sfn, target)
    try:
        described = sfn.describe_execution(executionArn=execution)
    except ClientError as error:
        raise not_found(f"no train run {target}; `lockgate runs` lists them") from error
    detail = train_input(described.get("input"))
    version = detail.dataset_version if detail else ""
    pending = records.get(version, execution) if version else None
    if pending is None:
        raise CliError(f"run {_name(execution)} is {described['status']} and waits for no review")
    return pending


def _execution_arn(sfn: Any, name: str) -> str:
    """The ARN of the train run called `name` (the first train state machine that has it)."""
    from botocore.exceptions import ClientError

    machines = [
        m["stateMachineArn"]
        for page in sfn.get_paginator("list_state_machines").paginate()
        for m in page["stateMachines"]
        if m["name"].startswith(TRAIN_MACHINE_PREFIX)
    ]
    if not machines:
        raise CliError("no Lockgate train state machine here; check --endpoint-url")
    arns = [f"{m.replace(':stateMachine:', ':execution:')}:{name}" for m in machines]
    for arn in arns:
        try:
            sfn.describe_execution(executionArn=arn)
        except ClientError:
            continue
        return arn
    raise not_found(f"no train run named {name}; `lockgate runs` lists them")


def _record(
    args: argparse.Namespace,
    dynamodb: Any,
    *,
    lineage_name: str,
    tables: list[str],
    pending: PendingReview,
    decision: str,
    by: str,
) -> str:
    """Lineage (version -> review) and the audit record (`lockgate actions`); a note when the audit
    table is missing."""
    from datetime import UTC, datetime

    from lockgate.adapters.audit_table import AuditTable
    from lockgate.adapters.dynamodb import LineageTable
    from lockgate.lineage import Node
    from lockgate.remediation.journal import AuditRecord, Status

    attrs = {
        "decision": decision,
        "by": by,
        "reason": args.reason[:500],
        "run": pending.execution,
        "stage": pending.stage,
        "gate": pending.reasons[:500],
    }
    LineageTable(lineage_name, dynamodb).link(
        Node(kind="version", id=pending.version),
        Node(kind="review", id=f"{pending.stage}/{pending.execution}"),
        **attrs,
    )
    audit_name = args.audit_table or next((t for t in tables if "AuditTable" in t), None)
    if audit_name is None:
        return " (no audit table found, pass --audit-table: the decision is in lineage only)"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    AuditTable(audit_name, dynamodb).save(
        AuditRecord(
            alarm=f"review/{pending.dataset}/{pending.version}",
            timestamp=now,
            action=f"review-{'approve' if decision == 'approved' else 'reject'}",
            status=Status.DONE,
            resources=[pending.execution],
            outcome=f"{decision} by {by}",
            reason=args.reason,
            updated=now,
        )
    )
    return ""


def _name(execution: str) -> str:
    return execution.rsplit(":", 1)[-1]
