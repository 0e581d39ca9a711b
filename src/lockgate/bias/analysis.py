"""The engine's entry points: data + config -> count tables -> metrics -> Clarify's analysis.json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NotRequired, TypedDict

import pyarrow as pa

from lockgate.bias.counts import CountTable, build_counts, merge
from lockgate.bias.interval_settings import IntervalSettings
from lockgate.bias.intervals import stream_seed, with_intervals
from lockgate.bias.metric_value import FacetCells, MetricValue
from lockgate.bias.registry import DESCRIPTIONS, compute_post_training, compute_pre_training
from lockgate.bias.specs import BiasConfig, FacetSpec, Scalar

PRE_TRAINING_STAGE = "pre_training"
POST_TRAINING_STAGE = "post_training"


@dataclass(frozen=True)
class FacetResult:
    """The metrics of one facet value (one sensitive group) at one stage."""

    facet: str
    value_or_threshold: str
    stage: str
    metrics: tuple[MetricValue, ...]
    n_d: int | None = None  # rows in the sensitive group and in the rest (None: not known)
    n_a: int | None = None


@dataclass(frozen=True)
class BiasAnalysis:
    """Every metric of every facet value, plus the label text Clarify reports."""

    label: str
    label_value_or_threshold: str
    pre_training: tuple[FacetResult, ...]
    post_training: tuple[FacetResult, ...]
    rows: int
    rows_skipped: int
    # Data conditions a person should see (no positive label at all, rows skipped): the gate turns
    # a pass into needs-human when there is one, since metrics such as DPL = 0 - 0 would mislead.
    warnings: tuple[str, ...] = ()

    def results(self) -> tuple[FacetResult, ...]:
        return self.pre_training + self.post_training


def count_tables(table: pa.Table, config: BiasConfig, source: str = "data") -> list[CountTable]:
    """One count table per facet column (one pass each); merge partitions' tables with `merge_all`."""
    return [
        build_counts(
            table,
            facet,
            config.label,
            prediction=config.prediction if config.post_training_methods else None,
            group_variable=config.group_variable,
            source=source,
        )
        for facet in config.facets
    ]


def merge_all(partitions: list[list[CountTable]]) -> list[CountTable]:
    """Merge per-partition lists of count tables (same config) facet by facet."""
    return [merge(list(tables)) for tables in zip(*partitions, strict=True)]


def analyze(
    table: pa.Table,
    config: BiasConfig,
    source: str = "data",
    intervals: IntervalSettings | None = None,
) -> BiasAnalysis:
    """All configured metrics for a pyarrow Table (with confidence intervals if `intervals`)."""
    return analysis_from_counts(count_tables(table, config, source), config, intervals)


def _result(
    where: tuple[str, str, str],
    cells: FacetCells,
    metrics: list[MetricValue],
    intervals: IntervalSettings | None,
) -> FacetResult:
    """A facet value's result (where = facet, value text, stage), intervals attached if asked."""
    facet, value_text, stage = where
    if intervals is not None:
        metrics = with_intervals(cells, metrics, intervals, stream_seed(intervals, facet, value_text, stage))
    return FacetResult(facet, value_text, stage, tuple(metrics), cells.n_d, cells.n_a)


def analysis_from_counts(
    tables: list[CountTable], config: BiasConfig, intervals: IntervalSettings | None = None
) -> BiasAnalysis:
    """All configured metrics from (merged) count tables; with `intervals`, each metric carries a
    confidence interval computed from the same counts (point values unchanged)."""
    pre: list[FacetResult] = []
    post: list[FacetResult] = []
    for t in tables:
        for value_text, cells in facet_cells(t):
            if config.pre_training_methods:
                pre_cells = FacetCells(
                    cells.d.sum(axis=2, keepdims=True), cells.a.sum(axis=2, keepdims=True), cells.has_groups
                )
                metrics = compute_pre_training(pre_cells, config.pre_training_methods)
                pre.append(
                    _result((t.facet.name, value_text, PRE_TRAINING_STAGE), pre_cells, metrics, intervals)
                )
            if config.post_training_methods and t.has_predictions:
                metrics = compute_post_training(cells, config.post_training_methods)
                where = (t.facet.name, value_text, POST_TRAINING_STAGE)
                post.append(_result(where, cells, metrics, intervals))
    first = tables[0] if tables else None
    return BiasAnalysis(
        warnings=data_warnings(first, config),
        label=config.label.name,
        label_value_or_threshold=_label_text(config, first.label_max if first else None),
        pre_training=tuple(pre),
        post_training=tuple(post),
        rows=first.rows if first else 0,
        rows_skipped=first.rows_skipped if first else 0,
    )


