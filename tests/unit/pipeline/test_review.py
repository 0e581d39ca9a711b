"""The human review of a needs-human gate: the request keeps the token and names the command."""

from __future__ import annotations

import pytest

from lockgate.cli import main
from lockgate.messages.review import ReviewRequest
from lockgate.pipeline.review import PendingReview, request_review, review_command

RUN = "arn:aws:states:us-east-1:123456789012:execution:lockgate-train-dev:credit-abc"


class Store:
    def __init__(self) -> None:
        self.kept: list[PendingReview] = []

    def store(self, review: PendingReview) -> None:
        self.kept.append(review)


class Notifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish(self, subject: str, message: str) -> str:
        self.sent.append((subject, message))
        return "m-1"


def test_the_request_keeps_the_token_and_the_message_names_the_command() -> None:
    store, notifier = Store(), Notifier()
    request = ReviewRequest(
        task_token="tok",
        dataset="credit",
        version="a" * 64,
        execution=RUN,
        reasons=["facet sex: 12 rows < min_group_rows 30"],
        report="s3://b/report.html",
    )
    notice = request_review(request, store, notifier)
    [kept] = store.kept
    assert (kept.token, kept.state, kept.execution, kept.version) == ("tok", "waiting", RUN, "a" * 64)
    assert notice.command == "lockgate review credit-abc --approve|--reject --reason TEXT"
    [(subject, message)] = notifier.sent
    assert "credit" in subject and "review" in subject
    assert notice.command in message and "min_group_rows" in message and "s3://b/report.html" in message
    assert notice.to_payload() == {"messageId": "m-1", "command": notice.command}


def test_the_command_uses_the_run_name() -> None:
    assert review_command(RUN).startswith("lockgate review credit-abc ")


@pytest.mark.parametrize(
    "argv",
    [
        ["review", "run", "--reason", "x"],  # neither --approve nor --reject
        ["review", "run", "--approve", "--reject", "--reason", "x"],  # both
        ["review", "run", "--approve"],  # no reason
    ],
)
def test_review_needs_one_decision_and_a_reason(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(argv)
    assert usage.value.code == 2


def test_a_blank_reason_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "run", "--approve", "--reason", " ", "--endpoint-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lockgate review:") and "--reason" in err and len(err.splitlines()) == 1
