"""The evaluation step over an object store: read the test labels and the batch transform's
predictions, check they line up, compute the metrics, write evaluation.json (SageMaker's model
quality statistics shape) and report.html to reports/<dataset>/<version>/evaluation/."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from lockgate.errors import InputRejected
from lockgate.evaluation.metrics import FloatArray, evaluate
from lockgate.evaluation.model_quality import model_quality_statistics
from lockgate.evaluation.report_html import render
from lockgate.layout import evaluation_report_prefix
from lockgate.messages.train import EvaluateInput, EvaluateOutput
from lockgate.names import split_uri
from lockgate.pipeline.ports import ObjectStore

HEADLINE = ("auc", "pr_auc", "accuracy", "precision", "recall", "f1", "log_loss", "brier_score")


def read_column(body: bytes, uri: str) -> FloatArray:
    """A headerless one-column CSV (labels, or SageMaker's .out) as float64."""
    if not body.strip():
        return np.empty(0, dtype=np.float64)
    options = pacsv.ReadOptions(column_names=["value"])
    convert = pacsv.ConvertOptions(column_types={"value": pa.float64()}, strings_can_be_null=True)
    try:
        table = pacsv.read_csv(pa.BufferReader(body), read_options=options, convert_options=convert)
    except pa.ArrowInvalid as error:
        raise InputRejected(uri, "one number per line", 1, str(error).splitlines()[0]) from error
    return np.asarray(table.column("value").to_numpy(zero_copy_only=False), dtype=np.float64)


def check_inputs(labels: FloatArray, scores: FloatArray, labels_uri: str, predictions_uri: str) -> None:
    """Typed, non-retryable errors for predictions that do not line up with the test split."""
    if labels.size != scores.size:
        raise InputRejected(
            predictions_uri,
            "one prediction per test row",
            abs(int(labels.size) - int(scores.size)),
            f"{scores.size} predictions for {labels.size} test rows ({labels_uri})",
        )
    if labels.size == 0:
        raise InputRejected(labels_uri, "test rows", 0, "the test split is empty")
    not_finite = int(np.count_nonzero(~np.isfinite(scores)))
    if not_finite:
        raise InputRejected(predictions_uri, "finite scores", not_finite, "NaN or infinite scores")
    outside = int(np.count_nonzero((scores < 0) | (scores > 1)))
    if outside:
        raise InputRejected(predictions_uri, "scores in [0, 1]", outside, "expected probabilities")
    bad_labels = int(np.count_nonzero((labels != 0) & (labels != 1)))
    if bad_labels:
        raise InputRejected(labels_uri, "labels 0 or 1", bad_labels, "binary labels expected")


@dataclass
class Evaluator:
    """Evaluates predictions in the store; writes its reports to the artifact bucket."""

    store: ObjectStore
    artifact_bucket: str
    calibration_bins: int = 10

    def run(self, request: EvaluateInput) -> EvaluateOutput:
        """Metrics of one model on one test split."""
        labels = read_column(self.store.read(*split_uri(request.labels)), request.labels)
        scores = read_column(self.store.read(*split_uri(request.predictions)), request.predictions)
        check_inputs(labels, scores, request.labels, request.predictions)
        result = evaluate(labels, scores, request.threshold, self.calibration_bins)
        prefix = evaluation_report_prefix(request.dataset, request.version, request.run)
        statistics = json.dumps(model_quality_statistics(result), indent=1, allow_nan=False).encode()
        evaluation = self.store.put(
            self.artifact_bucket, f"{prefix}evaluation.json", statistics, "application/json"
        )
        title = f"Evaluation of {request.dataset} {request.version[:12]}"
        report = self.store.put(
            self.artifact_bucket,
            f"{prefix}report.html",
            render(result, title).encode(),
            "text/html; charset=utf-8",
        )
        return EvaluateOutput(
            evaluation=evaluation,
            report=report,
            rows=result.rows,
            metrics={name: result.metrics[name] for name in HEADLINE},
        )
