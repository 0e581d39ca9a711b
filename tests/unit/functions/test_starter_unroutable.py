"""Issue 10 item 3: an object under raw/ that names no dataset (`raw/credit.csv`) is told to
people once (SNS: the key and where it should have gone), counted, and the starter returns
normally, so no async retry repeats it and nothing is lost without a word."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

EVENTS = Path(__file__).resolve().parents[3] / "events"


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish(self, subject: str, message: str) -> str:
        self.sent.append((subject, message))
        return f"m-{len(self.sent)}"


class NoStepFunctions:
    def start_once(self, *args: object) -> None:
        raise AssertionError("an unroutable upload must start nothing")


@pytest.fixture
def starter(monkeypatch: pytest.MonkeyPatch, load_handler) -> ModuleType:  # type: ignore[no-untyped-def]
    for name, value in {
        "POWERTOOLS_IDEMPOTENCY_DISABLED": "1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
        "INGEST_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:lockgate-ingest-dev",
        "IDEMPOTENCY_TABLE": "idempotency",
        "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:lockgate-notifications-dev",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    module = load_handler("starter")
    monkeypatch.setattr(module, "step_functions", NoStepFunctions())
    monkeypatch.setattr(module, "notifier", FakeNotifier())
    return module


def _event(key: str) -> dict:  # type: ignore[type-arg]
    event = json.loads((EVENTS / "starter_object_created.json").read_text())
    event["detail"]["object"]["key"] = key
    return event  # type: ignore[no-any-return]


def test_a_file_directly_under_raw_is_told_to_people_and_returns_normally(
    context, starter: ModuleType
) -> None:  # type: ignore[no-untyped-def]
    result = starter.lambda_handler(_event("raw/credit.csv"), context())
    assert result["started"] is False and result["reason"] == "unroutable"
    ((subject, message),) = starter.notifier.sent
    assert "not processed" in subject
    assert "raw/credit.csv" in message and "raw/<dataset>/" in message
    assert "raw/credit/credit.csv" in message  # where it should have gone


def test_an_empty_dataset_folder_is_unroutable_too(context, starter: ModuleType) -> None:  # type: ignore[no-untyped-def]
    result = starter.lambda_handler(_event("raw//x.csv"), context())
    assert result["reason"] == "unroutable"
    assert len(starter.notifier.sent) == 1


def test_the_unroutable_event_has_an_events_file(context, starter: ModuleType) -> None:  # type: ignore[no-untyped-def]
    event = json.loads((EVENTS / "starter_unroutable_key.json").read_text())
    assert starter.lambda_handler(event, context())["reason"] == "unroutable"


def test_an_event_without_a_key_is_a_validation_error_naming_it(context, starter: ModuleType) -> None:  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    event = _event("raw/credit/a.csv")
    del event["detail"]["object"]["key"]
    with pytest.raises(ValidationError, match="key"):
        starter.lambda_handler(event, context())
    assert starter.notifier.sent == []
