"""The bias gate's step over an object store: read the data (and predictions), compute the
Clarify-compatible metrics, gate them with the contract's thresholds, write the reports.

The dataset contract is the single source of the configuration: `analysis_config_for` turns its
label and bias sections into Clarify's analysis_config.json, `policy_for` its thresholds into the
gate policy. Outputs, in the artifact bucket:
  reports/<dataset>/<version>/bias/<stage>/analysis.json   Clarify's shape
  reports/<dataset>/<version>/bias/<stage>/report.html     the verdict at a glance
  reports/<dataset>/<version>/bias/<stage>/gate.json       verdict and reasons
  reports/<dataset>/<version>/bias/<stage>/analysis_config.json  the Clarify config it ran
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from lockgate.bias.analysis import count_tables, merge_all
from lockgate.bias.check import BiasCheck, check_counts, resolve_config
from lockgate.bias.clarify_config import parse_analysis_config
from lockgate.bias.counts import CountTable
from lockgate.bias.report_html import ReportAbout
from lockgate.bias.specs import BiasConfig
from lockgate.bias.tables import PARQUET, load_inputs
from lockgate.data.contract import Contract
from lockgate.errors import InputRejected
from lockgate.pipeline.contracts import dataset_contract
from lockgate.pipeline.ports import ObjectStore

PRE, POST = "pre_training", "post_training"
PREDICTED = "predicted_score"


def analysis_config_for(contract: Contract, *, post_training: bool) -> dict[str, Any]:
    """Clarify's analysis_config.json for this dataset, as Clarify's documentation writes it."""
    label = contract.label
    bias = contract.bias
    config: dict[str, Any] = {
        "dataset_type": PARQUET,
        "label": label.column,
        "label_values_or_threshold": label.positive_values or [label.positive_threshold],
        "facet": [
            {"name_or_index": facet.column, "value_or_threshold": facet.values or [facet.threshold]}
            if facet.values is not None or facet.threshold is not None
            else {"name_or_index": facet.column}
            for facet in (bias.facets if bias else [])
        ],
        "methods": {f"{PRE}_bias": {"methods": "all"}},
    }
    if bias and bias.group_variable:
        config["group_variable"] = bias.group_variable
    if post_training:
        config["methods"][f"{POST}_bias"] = {"methods": "all"}
        config["predicted_label"] = PREDICTED
        config["probability_threshold"] = 0.5
    return config


def policy_for(contract: Contract) -> dict[str, Any]:
    """The gate policy from the contract's thresholds (conventions when it sets none)."""
    if contract.bias is None or not contract.bias.thresholds:
        return {"optional": list(contract.bias.optional) if contract.bias else []}
    metrics = {
        name: bounds.model_dump(exclude_none=True) for name, bounds in contract.bias.thresholds.items()
    }
    return {"metrics": metrics, "optional": list(contract.bias.optional)}


