"""The bias gate's step over an object store: read the data (and predictions), compute the
Clarify-compatible metrics, gate them with the contract's thresholds, write the reports.

The dataset contract is the single source of the configuration: `bias_config_for` turns its label
and bias sections into the exact count-table spec (a threshold facet is a threshold whatever the
column's type), its bias section is the gate policy itself (`policy_for`), and
`analysis_config_for` writes the same thing as Clarify's analysis_config.json for the record. The
part files stream through one `BiasCheckStream`, which also joins the predictions on row order.
Outputs, in the artifact bucket:
  reports/<dataset>/<version>/bias/<stage>/analysis.json   Clarify's shape
  reports/<dataset>/<version>/bias/<stage>/report.html     the verdict at a glance
  reports/<dataset>/<version>/bias/<stage>/gate.json       verdict and reasons
  reports/<dataset>/<version>/bias/<stage>/analysis_config.json  the Clarify config it ran
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import pyarrow as pa
import pyarrow.csv as pacsv

from lockgate.bias.check import BiasCheck, BiasCheckStream
from lockgate.bias.clarify_config import AnalysisConfigJson
from lockgate.bias.policy import GatePolicy
from lockgate.bias.report_html import ReportAbout
from lockgate.bias.specs import (
    POST_TRAINING_METHODS,
    PRE_TRAINING_METHODS,
    BiasConfig,
    FacetSpec,
    LabelSpec,
    PredictionSpec,
    Scalar,
)
from lockgate.bias.tables import PARQUET, read_table
from lockgate.data.contract import Contract
from lockgate.errors import InputRejected
from lockgate.layout import bias_report_prefix, s3_uri
from lockgate.messages.bias import BiasCheckResult, Stage
from lockgate.names import split_uri
from lockgate.pipeline.contracts import dataset_contract
from lockgate.pipeline.ports import ObjectStore

PRE: Final = "pre_training"
POST: Final = "post_training"
PREDICTED = "predicted_score"
PROBABILITY_THRESHOLD = 0.5


def _values_or_threshold(values: list[Scalar] | None, threshold: float | None) -> list[Scalar]:
    """A contract's values, else its threshold (the contract checks that one of them is given)."""
    if values:
        return values
    if threshold is None:
        raise ValueError("neither values nor a threshold")
    return [threshold]


def analysis_config_for(contract: Contract, *, post_training: bool) -> AnalysisConfigJson:
    """Clarify's analysis_config.json for this dataset, as Clarify's documentation writes it."""
    label = contract.label
    bias = contract.bias
    config: AnalysisConfigJson = {
        "dataset_type": PARQUET,
        "label": label.column,
        "label_values_or_threshold": _values_or_threshold(label.positive_values, label.positive_threshold),
        "facet": [
            {
                "name_or_index": facet.column,
                "value_or_threshold": _values_or_threshold(facet.values, facet.threshold),
            }
            if facet.values is not None or facet.threshold is not None
            else {"name_or_index": facet.column}
            for facet in (bias.facets if bias else [])
        ],
        "methods": {"pre_training_bias": {"methods": "all"}},
    }
    if bias and bias.group_variable:
        config["group_variable"] = bias.group_variable
    if post_training:
        config["methods"]["post_training_bias"] = {"methods": "all"}
        config["predicted_label"] = PREDICTED
        config["probability_threshold"] = PROBABILITY_THRESHOLD
    return config


