"""Capture parsing, the training baseline, PSI and KS."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lockgate.errors import InputRejected
from lockgate.local.alarm_fixtures import capture_lines
from lockgate.monitoring.baseline import build_baseline
from lockgate.monitoring.capture import read_capture
from lockgate.monitoring.drift import drift, psi

NAMES = ["age", "amount", "sex=female"]


def _data(n: int, seed: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(40 + shift, 10, n), rng.lognormal(8, 1, n), rng.random(n) < 0.4])


def test_same_distribution_does_not_drift_and_a_shift_does() -> None:
    baseline = build_baseline("credit", "v", NAMES, _data(20_000, 1))
    same = drift(baseline, _data(5_000, 2))
    assert same.max_psi < 0.02 and all(f.ks is not None and f.ks < 0.05 for f in same.features[:2])
    assert same.features[2].ks is None  # one-hot: PSI only
    shifted = drift(baseline, _data(5_000, 3, shift=15))
    assert (
        shifted.features[0].psi > 0.25 and shifted.features[0].ks is not None and shifted.features[0].ks > 0.4
    )
    assert shifted.features[1].psi < 0.02


def test_psi_is_finite_with_empty_bins() -> None:
    value = psi(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.0, 1.0]))
    assert np.isfinite(value) and value > 1


def test_capture_rows_scores_and_ids_including_multi_row_requests() -> None:
    rows = _data(3, 4)
    one_row = capture_lines(rows, np.array([0.1, 0.2, 0.3]), ids=["a", "b", "c"])
    multi = json.dumps(
        {
            "captureData": {
                "endpointInput": {"mode": "INPUT", "data": "1,2,0\n3,4,1", "encoding": "CSV"},
                "endpointOutput": {"mode": "OUTPUT", "data": "0.5\n0.6", "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": "m", "inferenceTime": "2026-12-02T00:00:00Z"},
            "eventVersion": "0",
        }
    ).encode()
    captured = read_capture([one_row, multi], 3)
    assert captured.rows == 5
    assert captured.event_ids.tolist() == ["a", "b", "c", "m", "m"]
    assert captured.scores.tolist() == pytest.approx([0.1, 0.2, 0.3, 0.5, 0.6])
    assert captured.features[3].tolist() == [1, 2, 0]


def test_capture_with_the_wrong_width_names_the_count() -> None:
    with pytest.raises(InputRejected, match=r"capture_feature_count.*2 values, the model takes 3"):
        read_capture([capture_lines(np.ones((4, 2)), np.zeros(4))], 3, source="capture/x")
