"""The starter handler with fakes: no network, Idempotency disabled (integration covers it)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from lockgate.adapters.stepfunctions import StartResult

EVENTS = Path(__file__).resolve().parents[3] / "events"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:lockgate-ingest-dev"


class FakeStepFunctions:
    def __init__(self) -> None:
        self.started: dict[str, dict] = {}

    def start_once(self, state_machine_arn: str, name: str, payload: dict) -> StartResult:
        arn = f"{state_machine_arn}:{name}"
        if name in self.started:
            return StartResult(arn, started=False)
        self.started[name] = payload
        return StartResult(arn, started=True)


@pytest.fixture
def starter(monkeypatch: pytest.MonkeyPatch, load_handler) -> ModuleType:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POWERTOOLS_IDEMPOTENCY_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Lockgate")
    monkeypatch.setenv("INGEST_STATE_MACHINE_ARN", MACHINE)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency")
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:lockgate-notifications-dev")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    module = load_handler("starter")
    monkeypatch.setattr(module, "step_functions", FakeStepFunctions())
    return module


def _event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def test_an_upload_starts_one_named_execution(context, starter: ModuleType) -> None:
    result = starter.lambda_handler(_event("starter_object_created.json"), context())
    assert result["started"] is True
    (payload,) = starter.step_functions.started.values()
    assert payload["key"] == "raw/credit/credit-sample.csv"
    assert payload["version_id"] == "Cvj1NlmKfbBqXbc.ikR9IIuuNVkwoy2D"


def test_a_repeat_delivery_is_reported_as_duplicate(context, starter: ModuleType) -> None:
    event = _event("starter_object_created.json")
    first = starter.lambda_handler(event, context())
    again = starter.lambda_handler(event, context(aws_request_id="req-2"))
    assert (first["started"], again["started"]) == (True, False)
    assert first["name"] == again["name"] and len(starter.step_functions.started) == 1


def test_the_key_is_decoded_once(context, starter: ModuleType) -> None:
    starter.lambda_handler(_event("starter_key_with_spaces.json"), context())
    (payload,) = starter.step_functions.started.values()
    assert payload["key"] == "raw/credit/applications 2026-11 (copy)+1.csv"


def test_part_files_start_nothing(context, starter: ModuleType) -> None:
    result = starter.lambda_handler(_event("starter_part_file_ignored.json"), context())
    assert (result["started"], result["reason"]) == (False, "ignored")
    assert starter.step_functions.started == {}
