"""Post-training bias on labelled live rows, through lockgate.bias with the contract's facets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lockgate.data.contract import load_contract
from lockgate.data.splitting import feature_names
from lockgate.monitoring.capture import Captured
from lockgate.monitoring.live_bias import live_bias

CONTRACT = load_contract(Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml")
NAMES = feature_names(CONTRACT)


def _captured(n: int, seed: int, favour_men: bool) -> tuple[Captured, dict[str, float]]:
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(NAMES)))
    female = rng.random(n) < 0.5
    x[:, NAMES.index("sex=female")], x[:, NAMES.index("sex=male")] = female, ~female
    x[:, NAMES.index("age")] = rng.integers(18, 70, n)
    foreign = rng.random(n) < 0.3
    x[:, NAMES.index("foreign_worker=yes")], x[:, NAMES.index("foreign_worker=no")] = foreign, ~foreign
    label = rng.random(n) < 0.6
    score = np.where(label, 0.8, 0.2)
    if favour_men:
        score = np.where(female, 0.1, 0.9)  # the model approves men only
    ids = np.array([f"e{i}" for i in range(n)], dtype=object)
    return Captured(x, score, ids), {f"e{i}": float(label[i]) for i in range(n)}


def test_fair_live_traffic_has_no_violations_and_clarify_named_metrics() -> None:
    captured, labels = _captured(4000, 1, favour_men=False)
    result = live_bias(captured, NAMES, labels, CONTRACT)
    assert result is not None and result.rows == 4000
    names = {m[0] for m in result.metrics}
    assert {"bias_metric_DPPL", "bias_metric_DI"} <= names
    facets = {m[2]["Facet"] for m in result.metrics}
    assert facets == {"sex", "age", "foreign_worker"}
    assert result.violations == 0, result.reasons


def test_a_model_that_favours_one_group_violates_the_contract() -> None:
    captured, labels = _captured(4000, 2, favour_men=True)
    result = live_bias(captured, NAMES, labels, CONTRACT)
    assert result is not None and result.violations > 0


def test_no_labels_no_bias() -> None:
    captured, _ = _captured(100, 3, favour_men=False)
    assert live_bias(captured, NAMES, {}, CONTRACT) is None
