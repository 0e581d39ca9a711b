"""evaluation.json in the shape of SageMaker Model Monitor's model quality statistics
(binary_classification_metrics: confusion_matrix, each scalar as {value, standard_deviation},
receiver_operating_characteristic_curve, precision_recall_curve), which the registry's
ModelMetrics.ModelQuality.Statistics points at. Lockgate adds, in the same shape: pr_auc,
log_loss, brier_score; and a top-level `calibration` and `lockgate` block (threshold, undefined
metrics with reasons)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypedDict

from lockgate.messages.base import JsonObject

if TYPE_CHECKING:  # register_model reads metric_values and loads no numpy
    from lockgate.evaluation.metrics import Evaluation

VERSION = 0.0


class ScalarJson(TypedDict):
    value: float | None
    standard_deviation: float | None


class RocJson(TypedDict):
    false_positive_rates: list[float]
    true_positive_rates: list[float]


class PrJson(TypedDict):
    recalls: list[float]
    precisions: list[float]


type ConfusionJson = dict[str, dict[str, int]]  # {actual: {predicted: count}}, "0"/"1"
type MetricsJson = dict[str, ScalarJson | ConfusionJson | RocJson | PrJson]
"""binary_classification_metrics: each scalar by name, plus confusion_matrix and the two curves."""


class DatasetJson(TypedDict):
    item_count: int
    evaluation_time: str


class CalibrationJson(TypedDict):
    low: float
    high: float
    count: int
    mean_score: float | None
    positive_rate: float | None


class LockgateJson(TypedDict):
    decision_threshold: float
    positives: int
    undefined: dict[str, str]  # metric name: why it is undefined


class ModelQualityStatistics(TypedDict):
    """evaluation.json (see the module docstring)."""

    version: float
    dataset: DatasetJson
    binary_classification_metrics: MetricsJson
    calibration: list[CalibrationJson]
    lockgate: LockgateJson


def model_quality_statistics(
    result: Evaluation, evaluated_at: datetime | None = None
) -> ModelQualityStatistics:
    """The JSON document (allow_nan=False safe: undefined values are null)."""
    c = result.confusion
    metrics: MetricsJson = {
        "confusion_matrix": {"0": {"0": c.tn, "1": c.fp}, "1": {"0": c.fn, "1": c.tp}},
    }
    for name, value in result.metrics.items():
        metrics[name] = {"value": value, "standard_deviation": result.std.get(name)}
    metrics["receiver_operating_characteristic_curve"] = {
        "false_positive_rates": result.roc.x,
        "true_positive_rates": result.roc.y,
    }
    metrics["precision_recall_curve"] = {"recalls": result.pr.x, "precisions": result.pr.y}
    stamp = (evaluated_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": VERSION,
        "dataset": {"item_count": result.rows, "evaluation_time": stamp},
        "binary_classification_metrics": metrics,
        "calibration": [
            {
                "low": b.low,
                "high": b.high,
                "count": b.count,
                "mean_score": b.mean_score,
                "positive_rate": b.positive_rate,
            }
            for b in result.calibration
        ],
        "lockgate": {
            "decision_threshold": result.threshold,
            "positives": result.positives,
            "undefined": dict(result.undefined),
        },
    }


def metric_values(statistics: JsonObject) -> dict[str, float | None]:
    """{name: value} of every scalar metric of an evaluation.json (gates read this).

    `statistics` is the document as read from S3 (a true JSON boundary: any writer's, any age)."""
    out: dict[str, float | None] = {}
    for name, entry in statistics.get("binary_classification_metrics", {}).items():
        if isinstance(entry, dict) and "value" in entry:
            value = entry["value"]
            out[name] = float(value) if value is not None else None
    return out
