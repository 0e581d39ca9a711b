"""Post-training bias on labelled live rows, through lockgate.bias with the contract's facets as
contract columns read from the raw captured records (not the model's one-hot features)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lockgate.data.contract import load_contract
from lockgate.data.splitting import feature_names
from lockgate.monitoring.capture import read_capture
from lockgate.monitoring.live_bias import bias_columns, live_bias, records_from_features
from lockgate.monitoring.raw_capture import encode_capture, facet_records
from lockgate.sample_data import generate_credit

CONTRACT = load_contract(Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml")
NAMES = feature_names(CONTRACT)
COLUMNS = bias_columns(CONTRACT)
INPUTS = [c.name for c in CONTRACT.columns if c.name != CONTRACT.label.column]


def _line(event: str, data: str, kind: str, score: float) -> str:
    capture = {
        "endpointInput": {"observedContentType": kind, "mode": "INPUT", "data": data, "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": f"{score}\n"},
    }
    return json.dumps({"captureData": capture, "eventMetadata": {"eventId": event}, "eventVersion": "0"})


def _traffic(
    n: int, seed: int, favour_men: bool
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray, bytes]:
    """n raw rows, one request each (CSV, CSV with a header, JSON in turn), their scores, their
    ground truth, and the capture file."""
    rows = generate_credit(n, seed=seed).to_pylist()
    rng = np.random.default_rng(seed)
    truth = rng.random(n) < 0.6
    female = np.array([r["sex"] == "female" for r in rows])
    scores = np.where(female, 0.1, 0.9) if favour_men else np.where(truth, 0.8, 0.2)
    lines = []
    for i, row in enumerate(rows):
        values = [str(row[c]) for c in INPUTS]
        if i % 3 == 0:
            data, kind = ",".join(values) + "\n", "text/csv"
        elif i % 3 == 1:
            data, kind = ",".join(INPUTS) + "\n" + ",".join(values) + "\n", "text/csv"
        else:
            data, kind = json.dumps({"instances": [{c: row[c] for c in INPUTS}]}), "application/json"
        lines.append(_line(f"e{i}", data, kind, float(scores[i])))
    return rows, scores, truth, ("\n".join(lines) + "\n").encode()


def _measure(blob: bytes, truth: np.ndarray, *, raw: bool = True) -> Any:
    encoded, dropped = encode_capture([blob], CONTRACT, "credit", "v1")
    assert dropped == 0
    captured = read_capture(encoded, len(NAMES))
    records = (
        facet_records([blob], CONTRACT, "credit", "v1", COLUMNS)
        if raw
        else records_from_features(captured, NAMES, CONTRACT)
    )
    labels = {f"e{i}": float(t) for i, t in enumerate(truth)}
    return live_bias(captured, records, labels, CONTRACT), records


def _metric(result: Any, name: str, facet: str, value: str) -> float:
    found = [
        v
        for n, v, d in result.metrics
        if n == f"bias_metric_{name}" and d["Facet"] == facet and d["FacetValue"].startswith(value)
    ]
    assert len(found) == 1, (name, facet, value, [(n, d) for n, _, d in result.metrics][:8])
    return float(found[0])


def test_facets_are_the_raw_contract_columns_and_the_numbers_are_the_hand_computed_ones() -> None:
    rows, scores, truth, blob = _traffic(3000, 11, favour_men=False)
    result, records = _measure(blob, truth)
    assert result is not None and result.rows == 3000
    assert records["e0"] == {c: str(rows[0][c]) for c in COLUMNS}  # CSV: the text the caller sent
    assert records["e2"] == {c: rows[2][c] for c in COLUMNS}  # JSON: its typed values
    assert {d["Facet"] for _, _, d in result.metrics} == {"sex", "age", "foreign_worker"}
    predicted = scores > 0.5
    for facet, value, is_d in (
        ("sex", "female", np.array([r["sex"] == "female" for r in rows])),
        ("foreign_worker", "yes", np.array([r["foreign_worker"] == "yes" for r in rows])),
        ("age", "(25.0,", np.array([r["age"] > 25 for r in rows])),
    ):
        q_a, q_d = predicted[~is_d].mean(), predicted[is_d].mean()
        assert _metric(result, "DPPL", facet, value) == pytest.approx(q_a - q_d, abs=1e-12)
        assert _metric(result, "DI", facet, value) == pytest.approx(q_d / q_a, abs=1e-12)
        accuracy_a = (predicted[~is_d] == truth[~is_d]).mean()
        accuracy_d = (predicted[is_d] == truth[is_d]).mean()
        assert _metric(result, "AD", facet, value) == pytest.approx(accuracy_a - accuracy_d, abs=1e-12)
    assert result.violations == 0, result.reasons


def test_a_model_that_favours_men_violates_the_contract_on_the_sex_column() -> None:
    _, _, truth, blob = _traffic(3000, 12, favour_men=True)
    result, _ = _measure(blob, truth)
    assert result is not None and result.violations > 0
    assert _metric(result, "DPPL", "sex", "female") == pytest.approx(1.0)
    assert any("sex" in reason and reason.startswith("fail") for reason in result.reasons)


def test_numeric_matrix_capture_read_back_as_contract_columns_gives_the_same_numbers() -> None:
    _, _, truth, blob = _traffic(1500, 13, favour_men=False)
    raw, _ = _measure(blob, truth)
    legacy, records = _measure(blob, truth, raw=False)
    assert records["e1"]["sex"] in ("female", "male") and isinstance(records["e1"]["age"], float)
    assert _by_key(legacy.metrics) == _by_key(raw.metrics)


def _by_key(metrics: list[tuple[str, float, dict[str, str]]]) -> dict[tuple[Any, ...], float]:
    return {(name, *sorted(dims.items())): value for name, value, dims in metrics}


def test_no_labels_no_bias_and_several_row_requests_are_skipped() -> None:
    _, _, _, blob = _traffic(60, 14, favour_men=False)
    encoded, _ = encode_capture([blob], CONTRACT, "credit", "v1")
    captured = read_capture(encoded, len(NAMES))
    records = facet_records([blob], CONTRACT, "credit", "v1", COLUMNS)
    assert live_bias(captured, records, {}, CONTRACT) is None
    two = _line(
        "pair", "7,30,male,yes,car,1000.5,12,none,3\n8,40,female,no,car,900,12,none,3\n", "text/csv", 0.5
    )
    assert facet_records([two.encode()], CONTRACT, "credit", "v1", COLUMNS) == {}


class _Sources:
    """One raw-record endpoint's capture and ground truth, in memory (monitor.Sources)."""

    def __init__(self, blob: bytes, labels: dict[str, float]) -> None:
        from lockgate.monitoring.baseline import build_baseline
        from lockgate.monitoring.columns import column_view
        from lockgate.serving.artifact import spec
        from lockgate.serving.encoder import Encoder

        train = generate_credit(2000, seed=99)
        body = "\n".join(",".join(str(r[c]) for c in INPUTS) for r in train.to_pylist()).encode()
        view = column_view(NAMES)
        matrix = Encoder(spec(CONTRACT, dataset="credit", version="v1")).encode_body(body, "text/csv")
        self._baseline = build_baseline(
            "credit", "v1", view.names, view.apply(matrix), numeric=view.numeric, inputs=NAMES
        )
        self.blob, self.labels, self.metrics = blob, labels, []

    def endpoints(self) -> list[Any]:
        from lockgate.monitoring.monitor import MonitoredEndpoint

        return [MonitoredEndpoint(name="lockgate-dev-credit", dataset="credit", version="v1")]

    def new_capture(self, endpoint: str) -> tuple[list[tuple[str, bytes]], str]:
        return [(f"capture/{endpoint}/AllTraffic/2026/01/01/00/a.jsonl", self.blob)], "1"

    def orphans(self, live: set[str]) -> list[tuple[str, int]]:
        return []

    def commit_cursor(self, endpoint: str, cursor: str) -> None:
        pass

    def baseline(self, dataset: str, version: str | None) -> Any:
        return self._baseline

    def ground_truth(self, endpoint: str) -> dict[str, float]:
        return self.labels

    def contract(self, dataset: str) -> Any:
        return CONTRACT

    def put_metrics(self, metrics: list[Any]) -> None:
        self.metrics += metrics


def test_a_monitor_pass_publishes_live_bias_on_the_raw_facet_columns() -> None:
    from lockgate.monitoring.monitor import monitor_pass

    rows, scores, truth, blob = _traffic(1500, 21, favour_men=True)
    sources = _Sources(blob, {f"e{i}": float(t) for i, t in enumerate(truth)})
    (report,) = monitor_pass(sources).endpoints
    assert report.measured and report.bias_rows == 1500 and (report.bias_violations or 0) > 0
    female = np.array([r["sex"] == "female" for r in rows])
    predicted = scores > 0.5
    dppl = [
        v
        for n, v, d in sources.metrics
        if n == "bias_metric_DPPL" and d.get("Facet") == "sex" and d.get("FacetValue") == "female"
    ]
    assert dppl == [pytest.approx(predicted[~female].mean() - predicted[female].mean(), abs=1e-12)]
    assert all(d["EndpointName"] == "lockgate-dev-credit" for _, _, d in sources.metrics)
