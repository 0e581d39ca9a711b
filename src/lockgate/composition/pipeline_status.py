"""PipelineStatusFunction: its settings and the one message per failed execution."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from lockgate.adapters.audit_table import AuditTable
from lockgate.adapters.pipelines import ExecutionHistory
from lockgate.adapters.sns import Notifier
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.remediation import ExecutionDetail
from lockgate.remediation.executions import tell_once


class PipelineStatusSettings(HandlerSettings):
    """Environment of PipelineStatusFunction."""

    environment: str
    audit_table: str
    topic_arn: str


def build_teller(settings: PipelineStatusSettings) -> Callable[[ExecutionDetail], tuple[bool, str]]:
    """execution -> (told, why): people told once about an execution that did not succeed."""
    audit, history, notifier = (
        AuditTable(settings.audit_table),
        ExecutionHistory(),
        Notifier(settings.topic_arn),
    )

    def tell(d: ExecutionDetail) -> tuple[bool, str]:
        return tell_once(
            execution_arn=d.executionArn,
            state_machine_arn=d.stateMachineArn,
            status=d.status,
            payload=d.input,
            error=d.error,
            cause=d.cause,
            environment=settings.environment,
            audit=audit,
            history=history,
            publisher=notifier,
            now=time.time(),
            stamp=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    return tell
