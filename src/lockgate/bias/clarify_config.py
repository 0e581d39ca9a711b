"""Clarify's analysis_config.json, accepted as the Clarify documentation writes it.

parse_analysis_config() checks the keys (an unknown key is ContractInvalid naming it; a Clarify
feature Lockgate does not compute yields one warning naming all of them). resolve() then reads the
data to turn "value_or_threshold" into an exact spec, with smclarify's rule: several values mean
categories; one numeric value on a float column, or on an integer column whose distinct values are
at least 5% of its rows, means a threshold; anything else means categories. One exception: a column
with at most two distinct values is always categorical (see is_threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockgate.bias.specs import (
    METHOD_ALIASES,
    POST_TRAINING_METHODS,
    PRE_TRAINING_METHODS,
    BiasConfig,
    FacetSpec,
    LabelSpec,
    PredictionSpec,
    Scalar,
)
from lockgate.errors import ContractInvalid

SUPPORTED_DATASET_TYPES = ("text/csv", "application/x-parquet")
# Keys Lockgate reads.
USED_KEYS = {
    "version",
    "dataset_type",
    "headers",
    "label",
    "label_values_or_threshold",
    "probability_threshold",
    "facet",
    "group_variable",
    "predicted_label",
    "predicted_label_headers",
    "methods",
}
# Clarify keys that locate or trim inputs; the caller supplies the files, so they change nothing here.
INERT_KEYS = {"dataset_uri", "excluded_columns", "predicted_label_dataset_uri", "joinsource_name_or_index"}
# Clarify features Lockgate does not compute: named in one warning, the rest runs.
UNSUPPORTED_KEYS = {"predictor", "time_series_data_config", "facet_dataset_uri", "facet_headers", "features"}
METHOD_KEYS_USED = {"pre_training_bias", "post_training_bias", "report"}
METHOD_KEYS_UNSUPPORTED = {"shap", "pdp", "asymmetric_shapley_value"}
UNSUPPORTED_METRICS = {"FT": "FT (FlipTest needs row features: call lockgate.bias.fliptest.flip_test)"}
UNIQUENESS_THRESHOLD = 0.05  # smclarify's: integer columns this unique are continuous

NameOrIndex = str | int


class FacetConfigJson(TypedDict):
    """One `facet` entry of analysis_config.json (no value_or_threshold: one-vs-rest)."""

    name_or_index: NameOrIndex
    value_or_threshold: NotRequired[list[Scalar]]


class MethodConfigJson(TypedDict):
    methods: list[str] | Literal["all"]


class MethodsConfigJson(TypedDict, total=False):
    pre_training_bias: MethodConfigJson
    post_training_bias: MethodConfigJson


class AnalysisConfigJson(TypedDict):
    """The analysis_config.json keys Lockgate writes (`pipeline.bias_gate.analysis_config_for`)."""

    dataset_type: str
    label: NameOrIndex
    label_values_or_threshold: list[Scalar]
    facet: list[FacetConfigJson]
    methods: MethodsConfigJson
    group_variable: NotRequired[NameOrIndex]
    predicted_label: NotRequired[NameOrIndex]
    probability_threshold: NotRequired[float]


@dataclass(frozen=True)
class ClarifyFacet:
    name_or_index: NameOrIndex
    value_or_threshold: tuple[Scalar, ...]


@dataclass(frozen=True)
class ClarifyConfig:
    """The parsed, checked analysis_config.json (names not yet resolved against data)."""

    dataset_type: str
    headers: tuple[str, ...] | None
    label: NameOrIndex
    label_values_or_threshold: tuple[Scalar, ...]
    facets: tuple[ClarifyFacet, ...]
    group_variable: NameOrIndex | None
    predicted_label: NameOrIndex | None
    predicted_label_headers: tuple[str, ...] | None
    probability_threshold: float
    pre_training_methods: tuple[str, ...]
    post_training_methods: tuple[str, ...]
    report_title: str | None
    warnings: tuple[str, ...]


def _fail(source: str, field: str, detail: str) -> ContractInvalid:
    return ContractInvalid(source, field, detail)


def _as_tuple(value: Any, field: str, source: str) -> tuple[Scalar, ...]:
    if isinstance(value, list):
        items = value
    elif isinstance(value, str | int | float | bool):
        items = [value]
    else:
        raise _fail(source, field, f"expected a list of values or a threshold, got {type(value).__name__}")
    for v in items:
        if not isinstance(v, str | int | float | bool):
            raise _fail(source, field, f"value {v!r} is not a string, number or boolean")
    return tuple(items)


def _name_or_index(value: Any, field: str, source: str) -> NameOrIndex:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(source, field, "expected a column name or a 0-based column index")
    return value


def _methods(
    raw: Any, field: str, known: tuple[str, ...], source: str, skipped: list[str]
) -> tuple[str, ...]:
    if not isinstance(raw, dict):
        raise _fail(source, field, 'expected an object like {"methods": "all"}')
    extra = set(raw) - {"methods"}
    if extra:
        raise _fail(source, f"{field}.{sorted(extra)[0]}", "unknown key")
    methods = raw.get("methods", "all")
    if methods == "all":
        return known
    if not isinstance(methods, list) or not methods:
        raise _fail(source, f"{field}.methods", 'expected "all" or a non-empty list of metric names')
    out: list[str] = []
    for m in methods:
        name = METHOD_ALIASES.get(m, m) if isinstance(m, str) else m
        if name in UNSUPPORTED_METRICS:
            skipped.append(UNSUPPORTED_METRICS[name])
        elif name not in known:
            raise _fail(source, f"{field}.methods", f"unknown metric {m!r}; known: {', '.join(known)}")
        elif name not in out:
            out.append(name)
    return tuple(out)


def parse_analysis_config(raw: Any, source: str = "analysis_config.json") -> ClarifyConfig:
    """Check a Clarify analysis_config.json (already JSON-decoded)."""
    if not isinstance(raw, dict):
        raise _fail(source, "(root)", "expected a JSON object")
    for key in raw:
        if key not in USED_KEYS | INERT_KEYS | UNSUPPORTED_KEYS:
            raise _fail(source, key, "unknown key (not in Clarify's analysis configuration schema)")
    skipped = sorted(k for k in raw if k in UNSUPPORTED_KEYS)
    if raw.get("version", "1.0") != "1.0":
        raise _fail(source, "version", "only version 1.0 exists")
    dataset_type = raw.get("dataset_type")
    if dataset_type not in SUPPORTED_DATASET_TYPES:
        raise _fail(
            source, "dataset_type", f"{dataset_type!r} is not supported; use one of {SUPPORTED_DATASET_TYPES}"
        )
    headers = raw.get("headers")
    if headers is not None and (
        not isinstance(headers, list) or not all(isinstance(h, str) for h in headers)
    ):
        raise _fail(source, "headers", "expected a list of column names")
    if "label" not in raw:
        raise _fail(source, "label", "required")
    label = _name_or_index(raw["label"], "label", source)
    if "label_values_or_threshold" not in raw:
        raise _fail(source, "label_values_or_threshold", "required for bias metrics")
    label_values = _as_tuple(raw["label_values_or_threshold"], "label_values_or_threshold", source)
    if not label_values:
        raise _fail(source, "label_values_or_threshold", "must not be empty")
    facets = _facets(raw.get("facet"), source)
    group = raw.get("group_variable")
    group_variable = None if group is None else _name_or_index(group, "group_variable", source)
    predicted = raw.get("predicted_label")
    predicted_label = None if predicted is None else _name_or_index(predicted, "predicted_label", source)
    pl_headers = raw.get("predicted_label_headers")
    if pl_headers is not None and (
        not isinstance(pl_headers, list) or not all(isinstance(h, str) for h in pl_headers)
    ):
        raise _fail(source, "predicted_label_headers", "expected a list of column names")
    threshold = raw.get("probability_threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise _fail(source, "probability_threshold", "expected a number")
    methods = raw.get("methods")
    if not isinstance(methods, dict):
        raise _fail(source, "methods", "required: an object with pre_training_bias and/or post_training_bias")
    for key in methods:
        if key not in METHOD_KEYS_USED | METHOD_KEYS_UNSUPPORTED:
            raise _fail(source, f"methods.{key}", "unknown key (not a Clarify analysis method)")
    skipped += sorted(f"methods.{k}" for k in methods if k in METHOD_KEYS_UNSUPPORTED)
    pre = (
        _methods(
            methods["pre_training_bias"], "methods.pre_training_bias", PRE_TRAINING_METHODS, source, skipped
        )
        if "pre_training_bias" in methods
        else ()
    )
    post = (
        _methods(
            methods["post_training_bias"],
            "methods.post_training_bias",
            POST_TRAINING_METHODS,
            source,
            skipped,
        )
        if "post_training_bias" in methods
        else ()
    )
    if not pre and not post:
        raise _fail(source, "methods", "no bias method requested (pre_training_bias or post_training_bias)")
    report = methods.get("report", {})
    if not isinstance(report, dict) or set(report) - {"name", "title"}:
        raise _fail(source, "methods.report", 'expected {"name": ..., "title": ...}')
    warnings: tuple[str, ...] = ()
    if skipped:
        warnings = (f"Lockgate does not compute {', '.join(skipped)}: skipped; the bias metrics still run",)
    return ClarifyConfig(
        dataset_type=dataset_type,
        headers=None if headers is None else tuple(headers),
        label=label,
        label_values_or_threshold=label_values,
        facets=facets,
        group_variable=group_variable,
        predicted_label=predicted_label,
        predicted_label_headers=None if pl_headers is None else tuple(pl_headers),
        probability_threshold=float(threshold),
        pre_training_methods=pre,
        post_training_methods=post,
        report_title=str(report["title"]) if "title" in report else None,
        warnings=warnings,
    )


def _facets(raw: Any, source: str) -> tuple[ClarifyFacet, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(source, "facet", "required: a non-empty list of {name_or_index, value_or_threshold}")
    out = []
    for i, item in enumerate(raw):
        field = f"facet[{i}]"
        if not isinstance(item, dict):
            raise _fail(source, field, "expected an object")
        extra = set(item) - {"name_or_index", "value_or_threshold"}
        if extra:
            raise _fail(source, f"{field}.{sorted(extra)[0]}", "unknown key")
        if "name_or_index" not in item:
            raise _fail(source, f"{field}.name_or_index", "required")
        name = _name_or_index(item["name_or_index"], f"{field}.name_or_index", source)
        values = item.get("value_or_threshold")
        out.append(
            ClarifyFacet(
                name, () if values is None else _as_tuple(values, f"{field}.value_or_threshold", source)
            )
        )
    return tuple(out)


# ---------------------------------------------------------------- resolution against the data


def column_name(ref: NameOrIndex, columns: list[str], field: str, source: str) -> str:
    """A column reference (name or 0-based index) as a column name of the data."""
    if isinstance(ref, int):
        if not 0 <= ref < len(columns):
            raise _fail(source, field, f"column index {ref} out of range (0..{len(columns) - 1})")
        return columns[ref]
    if ref not in columns:
        raise _fail(source, field, f"column {ref!r} not in the data ({', '.join(columns)})")
    return ref


def _at_most_two_values(column: pa.ChunkedArray) -> bool:
    """Every value is the column's min or max (a binary column, whatever its numeric type)."""
    low_high = pc.min_max(column).as_py()
    low, high = low_high["min"], low_high["max"]
    if low is None or low == high:
        return True
    for chunk in column.chunks:  # numpy on each chunk's buffer: no copy, no cast, early exit
        x = chunk.drop_null().to_numpy()
        if np.any((x != low) & (x != high)):
            return False
    return True


