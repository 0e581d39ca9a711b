"""A needs-human gate waits for a person: the request (token kept, people told the command to run)
and the decision (approve resumes the run, reject ends it as `ReviewRejected`).

No boto3 here: the token store and the notifier are ports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from lockgate.messages.review import ReviewNotice, ReviewRequest

REJECTED_ERROR = "ReviewRejected"  # the error a rejection sends; the train state machine ends with it
WAITING_STATE = "AwaitingReview"  # the train state that waits (`lockgate runs` shows it)


@dataclass(frozen=True)
class PendingReview:
    """A stored review request."""

    dataset: str
    version: str
    execution: str
    stage: str
    token: str
    state: str  # waiting | approved | rejected
    reasons: str = ""


class ReviewStore(Protocol):
    """Where review tokens are kept (lockgate.adapters.review_records)."""

    def store(self, review: PendingReview) -> None:
        """Keep a waiting request."""
        ...


class Notifier(Protocol):
    """Messages for people."""

    def publish(self, subject: str, message: str) -> str:
        """Send one message; returns its id."""
        ...


def review_command(execution: str) -> str:
    """The command a person runs to decide (the run's name: unique, shown by `lockgate runs`)."""
    name = execution.rsplit(":", 1)[-1]
    return f"lockgate review {name} --approve|--reject --reason TEXT"


def request_review(request: ReviewRequest, store: ReviewStore, notifier: Notifier) -> ReviewNotice:
    """Store the token under the dataset version, then tell people what to review and how."""
    reasons = "; ".join(request.reasons) or "(no reasons given)"
    store.store(
        PendingReview(
            dataset=request.dataset,
            version=request.version,
            execution=request.execution,
            stage=request.stage,
            token=request.task_token,
            state="waiting",
            reasons=reasons[:1000],
        )
    )
    command = review_command(request.execution)
    message = "\n".join(
        [
            f"The {request.stage} bias gate of {request.dataset} version {request.version} "
            "needs a person's review; the train run waits for your decision.",
            f"Why: {reasons}",
            f"Report: {request.report or '(none)'}",
            f"Run: {request.execution}",
            "",
            f"Decide: {command}",
            "(--approve: training goes on; --reject: the run ends as ReviewRejected)",
        ]
    )
    subject = f"Lockgate: {request.dataset} {request.stage} bias needs your review"
    return ReviewNotice(message_id=notifier.publish(subject, message), command=command)
