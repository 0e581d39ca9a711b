"""The starter handler with fakes: no network, Idempotency disabled (integration covers it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from lockgate.adapters.stepfunctions import StartResult

EVENTS = Path(__file__).resolve().parents[3] / "events"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:lockgate-ingest-dev"


@dataclass
class LambdaContext:
    function_name: str = "lockgate-starter-dev"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:lockgate-starter-dev"
    aws_request_id: str = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


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
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    module = load_handler("starter")
    monkeypatch.setattr(module, "step_functions", FakeStepFunctions())
    return module


def _event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def test_an_upload_starts_one_named_execution(starter: ModuleType) -> None:
    result = starter.lambda_handler(_event("starter_object_created.json"), LambdaContext())
    assert result["started"] is True
    (payload,) = starter.step_functions.started.values()
    assert payload["key"] == "raw/credit/credit-sample.csv"
    assert payload["version_id"] == "Cvj1NlmKfbBqXbc.ikR9IIuuNVkwoy2D"


def test_a_repeat_delivery_is_reported_as_duplicate(starter: ModuleType) -> None:
    event = _event("starter_object_created.json")
    first = starter.lambda_handler(event, LambdaContext())
    again = starter.lambda_handler(event, LambdaContext(aws_request_id="req-2"))
    assert (first["started"], again["started"]) == (True, False)
    assert first["name"] == again["name"] and len(starter.step_functions.started) == 1


def test_the_key_is_decoded_once(starter: ModuleType) -> None:
    starter.lambda_handler(_event("starter_key_with_spaces.json"), LambdaContext())
    (payload,) = starter.step_functions.started.values()
    assert payload["key"] == "raw/credit/applications 2026-11 (copy)+1.csv"


def test_part_files_start_nothing(starter: ModuleType) -> None:
    result = starter.lambda_handler(_event("starter_part_file_ignored.json"), LambdaContext())
    assert result == {"started": False, "reason": "ignored"}
    assert starter.step_functions.started == {}