@dataclass
class BiasGate:
    """Runs a bias check on data in the store and writes its reports to the artifact bucket."""

    store: ObjectStore
    artifact_bucket: str

    def check(
        self,
        data_bucket: str,
        dataset: str,
        version: str,
        data_uri: str,
        predictions_uri: str | None = None,
    ) -> tuple[BiasCheck, dict[str, Any]]:
        """Pre-training when no predictions are given, else post-training; returns the check and
        a JSON summary (verdict, reasons, where the reports are)."""
        contract = dataset_contract(self.store, data_bucket, dataset)
        stage = POST if predictions_uri else PRE
        raw_config = analysis_config_for(contract, post_training=stage == POST)
        columns = parse_analysis_config(analysis_config_for(contract, post_training=False))
        scores = self._scores(predictions_uri) if predictions_uri else None
        counts: list[list[CountTable]] = []
        config: BiasConfig | None = None
        title, offset = "", 0
        for uri in self._data_files(data_uri):  # one part file in memory at a time
            part = as_thresholded(load_inputs(columns, self._read(uri))[0], contract)
            offset += part.num_rows
            if scores is not None:
                if len(scores) < offset:
                    raise _too_few_predictions(predictions_uri or "", len(scores), offset, "at least ")
                part = part.append_column(PREDICTED, scores.slice(offset - part.num_rows, part.num_rows))
            if config is None:
                config, title = resolve_config(parse_analysis_config(raw_config), part)
            counts.append(count_tables(part, config, data_uri))
        if scores is not None and len(scores) != offset:
            raise _too_few_predictions(predictions_uri or "", len(scores), offset)
        assert config is not None  # _data_files returns at least one file
        source = data_uri + (f" with predictions {predictions_uri}" if predictions_uri else "")
        about = ReportAbout(dataset, version, stage.replace("_", "-"), source, datetime.now(UTC))
        result = check_counts(merge_all(counts), config, policy_for(contract), title, about=about)
        prefix = f"reports/{dataset}/{version}/bias/{stage}/"
        self._write(prefix, result, raw_config)
        summary = {
            "stage": stage,
            "dataset": dataset,
            "version": version,
            "verdict": result.gate.verdict,
            "reasons": list(result.gate.to_json().get("reasons", [])),
            "analysis": f"s3://{self.artifact_bucket}/{prefix}analysis.json",
            "report": f"s3://{self.artifact_bucket}/{prefix}report.html",
            "warnings": list(result.warnings),
        }
        return result, summary

    def _data_files(self, uri: str) -> list[str]:
        """One object, or every Parquet object under a prefix (a split's part files)."""
        bucket, key = split_uri(uri)
        if not key.endswith("/"):
            return [uri]
        keys = [k for k in self.store.list_keys(bucket, key) if k.endswith(".parquet")]
        if not keys:
            raise InputRejected(uri, "has_data_files", 0, "no .parquet objects under this prefix")
        return [f"s3://{bucket}/{k}" for k in keys]

    def _read(self, uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return self.store.read(bucket, key)

    def _scores(self, uri: str) -> pa.ChunkedArray:
        """Scores, one per data row, headerless CSV as SageMaker batch transform writes them."""
        options = pacsv.ReadOptions(column_names=[PREDICTED])
        return pacsv.read_csv(pa.BufferReader(self._read(uri)), read_options=options).column(PREDICTED)

    def _write(self, prefix: str, result: BiasCheck, analysis_config: dict[str, Any]) -> None:
        bucket = self.artifact_bucket
        config = json.dumps(analysis_config, indent=2).encode()  # `lockgate bias --config` re-runs it
        self.store.put(bucket, f"{prefix}analysis_config.json", config, "application/json")
        analysis = json.dumps(result.analysis_json, indent=2, allow_nan=False).encode()
        self.store.put(bucket, f"{prefix}analysis.json", analysis, "application/json")
        gate = json.dumps(result.gate.to_json(), indent=2, allow_nan=False).encode()
        self.store.put(bucket, f"{prefix}gate.json", gate, "application/json")
        self.store.put(
            bucket, f"{prefix}report.html", result.report_html.encode(), "text/html; charset=utf-8"
        )


def _too_few_predictions(uri: str, predictions: int, rows: int, qualifier: str = "") -> InputRejected:
    detail = f"{predictions} predictions for {qualifier}{rows} rows"
    return InputRejected(uri, "one prediction per data row", abs(rows - predictions), detail)


def as_thresholded(table: pa.Table, contract: Contract) -> pa.Table:
    """Facets the contract gives a `threshold` become float columns. Clarify (and smclarify) treat
    an integer column with few distinct values as categorical, reading `value_or_threshold: [25]`
    as "age == 25"; the contract's words are "age > 25", which Clarify applies to float columns."""
    for facet in contract.bias.facets if contract.bias else []:
        if facet.threshold is not None and facet.column in table.column_names:
            index = table.column_names.index(facet.column)
            table = table.set_column(index, facet.column, table.column(index).cast(pa.float64()))
    return table


def split_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key); anything else is bad input."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise InputRejected(uri, "s3_uri", 1, "expected s3://bucket/key")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key
