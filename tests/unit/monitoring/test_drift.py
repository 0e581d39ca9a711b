"""Capture parsing, the training baseline, PSI and KS."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lockgate.errors import InputRejected
from lockgate.local.alarm_fixtures import capture_lines
from lockgate.monitoring.baseline import build_baseline
from lockgate.monitoring.capture import read_capture
from lockgate.monitoring.drift import drift, holm, kolmogorov_p, psi

NAMES = ["age", "amount", "sex=female"]


def _data(n: int, seed: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(40 + shift, 10, n), rng.lognormal(8, 1, n), rng.random(n) < 0.4])


def test_same_distribution_does_not_drift_and_a_shift_does() -> None:
    baseline = build_baseline("credit", "v", NAMES, _data(20_000, 1))
    same = drift(baseline, _data(5_000, 2))
    assert same.max_psi < 0.02 and all(f.ks is not None and f.ks < 0.05 for f in same.features)
    assert same.drifted == [] and all(f.p_value is not None and f.p_value > 0.01 for f in same.features)
    shifted = drift(baseline, _data(5_000, 3, shift=15))
    assert (
        shifted.features[0].psi > 0.25 and shifted.features[0].ks is not None and shifted.features[0].ks > 0.4
    )
    assert shifted.features[1].psi < 0.02
    p_age = shifted.features[0].p_value
    assert shifted.drifted == ["age"] and p_age is not None and p_age < 1e-10
    low, high = shifted.features[0].psi_low, shifted.features[0].psi_high
    assert low is not None and high is not None and low <= shifted.features[0].psi <= high


def test_a_handful_of_rows_has_a_large_psi_but_no_drift() -> None:
    """Issue 21: 5 rows gave feature_drift_max 5.73 and a retrain; PSI alone is no test."""
    baseline = build_baseline("credit", "v", NAMES, _data(20_000, 1))
    few = drift(baseline, _data(5, 2))
    assert few.max_psi > 1 and few.drifted == []


def test_kolmogorov_p_matches_known_values() -> None:
    # the asymptotic critical values: P(sqrt(n) D >= 1.358) = 0.05, >= 1.628 = 0.01
    assert kolmogorov_p(1.358 / np.sqrt(1e6), 1e6) == pytest.approx(0.05, abs=0.002)
    assert kolmogorov_p(1.628 / np.sqrt(1e6), 1e6) == pytest.approx(0.01, abs=0.001)
    assert kolmogorov_p(0.0, 10) == 1.0 and kolmogorov_p(1.0, 100) < 1e-30


def test_holm_rejects_step_down() -> None:
    assert holm([0.001, 0.03, None, 0.04], 0.05) == [True, False, False, False]
    assert holm([0.001, 0.02, 0.024], 0.05) == [True, True, True]  # 0.001<0.05/3, 0.02<0.05/2, 0.024<0.05


def test_the_drift_verdict_needs_a_material_psi() -> None:
    baseline = build_baseline("credit", "v", NAMES, _data(20_000, 1))
    slight = drift(baseline, _data(200_000, 5, shift=0.8))  # significant at this n, but small
    assert (slight.features[0].p_value or 1) < 1e-6 and slight.features[0].psi < 0.1
    assert slight.drifted == []


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


def test_malformed_capture_lines_are_counted_skipped_and_named() -> None:
    good = capture_lines(_data(4, 6), np.full(4, 0.5))
    bad = b'{"captureData": {"endpointInput": \nnot json at all\n{"eventVersion": "0"}\n' + good
    captured = read_capture([good, bad], 3, keys=["capture/e/a.jsonl", "capture/e/b.jsonl"])
    assert captured.rows == 8
    assert captured.skipped == {"capture/e/b.jsonl": 3}
    assert read_capture([good], 3).skipped == {}
