"""Failed, timed-out and aborted pipeline executions -> one message per execution (pure)."""

from __future__ import annotations

import json
from typing import Protocol

from lockgate.messages.notify import CaughtError, NotifyFailureRequest, RunRef
from lockgate.names import pipeline_of
from lockgate.pipeline.failure_message import failure_message
from lockgate.remediation.journal import Audit, AuditRecord, Claim, Status

TOLD = ("FAILED", "TIMED_OUT", "ABORTED")
_OUTCOME = {"FAILED": "failed", "TIMED_OUT": "timed out", "ABORTED": "was aborted"}


class History(Protocol):
    """Execution history (lockgate.adapters.pipelines.ExecutionHistory)."""

    def notified_by_catch(self, execution_arn: str) -> bool:
        """True when the execution entered its NotifyFailure state (people were already told)."""
        ...


class Publisher(Protocol):
    """SNS."""

    def publish(self, subject: str, message: str) -> str:
        """Send one message."""
        ...


def tell_once(
    *,
    execution_arn: str,
    state_machine_arn: str,
    status: str,
    payload: str | None,
    error: str | None,
    cause: str | None,
    environment: str,
    audit: Audit,
    history: History,
    publisher: Publisher,
    now: float,
    stamp: str,
) -> tuple[bool, str]:
    """(notified, why): at most one message per execution, none when its Catch path already told."""
    pipeline = pipeline_of(state_machine_arn, environment)
    if pipeline is None:
        return False, "not a Lockgate state machine of this environment"
    if status not in TOLD:
        return False, f"status {status} needs no message"
    record = AuditRecord(
        alarm=f"execution:{execution_arn}",
        timestamp=status,
        action="notify",
        resources=[execution_arn],
        lease_until=now + 300,
        updated=stamp,
    )
    claim, stored = audit.claim(record, now)
    if claim is Claim.DUPLICATE:
        return False, "already told about this execution"
    if status == "FAILED" and history.notified_by_catch(execution_arn):
        told, why = False, "the run's Catch path already told people"
    else:
        run = RunRef(execution=execution_arn)
        try:
            given = json.loads(payload or "{}")
        except ValueError:
            given = {}
        if isinstance(given, dict):
            run = RunRef(
                execution=execution_arn,
                **{k: str(given[k]) for k in ("dataset", "version", "bucket", "key") if k in given},
            )
        request = NotifyFailureRequest(
            pipeline=pipeline,
            run=run,
            error=CaughtError(Error=error or status, Cause=cause or ""),
            outcome=_OUTCOME[status],
        )
        subject, body = failure_message(request)
        publisher.publish(subject, body)
        told, why = True, subject
    stored.status, stored.outcome = Status.DONE, why
    audit.save(stored)
    return told, why
