"""One call for a handler or the CLI: table + Clarify config + thresholds -> every output."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lockgate.bias.analysis import BiasAnalysis, analysis_from_counts, count_tables, to_analysis_json
from lockgate.bias.clarify_config import ClarifyConfig, parse_analysis_config, resolve
from lockgate.bias.cloudwatch import MetricDatum, metric_data
from lockgate.bias.counts import CountTable
from lockgate.bias.gate import GatePolicy, GateResult, evaluate, parse_policy
from lockgate.bias.report_html import ReportAbout, render
from lockgate.bias.specs import BiasConfig


@dataclass(frozen=True)
class BiasCheck:
    """Everything a bias check produces. analysis_json is Clarify's analysis.json."""

    config: BiasConfig
    analysis: BiasAnalysis
    gate: GateResult
    analysis_json: dict[str, Any]
    report_html: str
    metric_data: list[MetricDatum]
    warnings: tuple[str, ...]


def bias_check(
    table: pa.Table,
    analysis_config: dict[str, Any] | ClarifyConfig | BiasConfig,
    thresholds: dict[str, Any] | GatePolicy | None = None,
    source: str = "data",
    title: str = "Bias report",
) -> BiasCheck:
    """Parse the config (ContractInvalid if bad), compute the metrics (InputRejected if the data
    does not fit), gate them, and render the report.

    analysis_config: Clarify's analysis_config.json (dict or parsed), or an exact BiasConfig (for
    callers that know whether a facet value is a category or a threshold, e.g. from a contract).
    """
    config, title = resolve_config(analysis_config, table, title)
    return check_counts(count_tables(table, config, source), config, thresholds, title)


def resolve_config(
    analysis_config: dict[str, Any] | ClarifyConfig | BiasConfig, table: pa.Table, title: str = "Bias report"
) -> tuple[BiasConfig, str]:
    """The exact BiasConfig for this data (a partition's table is enough) and the report title."""
    if isinstance(analysis_config, BiasConfig):
        return analysis_config, title
    parsed = (
        analysis_config
        if isinstance(analysis_config, ClarifyConfig)
        else parse_analysis_config(analysis_config)
    )
    config = dataclasses.replace(resolve(parsed, table), warnings=parsed.warnings)
    return config, parsed.report_title or title


def check_counts(
    tables: list[CountTable],
    config: BiasConfig,
    thresholds: dict[str, Any] | GatePolicy | None = None,
    title: str = "Bias report",
    *,
    about: ReportAbout | None = None,
) -> BiasCheck:
    """The same outputs as `bias_check`, from count tables (merged over partitions with merge_all);
    `about` (dataset, version, stage, source, time) heads the report."""
    policy = thresholds if isinstance(thresholds, GatePolicy) else parse_policy(thresholds or {})
    analysis = analysis_from_counts(tables, config)
    gate = evaluate(analysis, policy)
    return BiasCheck(
        config=config,
        analysis=analysis,
        gate=gate,
        analysis_json=to_analysis_json(analysis),
        report_html=render(analysis, gate, title, config.warnings, about=about),
        metric_data=metric_data(analysis),
        warnings=config.warnings,
    )