def data_warnings(table: CountTable | None, config: BiasConfig) -> tuple[str, ...]:
    """Whole-data conditions under which defined metrics still say little."""
    if table is None or table.rows == 0:
        return ("no rows to analyse",)
    out = []
    by_label = table.counts.sum(axis=(0, 1, 3))
    label_rule = _label_text(config, table.label_max)
    if by_label[1] == 0:
        out.append(
            f"no row has a positive label ({config.label.name} {label_rule}): check label_values_or_threshold"
        )
    if by_label[0] == 0:
        out.append(f"every row has a positive label ({config.label.name} {label_rule})")
    if table.has_predictions:
        by_prediction = table.counts.sum(axis=(0, 1, 2))
        if by_prediction[1] == 0:
            out.append("no prediction is positive")
        if by_prediction[0] == 0:
            out.append("every prediction is positive")
    if table.rows_skipped:
        out.append(f"{table.rows_skipped} rows skipped for missing values")
    return tuple(out)


def facet_cells(table: CountTable) -> list[tuple[str, FacetCells]]:
    """(value_or_threshold text, counts of d and a) for each sensitive group of the facet."""
    has_groups = table.groups is not None
    total = table.counts.sum(axis=1)
    out = []
    if table.facet.kind == "one_vs_rest":
        for i, category in enumerate(table.categories):
            d = table.counts[:, i]
            out.append((_scalar_text(category), FacetCells(d, total - d, has_groups)))
        return out
    d = table.counts[:, table.categories.index("d")] if "d" in table.categories else total * 0
    return [(facet_text(table.facet, table.facet_max), FacetCells(d, total - d, has_groups))]


def _scalar_text(value: Scalar) -> str:
    return str(value)


def _interval_text(threshold: float, top: float | None) -> str:
    both_int = isinstance(top, int) and float(threshold).is_integer()
    low = str(int(threshold)) if both_int else str(float(threshold))
    high = "max" if top is None else (str(top) if both_int else str(float(top)))
    return f"({low}, {high}]"


def facet_text(facet: FacetSpec, facet_max: float | None) -> str:
    """Clarify's value_or_threshold text: "v1,v2" for values, "(t, max]" for a threshold."""
    if facet.kind == "threshold" and facet.threshold is not None:
        return _interval_text(facet.threshold, facet_max)
    return ",".join(_scalar_text(v) for v in facet.values)


def _label_text(config: BiasConfig, label_max: float | None) -> str:
    if config.label.threshold is not None:
        return _interval_text(config.label.threshold, label_max)
    return ",".join(_scalar_text(v) for v in config.label.values)


class MetricJson(TypedDict):
    """One metric in Clarify's analysis.json."""

    name: str
    description: str
    value: float | None
    error: NotRequired[str | None]
    confidence_interval: NotRequired[dict[str, float | str | None]]  # Interval.to_json()


class FacetValueJson(TypedDict):
    value_or_threshold: str
    metrics: list[MetricJson]


class StageJson(TypedDict):
    """One stage of analysis.json: the label and, per facet column, each facet value's metrics."""

    label: str
    facets: dict[str, list[FacetValueJson]]
    label_value_or_threshold: str


class AnalysisJson(TypedDict):
    """Clarify's analysis.json: a stage's key is present when that stage was computed."""

    version: str
    pre_training_bias_metrics: NotRequired[StageJson]
    post_training_bias_metrics: NotRequired[StageJson]


def _metric_json(metric: MetricValue) -> MetricJson:
    description = DESCRIPTIONS[metric.name]
    out: MetricJson = {"name": metric.name, "description": description, "value": metric.value}
    if metric.value is None:
        out["error"] = metric.reason
    if metric.interval is not None:  # an extra key: Clarify's readers ignore it
        out["confidence_interval"] = metric.interval.to_json()
    return out


def _stage_json(analysis: BiasAnalysis, results: tuple[FacetResult, ...]) -> StageJson:
    facets: dict[str, list[FacetValueJson]] = {}
    for r in results:
        facets.setdefault(r.facet, []).append(
            {"value_or_threshold": r.value_or_threshold, "metrics": [_metric_json(m) for m in r.metrics]}
        )
    return {
        "label": analysis.label,
        "facets": facets,
        "label_value_or_threshold": analysis.label_value_or_threshold,
    }


def to_analysis_json(analysis: BiasAnalysis) -> AnalysisJson:
    """Clarify's analysis.json shape; undefined metrics are null with an "error" reason."""
    out: AnalysisJson = {"version": "1.0"}
    if analysis.pre_training:
        out["pre_training_bias_metrics"] = _stage_json(analysis, analysis.pre_training)
    if analysis.post_training:
        out["post_training_bias_metrics"] = _stage_json(analysis, analysis.post_training)
    return out
