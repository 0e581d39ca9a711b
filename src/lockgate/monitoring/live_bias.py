"""Post-training bias on live traffic: captured rows joined with uploaded ground truth, measured by
lockgate.bias (the same engine and thresholds as the bias gate).

Facets come from the contract; on captured rows they are the model's features: a facet with
values is its one-hot column ("sex=female" = 1), a threshold facet its numeric column. A ground
truth label belongs to one request: requests of several rows are skipped (a documented limit).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from lockgate.bias.check import bias_check
from lockgate.bias.clarify_config import ClarifyConfig, ClarifyFacet
from lockgate.bias.specs import POST_TRAINING_METHODS
from lockgate.data.contract import Contract
from lockgate.monitoring.capture import Captured

LABEL, PREDICTION = "label", "prediction"


class LiveBias(BaseModel):
    """Metrics (name, value, dimensions), how many left the contract's bounds, rows used."""

    rows: int
    metrics: list[tuple[str, float, dict[str, str]]]
    violations: int
    reasons: list[str]


def live_bias(
    captured: Captured,
    names: list[str],
    labels: dict[str, float],
    contract: Contract,
    probability_threshold: float = 0.5,
) -> LiveBias | None:
    """The post-training metrics on labelled captured rows; None without labels or facets."""
    if contract.bias is None or not labels or captured.rows == 0:
        return None
    ids, counts = np.unique(captured.event_ids, return_counts=True)
    single = set(ids[counts == 1].tolist())
    keep = np.array([e in labels and e in single for e in captured.event_ids], dtype=bool)
    keep &= np.isfinite(captured.scores)
    if not keep.any():
        return None
    columns: dict[str, np.ndarray] = {}
    facets: list[ClarifyFacet] = []
    for facet in contract.bias.facets:
        if facet.values is not None:
            wanted = [f"{facet.column}={v}" for v in facet.values if f"{facet.column}={v}" in names]
            if not wanted:
                continue
            hot = np.zeros(int(keep.sum()), dtype=np.int64)
            for name in wanted:
                hot |= captured.features[keep, names.index(name)].astype(np.int64)
            columns[facet.column] = hot
            facets.append(ClarifyFacet(facet.column, (1,)))
        elif facet.threshold is not None and facet.column in names:
            columns[facet.column] = captured.features[keep, names.index(facet.column)]
            facets.append(ClarifyFacet(facet.column, (facet.threshold,)))
    if not facets:
        return None
    columns[LABEL] = np.array([int(labels[e]) for e in captured.event_ids[keep]], dtype=np.int64)
    columns[PREDICTION] = (captured.scores[keep] > probability_threshold).astype(np.int64)
    config = ClarifyConfig(  # as Clarify's analysis_config.json would say it
        dataset_type="text/csv",
        headers=None,
        label=LABEL,
        label_values_or_threshold=(1,),
        facets=tuple(facets),
        group_variable=None,
        predicted_label=PREDICTION,
        predicted_label_headers=None,
        probability_threshold=0.5,
        pre_training_methods=(),
        post_training_methods=POST_TRAINING_METHODS,  # "all"
        report_title=None,
        warnings=(),
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