def is_threshold(column: pa.ChunkedArray, values: tuple[Scalar, ...]) -> bool:
    """Does a single numeric value mean a threshold on this column? smclarify's rule (floats always;
    integers when distinct values are >= 5% of rows), except that a column holding at most two
    distinct values is always categorical: there smclarify's rule turns a 0/1 label with [1] into
    the empty interval (1, 1] (floats, or integers in datasets under 40 rows)."""
    if len(values) != 1 or isinstance(values[0], bool) or not isinstance(values[0], int | float):
        return False
    kind = column.type
    if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)) or _at_most_two_values(column):
        return False
    if pa.types.is_floating(kind):
        return True
    count = len(column) - column.null_count
    return bool(count > 0 and pc.count_distinct(column).as_py() / count >= UNIQUENESS_THRESHOLD)


def resolve(config: ClarifyConfig, table: pa.Table, source: str = "analysis_config.json") -> BiasConfig:
    """Exact specs for this data: column names, categories or thresholds, labels or scores."""
    columns = table.column_names
    label_name = column_name(config.label, columns, "label", source)
    label_col = table.column(label_name)
    if is_threshold(label_col, config.label_values_or_threshold):
        label = LabelSpec(label_name, threshold=float(config.label_values_or_threshold[0]))
    else:
        label = LabelSpec(label_name, values=config.label_values_or_threshold)
    facets = []
    for i, f in enumerate(config.facets):
        name = column_name(f.name_or_index, columns, f"facet[{i}].name_or_index", source)
        if not f.value_or_threshold:
            facets.append(FacetSpec(name, "one_vs_rest"))
        elif is_threshold(table.column(name), f.value_or_threshold):
            facets.append(FacetSpec(name, "threshold", threshold=float(f.value_or_threshold[0])))
        else:
            facets.append(FacetSpec(name, "values", values=f.value_or_threshold))
    group = None
    if config.group_variable is not None:
        group = column_name(config.group_variable, columns, "group_variable", source)
    prediction = None
    if config.post_training_methods:
        if config.predicted_label is None:
            raise _fail(
                source, "predicted_label", "post_training_bias needs predicted labels (or a predictions file)"
            )
        pred_name = column_name(config.predicted_label, columns, "predicted_label", source)
        scores = pa.types.is_floating(table.column(pred_name).type) and label.threshold is None
        prediction = PredictionSpec(pred_name, "scores" if scores else "labels", config.probability_threshold)
    return BiasConfig(
        label=label,
        facets=tuple(facets),
        group_variable=group,
        prediction=prediction,
        pre_training_methods=config.pre_training_methods,
        post_training_methods=config.post_training_methods,
        warnings=config.warnings,
    )
