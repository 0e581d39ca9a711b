"""Post-training bias on live traffic: captured rows joined with uploaded ground truth, measured by
lockgate.bias with the post-training bias gate's own spec (`bias_config_for`: the contract's facets
and group variable) and thresholds.

Facets are contract columns, read from the raw records the endpoint captured (`facet_records`, the
request as the caller sent it, parsed by the model's encoder): `sex` is `female` or `male`, `age` a
number, never a one-hot feature. Capture of an endpoint serving a numeric-matrix package (one
registered before raw records) holds no raw record: its rows are read back into the same contract
columns from the one-hot features (`records_from_features`). A ground truth label belongs to one
request: requests of several rows are skipped (a documented limit).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from lockgate.bias.check import bias_check
from lockgate.bias.specs import LabelSpec, PredictionSpec
from lockgate.data.contract import Contract
from lockgate.messages.base import JsonObject
from lockgate.monitoring.capture import Captured
from lockgate.pipeline.bias_gate import bias_config_for

LABEL, PREDICTION = "label", "prediction"
Records = dict[str, JsonObject]  # eventId -> {contract column: the value the caller sent (JSON)}


class LiveBias(BaseModel):
    """Metrics (name, value, dimensions), how many left the contract's bounds, rows used."""

    rows: int
    metrics: list[tuple[str, float, dict[str, str]]]
    violations: int
    reasons: list[str]


def bias_columns(contract: Contract) -> list[str]:
    """The contract columns live bias reads: its facets and its group variable."""
    if contract.bias is None:
        return []
    names = [f.column for f in contract.bias.facets]
    group = contract.bias.group_variable
    return names + ([group] if group and group not in names else [])


def live_bias(
    captured: Captured,
    records: Records,
    labels: dict[str, float],
    contract: Contract,
    probability_threshold: float = 0.5,
) -> LiveBias | None:
    """The post-training metrics on labelled captured rows whose raw record is known; None without
    labels, facets or such rows."""
    if contract.bias is None or not contract.bias.facets or not labels or captured.rows == 0:
        return None
    ids, counts = np.unique(captured.event_ids, return_counts=True)
    single = set(ids[counts == 1].tolist())
    keep = np.array([e in labels and e in single and e in records for e in captured.event_ids], dtype=bool)
    keep &= np.isfinite(captured.scores)
    if not keep.any():
        return None
    events = captured.event_ids[keep]
    config = bias_config_for(contract, post_training=True)
    facets = {
        name: _typed([records[e].get(name) for e in events], contract.column(name).type)
        for name in bias_columns(contract)
    }
    group = config.group_variable
    if group is not None and facets[group].null_count:  # JSON may leave a non-feature column out
        group = None
    columns: dict[str, pa.Array | np.ndarray] = dict(facets)
    columns[LABEL] = np.array([int(labels[e]) for e in events], dtype=np.int64)
    columns[PREDICTION] = captured.scores[keep].astype(np.float64)
    config = dataclasses.replace(
        config,
        label=LabelSpec(LABEL, values=(1,)),
        prediction=PredictionSpec(PREDICTION, "scores", probability_threshold),
        group_variable=group,
        pre_training_methods=(),
    )
    check = bias_check(
        pa.table(columns), config, contract.bias.gate_policy(), source="live traffic", title="Live bias"
    )
    failing = [r for r in check.gate.reasons if r.startswith("fail")]
    return LiveBias(
        rows=int(keep.sum()),
        metrics=list(check.metric_data),
        violations=len(failing),
        reasons=check.gate.reasons,
    )


def records_from_features(captured: Captured, names: list[str], contract: Contract) -> Records:
    """Numeric-matrix capture (`names`: the model's features) read back into the contract columns
    live bias reads: a one-hot block gives the category whose column is 1 (none: missing), a
    numeric feature its value. Rows of several-row requests are left out."""
    ids, counts = np.unique(captured.event_ids, return_counts=True)
    single = set(ids[counts == 1].tolist())
    found: Records = {}
    for row, event in enumerate(captured.event_ids.tolist()):
        if event not in single:
            continue
        values: JsonObject = {}
        for column in bias_columns(contract):
            if column in names:
                values[column] = float(captured.features[row, names.index(column)])
                continue
            hot = [
                n for n in names if n.startswith(f"{column}=") and captured.features[row, names.index(n)] == 1
            ]
            values[column] = hot[0].split("=", 1)[1] if hot else None
        found[event] = values
    return found


def _typed(values: list[Any], kind: str) -> pa.Array:
    """Raw values (CSV text or JSON values) as the contract column's type; unreadable -> null."""
    if kind == "string":
        return pa.array([None if v is None or v == "" else str(v) for v in values], pa.string())
    if kind == "boolean":
        return pa.array([_boolean(v) for v in values], pa.bool_())
    return pa.array([_number(v) for v in values], pa.float64())


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        return None
    return parsed if math.isfinite(parsed) else None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in ("true", "1") else False if text in ("false", "0") else None
