"""The data-gate and notify handlers with fakes: routing and wording, no network."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from lockgate.messages.ingest import DatasetVersion, PartResult

EVENTS = Path(__file__).resolve().parents[3] / "events"


class FakeGate:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def check_object(self, obj, dataset):  # type: ignore[no-untyped-def]
        self.calls.append(("object", (obj.key, obj.size, dataset)))
        return _version(new=True)

    def check_part(self, obj, dataset, execution):  # type: ignore[no-untyped-def]
        self.calls.append(("part", (obj.key, dataset, execution)))
        return PartResult(key=obj.key, skipped=False)

    def reduce_parts(self, bucket, prefix, dataset, execution, parts):  # type: ignore[no-untyped-def]
        self.calls.append(("reduce", (prefix, dataset, execution, len(parts))))
        return _version(new=False)


def _version(*, new: bool) -> DatasetVersion:
    return DatasetVersion(dataset="credit", version="v", new=new, manifest="s3://d/m.json", splits={})


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish(self, subject: str, message: str) -> str:
        self.sent.append((subject, message))
        return "m-1"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_IDEMPOTENCY_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
        "IDEMPOTENCY_TABLE": "t",
        "TOPIC_ARN": "arn:aws:sns:us-east-1:1:t",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def data_gate(env, monkeypatch: pytest.MonkeyPatch, load_handler) -> ModuleType:  # type: ignore[no-untyped-def]
    module = load_handler("data_gate")
    monkeypatch.setattr(module, "gate", FakeGate())
    return module


def test_the_data_gate_routes_each_step(context, data_gate: ModuleType) -> None:
    event = json.loads((EVENTS / "data_gate_object.json").read_text())
    assert data_gate.lambda_handler(event, context())["new"] is True
    data_gate.lambda_handler(json.loads((EVENTS / "data_gate_part.json").read_text()), context())
    reduce = {
        "step": "reduce",
        "bucket": "data",
        "prefix": "raw/credit/b1/",
        "dataset": "credit",
        "execution": "e",
        "parts": [{"key": "a", "skipped": True}, {"key": "b", "skipped": True}],
    }
    data_gate.lambda_handler(reduce, context())
    assert data_gate.gate.calls == [
        ("object", ("raw/credit/credit-sample.csv", None, "credit")),
        ("part", ("raw/credit/batch-1/part-00000.csv", "credit", "local-invoke")),
        ("reduce", ("raw/credit/b1/", "credit", "e", 2)),
    ]


def test_a_malformed_payload_is_rejected_naming_the_field(context, data_gate: ModuleType) -> None:
    with pytest.raises(ValidationError, match="dataset"):
        data_gate.lambda_handler({"step": "object", "bucket": "data", "key": "raw/x/a.csv"}, context())
    assert data_gate.gate.calls == []


def test_notify_sends_the_message_people_read(
    context, env, monkeypatch: pytest.MonkeyPatch, load_handler
) -> None:  # type: ignore[no-untyped-def]
    module = load_handler("notify_failure")
    monkeypatch.setattr(module, "notifier", FakeNotifier())
    result = module.lambda_handler(json.loads((EVENTS / "notify_failure.json").read_text()), context())
    ((subject, message),) = module.notifier.sent
    assert subject == "Lockgate ingest failed: DatasetRejected" == result["subject"]
    assert "allowed[credit_risk] (12)" in message and "broken-sample.csv" in message
