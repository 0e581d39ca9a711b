"""The audit record of one reaction, kept as a journal: each step is saved when it is done, so a
retry after a failure resumes where it stopped and never repeats a step (never deletes twice).

One record per alarm transition (pk = alarm name, sk = state timestamp): the conditional write that
creates it is the idempotency check (the same event 25 times gives one record and one action).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field


class Status(StrEnum):
    """Where the reaction is."""

    IN_PROGRESS = "in-progress"
    FAILED = "failed"  # stopped half way: a retry resumes it
    DONE = "done"


class Step(BaseModel):
    """One step done (or, in dry-run, one step that would have been done)."""

    name: str
    detail: str
    at: str


class AuditRecord(BaseModel):
    """alarm, action, resources, before/after, outcome: what people read with `lockgate actions`."""

    alarm: str
    timestamp: str  # the alarm's state timestamp
    action: str
    status: Status = Status.IN_PROGRESS
    dry_run: bool = False
    resources: list[str] = Field(default_factory=list)
    before: dict[str, str] = Field(default_factory=dict)
    after: dict[str, str] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)
    outcome: str = ""
    reason: str = ""
    attempts: int = 1
    lease_until: float = 0.0
    updated: str = ""

    def done(self, step: str) -> bool:
        """True when `step` was already done (by this or an earlier attempt)."""
        return any(s.name == step for s in self.steps)


class Claim(StrEnum):
    """What claiming a transition found."""

    NEW = "new"  # first delivery: act
    RESUME = "resume"  # an earlier attempt failed or its lease ran out: finish it
    DUPLICATE = "duplicate"  # already done, or another attempt is acting right now


class Audit(Protocol):
    """The AuditTable (lockgate.adapters.audit_table)."""

    def claim(self, record: AuditRecord, now: float) -> tuple[Claim, AuditRecord]:
        """Create the record if absent (conditional write); otherwise take over a failed or expired
        one (attempts + 1), or report a duplicate with the stored record."""
        ...

    def save(self, record: AuditRecord) -> None:
        """Write the record as it is now."""
        ...

    def recent(self, limit: int) -> list[AuditRecord]:
        """The latest records, newest first."""
        ...
