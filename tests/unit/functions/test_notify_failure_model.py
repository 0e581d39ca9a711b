"""Issue 10 item 5: notify_failure parses its payload with a model (steps.notify) and says what
happened: a bias gate that needs a person's review is announced as such, not as a failure."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from lockgate.messages.catalog import FUNCTIONS
from lockgate.messages.notify import NotifyFailureRequest, NotifyFailureResult

EVENTS = Path(__file__).resolve().parents[3] / "events"


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish(self, subject: str, message: str) -> str:
        self.sent.append((subject, message))
        return "m-1"


@pytest.fixture
def notify(monkeypatch: pytest.MonkeyPatch, load_handler) -> ModuleType:  # type: ignore[no-untyped-def]
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
        "TOPIC_ARN": "arn:aws:sns:us-east-1:1:t",
    }.items():
        monkeypatch.setenv(name, value)
    module = load_handler("notify_failure")
    monkeypatch.setattr(module, "notifier", FakeNotifier())
    return module


def test_the_catalog_names_the_notify_models() -> None:
    io = FUNCTIONS["NotifyFailureFunction"]
    assert (io.input, io.output) == (NotifyFailureRequest, NotifyFailureResult)


@pytest.mark.parametrize("name", ["notify_failure.json", "notify_failure_needs_review.json"])
def test_the_event_files_parse(name: str) -> None:
    NotifyFailureRequest.model_validate_json((EVENTS / name).read_text())


def test_a_review_is_announced_as_a_review(context, notify: ModuleType) -> None:  # type: ignore[no-untyped-def]
    event = json.loads((EVENTS / "notify_failure_needs_review.json").read_text())
    result = notify.lambda_handler(event, context())
    ((subject, message),) = notify.notifier.sent
    assert subject == "Lockgate train needs a person's review: BiasNeedsReview" == result["subject"]
    assert "failed" not in subject + message
    assert "needs a person's review" in message and "report.html" in message
    assert "- DPL 0.112 for sex=female" in message  # the reasons, one per line, not a JSON list
    NotifyFailureResult.model_validate(result)


def test_a_payload_with_a_misspelt_field_is_refused(context, notify: ModuleType) -> None:  # type: ignore[no-untyped-def]
    event = json.loads((EVENTS / "notify_failure.json").read_text())
    event["outcom"] = "needs a person's review"
    with pytest.raises(ValidationError, match="outcom"):
        notify.lambda_handler(event, context())
    assert notify.notifier.sent == []


def test_an_internal_error_says_raw_is_unchanged(context, notify: ModuleType) -> None:  # type: ignore[no-untyped-def]
    event = json.loads((EVENTS / "notify_failure.json").read_text())
    event["error"] = {"Error": "InternalError", "Cause": "s3://d/raw/credit/a.csv: internal error (...)"}
    notify.lambda_handler(event, context())
    ((_, message),) = notify.notifier.sent
    assert "unchanged" in message and "quarantine" not in message
