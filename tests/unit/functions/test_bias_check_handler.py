"""The bias-check handler with a fake gate: one EMF record per metric, Clarify's dimensions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import ModuleType

import pytest

from lockgate.messages.bias import BiasCheckResult


@dataclass
class FakeCheck:
    metric_data: list = field(default_factory=list)


class FakeGate:
    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.runs: list[str] = []

    def check(self, *args, run: str = ""):  # type: ignore[no-untyped-def]
        self.calls.append(args)
        self.runs.append(run)
        data = [
            ("bias_metric_DPL", 0.02, {"Facet": "sex", "FacetValue": "female", "BiasStage": "pre_training"}),
            ("bias_metric_CI", -0.5, {"Facet": "age", "FacetValue": "(25, 75]", "BiasStage": "pre_training"}),
        ]
        summary = BiasCheckResult(
            stage="pre_training",
            dataset=args[1],
            version=args[2],
            verdict="pass",
            reasons=[],
            analysis="s3://art/a.json",
            report="s3://art/r.html",
        )
        return FakeCheck(data), summary


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch, load_handler) -> ModuleType:  # type: ignore[no-untyped-def]
    for name, value in {
        "DATA_BUCKET": "data",
        "ARTIFACT_BUCKET": "art",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
    }.items():
        monkeypatch.setenv(name, value)
    module = load_handler("bias_check")
    monkeypatch.setattr(module, "gate", FakeGate())
    return module


def test_every_metric_is_one_emf_record_with_clarify_dimensions(context, handler: ModuleType, capsys) -> None:  # type: ignore[no-untyped-def]
    event = {"dataset": "credit", "version": "v1", "data": "s3://data/datasets/credit/v1/parquet/train/"}
    assert handler.lambda_handler(event, context())["verdict"] == "pass"
    assert handler.gate.calls == [("data", "credit", "v1", event["data"], None)]
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    by_name = {r["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]: r for r in records}
    assert by_name["bias_metric_DPL"]["Facet"] == "sex" and by_name["bias_metric_DPL"]["bias_metric_DPL"] in (
        0.02,
        [0.02],
    )
    assert set(by_name["bias_metric_CI"]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) >= {
        "Facet",
        "FacetValue",
        "BiasStage",
    }
    assert "BiasGate_pass" in by_name
