"""Issue 10 item 11 (logs): an expected rejection is one structured log line (error, file,
rule, count) and a counted metric; no traceback through our code, no Powertools warning; the
error type Step Functions matches is unchanged. Our own bugs keep their traceback."""

from __future__ import annotations

import json
import traceback
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lockgate.errors import DatasetRejected, InternalError

EVENT = json.loads((Path(__file__).resolve().parents[3] / "events" / "data_gate_object.json").read_text())


class RaisingGate:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def check_object(self, obj: Any, dataset: str) -> dict[str, Any]:
        raise self.error


@pytest.fixture
def data_gate(monkeypatch: pytest.MonkeyPatch, load_handler) -> ModuleType:  # type: ignore[no-untyped-def]
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_IDEMPOTENCY_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
        "IDEMPOTENCY_TABLE": "t",
    }.items():
        monkeypatch.setenv(name, value)
    return load_handler("data_gate")  # type: ignore[no-any-return]


def _run(
    data_gate: ModuleType, context: Any, capfd: pytest.CaptureFixture[str]
) -> tuple[BaseException, list[str], list[str]]:
    with warnings.catch_warnings(record=True) as caught, pytest.raises(Exception) as info:
        warnings.simplefilter("always")
        data_gate.lambda_handler(dict(EVENT), context())
    lines = [line for line in capfd.readouterr().out.splitlines() if line.strip()]
    return info.value, lines, [str(w.message) for w in caught if "idempotency" not in str(w.message).lower()]


def test_a_rejection_is_one_structured_line_without_traceback(
    data_gate: ModuleType, context, capfd, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    rejected = DatasetRejected(
        "s3://b/raw/credit/x.csv", "range[age]", 3, "values outside [18, 100]", unit="row"
    )
    monkeypatch.setattr(data_gate, "gate", RaisingGate(rejected))
    error, lines, warned = _run(data_gate, context, capfd)
    assert type(error) is DatasetRejected and error is rejected  # what the state machine's Catch sees
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__]
    assert len(frames) <= 1, traceback.format_tb(error.__traceback__)  # the re-raise only
    (record,) = [r for r in caplog.records if getattr(r, "rule", None)]
    fields = (record.levelname, record.error, record.file, record.rule, record.count)  # type: ignore[attr-defined]
    assert fields == ("WARNING", "DatasetRejected", "s3://b/raw/credit/x.csv", "range[age]", 3)
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback logged
    assert "Traceback" not in "\n".join(lines)
    logs = [json.loads(line) for line in lines if line.startswith("{")]
    metrics = [log for log in logs if "_aws" in log]
    assert any(log.get("InputsRejected") == [1.0] or log.get("InputsRejected") == 1.0 for log in metrics), (
        metrics
    )
    assert warned == []  # no "No application metrics to publish"


def test_our_own_bug_keeps_its_traceback(data_gate: ModuleType, context, capfd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(
        data_gate, "gate", RaisingGate(InternalError("s3://b/raw/credit/x.csv", "KeyError: 'x'"))
    )
    error, _, _ = _run(data_gate, context, capfd)
    assert type(error) is InternalError
    assert len(traceback.extract_tb(error.__traceback__)) > 1