def bias_config_for(contract: Contract, *, post_training: bool) -> BiasConfig:
    """The exact spec of the check from the contract: no guessing from the data whether a facet
    value is a category or a threshold (the contract says)."""
    label = contract.label
    label_spec = (
        LabelSpec(label.column, values=tuple(label.positive_values))
        if label.positive_values is not None
        else LabelSpec(label.column, threshold=label.positive_threshold)
    )
    facets = tuple(
        FacetSpec(f.column, "values", values=tuple(f.values))
        if f.values is not None
        else FacetSpec(f.column, "threshold", threshold=f.threshold)
        if f.threshold is not None
        else FacetSpec(f.column, "one_vs_rest")
        for f in (contract.bias.facets if contract.bias else [])
    )
    prediction = None
    if post_training:
        prediction = PredictionSpec(
            PREDICTED, "scores" if label.positive_values is not None else "labels", PROBABILITY_THRESHOLD
        )
    return BiasConfig(
        label=label_spec,
        facets=facets,
        group_variable=contract.bias.group_variable if contract.bias else None,
        prediction=prediction,
        pre_training_methods=PRE_TRAINING_METHODS,
        post_training_methods=POST_TRAINING_METHODS if post_training else (),
    )


def policy_for(contract: Contract) -> GatePolicy:
    """The gate policy: the contract's bias section (conventions when it has none)."""
    return contract.bias.gate_policy() if contract.bias else GatePolicy()


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
        *,
        run: str = "",
    ) -> tuple[BiasCheck, BiasCheckResult]:
        """Pre-training when no predictions are given, else post-training; returns the check and
        the task's result (verdict, reasons, where the reports are)."""
        contract = dataset_contract(self.store, data_bucket, dataset)
        stage: Stage = POST if predictions_uri else PRE
        config = bias_config_for(contract, post_training=stage == POST)
        stream = BiasCheckStream(
            config,
            policy_for(contract),
            source=data_uri,
            predictions=self._scores(predictions_uri) if predictions_uri else None,
            prediction_column=PREDICTED,
            predictions_source=predictions_uri or "",
            about=ReportAbout(
                dataset,
                version,
                stage.replace("_", "-"),
                data_uri + (f" with predictions {predictions_uri}" if predictions_uri else ""),
                datetime.now(UTC),
            ),
        )
        columns = list(dict.fromkeys(_columns(config)))
        for uri in self._data_files(data_uri):  # one part file in memory at a time
            stream.add(read_table(self._read(uri), PARQUET, columns=columns))
        result = stream.result()
        raw_config = analysis_config_for(contract, post_training=stage == POST)
        prefix = bias_report_prefix(dataset, version, stage, run)
        self._write(prefix, result, raw_config)
        summary = BiasCheckResult(
            stage=stage,
            dataset=dataset,
            version=version,
            verdict=result.gate.verdict,
            reasons=list(result.gate.to_json().get("reasons", [])),
            analysis=s3_uri(self.artifact_bucket, f"{prefix}analysis.json"),
            report=s3_uri(self.artifact_bucket, f"{prefix}report.html"),
            warnings=list(result.warnings),
        )
        return result, summary

    def _data_files(self, uri: str) -> list[str]:
        """One object, or every Parquet object under a prefix (a split's part files)."""
        bucket, key = split_uri(uri)
        if not key.endswith("/"):
            return [uri]
        keys = [k for k in self.store.list_keys(bucket, key) if k.endswith(".parquet")]
        if not keys:
            raise InputRejected(uri, "has_data_files", 0, "no .parquet objects under this prefix")
        return [s3_uri(bucket, k) for k in keys]

    def _read(self, uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return self.store.read(bucket, key)

    def _scores(self, uri: str) -> pa.ChunkedArray:
        """Scores, one per data row, headerless CSV as SageMaker batch transform writes them."""
        options = pacsv.ReadOptions(column_names=[PREDICTED])
        return pacsv.read_csv(pa.BufferReader(self._read(uri)), read_options=options).column(PREDICTED)

    def _write(self, prefix: str, result: BiasCheck, analysis_config: AnalysisConfigJson) -> None:
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


def _columns(config: BiasConfig) -> list[str]:
    """The data columns the check reads (the predictions come from their own file)."""
    names = [config.label.name, *(f.name for f in config.facets)]
    return names + ([config.group_variable] if config.group_variable else [])
