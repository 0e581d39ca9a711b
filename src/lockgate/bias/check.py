"""One call for a handler or the CLI: table + Clarify config + thresholds -> every output; or a
stream (`BiasCheckStream`): add batches or count tables one at a time, then take the result."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pyarrow as pa

from lockgate.bias.analysis import (
    AnalysisJson,
    BiasAnalysis,
    analysis_from_counts,
    count_tables,
    merge_all,
    to_analysis_json,
)
from lockgate.bias.clarify_config import ClarifyConfig, parse_analysis_config, resolve
from lockgate.bias.cloudwatch import MetricDatum, metric_data
from lockgate.bias.counts import CountTable
from lockgate.bias.gate import GateResult, evaluate
from lockgate.bias.policy import GatePolicy, parse_policy
from lockgate.bias.report_html import ReportAbout, render
from lockgate.bias.specs import BiasConfig
from lockgate.bias.tables import prediction_count_mismatch
from lockgate.errors import InputRejected
from lockgate.messages.base import JsonObject

# A caller's config and thresholds: parsed already, or the JSON object read from analysis_config.json
# and the thresholds file (a true JSON boundary: parse_analysis_config and parse_policy check it).
type AnalysisConfigInput = JsonObject | ClarifyConfig | BiasConfig
type ThresholdsInput = JsonObject | GatePolicy | None


@dataclass(frozen=True)
class BiasCheck:
    """Everything a bias check produces. analysis_json is Clarify's analysis.json."""

    config: BiasConfig
    analysis: BiasAnalysis
    gate: GateResult
    analysis_json: AnalysisJson
    report_html: str
    metric_data: list[MetricDatum]
    warnings: tuple[str, ...]


def bias_check(
    table: pa.Table,
    analysis_config: AnalysisConfigInput,
    thresholds: ThresholdsInput = None,
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
    analysis_config: AnalysisConfigInput, table: pa.Table, title: str = "Bias report"
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
    thresholds: ThresholdsInput = None,
    title: str = "Bias report",
    *,
    about: ReportAbout | None = None,
) -> BiasCheck:
    """The same outputs as `bias_check`, from count tables (merged over partitions with merge_all);
    `about` (dataset, version, stage, source, time) heads the report."""
    policy = thresholds if isinstance(thresholds, GatePolicy) else parse_policy(thresholds or {})
    analysis = analysis_from_counts(tables, config, policy.interval_settings())
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


class BiasCheckStream:
    """The streaming entry: `add` batches (or `add_counts` count tables built elsewhere, e.g. by a
    Map state's partitions), then `result()`. One batch is in memory at a time; only its count
    tables are kept.

    `predictions`, if given, holds one prediction per data row of all batches, in order: each
    batch gets its slice as the `prediction_column` (the config's predicted label), and `result()`
    checks that the counts agree (InputRejected naming `predictions_source` otherwise).
    """

    def __init__(
        self,
        analysis_config: AnalysisConfigInput,
        thresholds: ThresholdsInput = None,
        *,
        title: str = "Bias report",
        source: str = "data",
        predictions: pa.ChunkedArray | pa.Array | None = None,
        prediction_column: str = "predicted_label",
        predictions_source: str = "predictions",
        about: ReportAbout | None = None,
    ) -> None:
        self._about = about
        self._raw_config = analysis_config
        self._config: BiasConfig | None = analysis_config if isinstance(analysis_config, BiasConfig) else None
        self._policy = thresholds if isinstance(thresholds, GatePolicy) else parse_policy(thresholds or {})
        self._title = title
        self._source = source
        self._predictions = predictions
        self._prediction_column = prediction_column
        self._predictions_source = predictions_source
        self._rows = 0
        self._counts: list[list[CountTable]] = []

    @property
    def policy(self) -> GatePolicy:
        return self._policy

    def add(self, batch: pa.Table) -> None:
        """Count one batch of rows (joined with its slice of the predictions, if any)."""
        if self._predictions is not None:
            start, self._rows = self._rows, self._rows + batch.num_rows
            if len(self._predictions) < self._rows:
                raise self._mismatch("at least ")
            batch = batch.append_column(
                self._prediction_column, self._predictions.slice(start, batch.num_rows)
            )
        else:
            self._rows += batch.num_rows
        if self._config is None:
            self._config, self._title = resolve_config(self._raw_config, batch, self._title)
        self._counts.append(count_tables(batch, self._config, self._source))

    def add_counts(self, tables: list[CountTable], config: BiasConfig | None = None) -> None:
        """Add count tables built elsewhere (same config; `config` if no batch resolved it yet)."""
        if self._config is None:
            if config is None:
                raise ValueError("add_counts needs the resolved BiasConfig before any batch")
            self._config = config
        self._counts.append(tables)

    def result(self) -> BiasCheck:
        """Every output from the counts added so far."""
        if self._config is None or not self._counts:
            raise InputRejected(self._source, "has_rows", 0, "no batch was added to the bias check")
        if self._predictions is not None and len(self._predictions) != self._rows:
            raise self._mismatch()
        return check_counts(
            merge_all(self._counts), self._config, self._policy, self._title, about=self._about
        )

    def _mismatch(self, qualifier: str = "") -> InputRejected:
        n = 0 if self._predictions is None else len(self._predictions)
        return prediction_count_mismatch(self._predictions_source, n, self._rows, qualifier)
