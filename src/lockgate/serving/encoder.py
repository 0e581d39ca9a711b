"""Lockgate's record encoder: a dataset's raw records -> the numeric matrix its XGBoost model reads.

This file is shipped as it is, byte for byte, inside every model's encoder artifact
(`lockgate.serving.artifact`) and runs in three places: the SageMaker scikit-learn framework
container of an inference pipeline (`SAGEMAKER_PROGRAM`: `model_fn` / `input_fn` / `predict_fn` /
`output_fn`), the offline endpoint twin (which loads the script from the artifact, so an old model
keeps its own encoder) and batch-predict. It imports only the standard library and numpy and runs
on Python 3.9+ (the container's). Its vectorised path (pyarrow, for whole files) is
`lockgate.serving.encoder_table`, shipped beside it.

The encoding is the data gate's (`lockgate.data.splitting.xgboost_columns`), read from the spec the
same code wrote (`encoder.json`): features in contract order, the label and key columns left out;
integers and floats as they are, booleans 1/0, a string column with `allowed` values one-hot in
the order of `allowed`; a value outside `allowed` (a category training never had) is all zeros,
exactly as training encodes it; an empty value is missing (NaN) where the column is nullable.

Requests (`encode` stage): `text/csv` rows of the contract's columns in contract order without the
label, with or without a header line (a header may name the columns in any order, may hold the
label and the non-feature columns, which are ignored); `application/json`
`{"instances": [{"<column>": value, ...}, ...]}` (feature columns required, others may be left out).
Refused with a 400 that names the row and the column: a missing feature column, a value of the
wrong type, an empty value in a non-nullable column, NaN or infinity, a column the contract does
not have (refused, not ignored: a misspelt optional column would otherwise pass unseen).

Answers (`decode` stage, after the XGBoost container): `Accept: text/csv` (the default) one score
per line; `application/json` `{"predictions": [{"score": p}, ...]}`; add `;labels=true` to either
for the predicted label (`score,label` lines, or `"predicted_label"`), the contract's positive label
value when the score reaches the decision threshold, else its negative one.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # for the type checker only: the shipped script imports nothing of Lockgate
    from lockgate.serving.encoder_spec import ColumnSpec, EncoderSpec

SPEC_FILE = "encoder.json"
STAGE_ENV = "LOCKGATE_STAGE"  # "encode" (before XGBoost) or "decode" (after it)
CSV, JSON = "text/csv", "application/json"
_TRUE, _FALSE = ("true", "1"), ("false", "0")


class EncoderError(Exception):
    """A request the encoder refuses: `status_code` (400, 406, 415) and a message naming the row
    and the column."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def media(content_type: str | None) -> tuple[str, dict[str, str]]:
    """`text/csv; labels=true` -> ("text/csv", {"labels": "true"})."""
    kind, *params = (content_type or "").split(";")
    found: dict[str, str] = {}
    for param in params:
        key, _, value = param.partition("=")
        found[key.strip().lower()] = value.strip().lower()
    return kind.strip().lower(), found


class Encoder:
    """The encoding of one dataset version (the spec of `encoder.json`)."""

    Error = EncoderError  # what the vectorised path (`encoder_table`, shipped beside) raises

    def __init__(self, spec: EncoderSpec) -> None:
        self.spec = spec
        self.columns: list[ColumnSpec] = list(spec["columns"])
        self.label: str = spec["label"]["column"]
        self.by_name = {c["name"]: c for c in self.columns}
        self.inputs = [c["name"] for c in self.columns if c["name"] != self.label]  # CSV order
        self.features = [c for c in self.columns if c["role"] == "feature"]
        self.offsets: list[int] = []
        self.codes: list[dict[str, int]] = []
        width = 0
        for column in self.features:
            self.offsets.append(width)
            allowed = column.get("allowed") or []
            self.codes.append({str(v): i for i, v in enumerate(allowed)})
            width += len(allowed) if column["type"] == "string" else 1
        self.width = width
        if spec.get("features") is not None and len(spec["features"]) != width:
            raise ValueError(f"{SPEC_FILE}: {len(spec['features'])} feature names for width {width}")

    # parsing --------------------------------------------------------------------------------

    def records(self, body: bytes, content_type: str) -> tuple[list[str], list[list[Any]]]:
        """A request body -> (column names, rows of values); refuses what it cannot read."""
        kind, _ = media(content_type)
        if not body or not body.strip():
            raise EncoderError("the request body is empty: send at least one record")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EncoderError(
                f"the request body is not UTF-8 text (byte {error.start} is 0x{body[error.start]:02x})"
            ) from None
        if kind == CSV:
            return self._csv(text.lstrip("\ufeff"))
        if kind == JSON:
            return self._json(text)
        raise EncoderError(f"content type {content_type!r} is not supported: send {CSV} or {JSON}", 415)

    def _csv(self, text: str) -> tuple[list[str], list[list[Any]]]:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
        if not rows:
            raise EncoderError("the request body holds no CSV rows")
        first = rows[0]
        named = [f for f in first if f.strip() in self.by_name]
        if named and 2 * len(named) >= len(first):  # a header line
            names = [f.strip() for f in first]
            if len(rows) == 1:
                raise EncoderError("the CSV body is a header line only: send at least one data row")
            return names, rows[1:]
        expected = len(self.inputs)
        for number, row in enumerate(rows, 1):
            if len(row) != expected:
                raise EncoderError(
                    f"row {number} has {len(row)} field(s), the contract has {expected} columns without the "
                    f"label ({','.join(self.inputs)}): send them in this order, comma-separated, or "
                    "add a header line"
                )
        return self.inputs, rows

    def _json(self, text: str) -> tuple[list[str], list[list[Any]]]:
        try:
            document = json.loads(text)
        except ValueError as error:
            raise EncoderError(f"the JSON body does not parse: {error}") from None
        if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
            raise EncoderError(
                'the JSON body must be an object {"instances": [{"<column>": value, ...}, ...]}'
            )
        instances = document["instances"]
        if not instances:
            raise EncoderError('"instances" is empty: send at least one record')
        names: list[str] = []
        seen: set[str] = set()
        for number, instance in enumerate(instances, 1):
            if not isinstance(instance, dict):
                raise EncoderError(f"instance {number} is not an object of column: value")
            for key in instance:
                if key not in seen:
                    seen.add(key)
                    names.append(key)
        missing = object()
        rows = [[instance.get(n, missing) for n in names] for instance in instances]
        for number, row in enumerate(rows, 1):
            for i, name in enumerate(names):
                if row[i] is missing and name in self.by_name and self.by_name[name]["role"] == "feature":
                    raise EncoderError(f"row {number}: column {name!r} is missing")
        return names, [[None if v is missing else v for v in row] for row in rows]

    # encoding -------------------------------------------------------------------------------

    def encode(self, names: list[str], rows: list[list[Any]]) -> np.ndarray:
        """Rows of values under `names` -> the float64 feature matrix (NaN = missing)."""
        unknown = [n for n in names if n not in self.by_name]
        if unknown:
            raise EncoderError(
                f"column(s) {', '.join(repr(n) for n in unknown)} are not in the contract; "
                f"its columns are {','.join(self.inputs)} (the label may be sent and is ignored)"
            )
        position = {n: i for i, n in enumerate(names)}
        absent = [c["name"] for c in self.features if c["name"] not in position]
        if absent:
            raise EncoderError(f"row 1: column {absent[0]!r} is missing")
        matrix = np.zeros((len(rows), self.width))
        for j, column in enumerate(self.features):
            index, offset, name = position[column["name"]], self.offsets[j], column["name"]
            kind, nullable, codes = column["type"], bool(column.get("nullable")), self.codes[j]
            for number, row in enumerate(rows, 1):
                if len(row) != len(names):
                    raise EncoderError(f"row {number} has {len(row)} field(s), the header has {len(names)}")
                value = row[index]
                if kind == "string":
                    if value is None or value == "":
                        if not nullable:
                            raise EncoderError(f"row {number}: column {name!r} is empty (not nullable)")
                        continue
                    if not isinstance(value, str):
                        raise EncoderError(f"row {number}: column {name!r}: {value!r} is not a string")
                    code = codes.get(value)
                    if code is not None:  # a value outside `allowed` stays all zeros, as in training
                        matrix[number - 1, offset + code] = 1.0
                else:
                    matrix[number - 1, offset] = _number(value, kind, nullable, number, name)
        return matrix

    @staticmethod
    def number(value: Any, kind: str, nullable: bool, number: int, name: str) -> float:
        """One integer, float or boolean value by the column's rules (EncoderError names the row)."""
        return _number(value, kind, nullable, number, name)

    def encode_body(self, body: bytes, content_type: str) -> np.ndarray:
        """One request -> its feature matrix."""
        names, rows = self.records(body, content_type)
        return self.encode(names, rows)

    # answers --------------------------------------------------------------------------------

    def label_of(self, score: float) -> str:
        """The predicted label value of a score."""
        label = self.spec["label"]
        return str(label["positive"] if score >= float(label["threshold"]) else label["negative"])

    def answer(self, scores: list[str], accept: str | None) -> tuple[str, str]:
        """XGBoost's scores (as it wrote them) -> (body, content type) as the caller's Accept asks."""
        kind, params = media(accept)
        labels = params.get("labels") == "true"
        if kind in ("", "*/*", CSV):
            if labels:
                return "".join(f"{s},{self.label_of(float(s))}\n" for s in scores), CSV
            return "".join(f"{s}\n" for s in scores), CSV
        if kind == JSON:
            predictions: list[dict[str, float | str]] = []
            for s in scores:
                entry: dict[str, float | str] = {"score": float(s)}
                if labels:
                    entry["predicted_label"] = self.label_of(float(s))
                predictions.append(entry)
            return json.dumps({"predictions": predictions}), JSON
        raise EncoderError(f"Accept {accept!r} is not supported: ask for {CSV} or {JSON}", 406)


def _number(value: Any, kind: str, nullable: bool, number: int, name: str) -> float:
    if value is None or value == "":
        if not nullable:
            raise EncoderError(f"row {number}: column {name!r} is empty (not nullable)")
        return math.nan
    if kind == "boolean":
        if isinstance(value, bool):
            return float(value)
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return 1.0 if text in _TRUE else 0.0
        raise EncoderError(f"row {number}: column {name!r}: {value!r} is not a boolean (true/false)")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise EncoderError(f"row {number}: column {name!r}: {value!r} is not a number")
    try:
        parsed = float(value)
    except ValueError:
        raise EncoderError(f"row {number}: column {name!r}: {value!r} is not a number") from None
    if not math.isfinite(parsed):
        raise EncoderError(f"row {number}: column {name!r}: {value!r} is not a finite number")
    if kind == "integer" and parsed != int(parsed):
        raise EncoderError(f"row {number}: column {name!r}: {value!r} is not an integer")
    return parsed


def matrix_csv(matrix: np.ndarray) -> str:
    """The feature matrix as headerless CSV (a missing value is an empty field), as the XGBoost
    container reads `text/csv`; every value round-trips exactly (shortest repr of the double)."""
    lines = []
    for row in matrix.tolist():
        lines.append(",".join("" if math.isnan(v) else repr(v) for v in row))
    return "\n".join(lines) + "\n"


def scores_of(body: bytes | str, content_type: str) -> list[str]:
    """The XGBoost container's answer -> one score string per row (CSV lines or its JSON)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    if media(content_type)[0] == JSON:
        return [repr(float(p["score"])) for p in json.loads(text)["predictions"]]
    return [line.split(",")[0] for line in text.splitlines() if line.strip()]


# the SageMaker scikit-learn container's entry points ----------------------------------------------


class Stage:
    """What `model_fn` loads: the encoder and this container's place in the pipeline."""

    def __init__(self, encoder: Encoder, stage: str) -> None:
        if stage not in ("encode", "decode"):
            raise ValueError(f"{STAGE_ENV} must be encode or decode, not {stage!r}")
        self.encoder, self.stage = encoder, stage


def load(model_dir: str, stage: str | None = None) -> Stage:
    """The encoder of an extracted artifact directory."""
    with open(os.path.join(model_dir, SPEC_FILE), encoding="utf-8") as handle:
        spec = json.load(handle)
    return Stage(Encoder(spec), stage or os.environ.get(STAGE_ENV, "encode"))


def _toolkit_error(error: EncoderError) -> Exception:
    """The serving toolkit's own error type where it is installed (its status code reaches the
    caller); our EncoderError (with `status_code`) elsewhere."""
    try:
        from sagemaker_inference.errors import GenericInferenceToolkitError  # type: ignore[import-not-found]
    except ImportError:
        return error
    return GenericInferenceToolkitError(error.status_code, error.message)  # type: ignore[no-any-return]


def model_fn(model_dir: str) -> Stage:
    """Container entry: load `encoder.json` from the model directory."""
    return load(model_dir)


def input_fn(request_body: Any, request_content_type: str) -> tuple[bytes, str]:
    """Container entry: keep the bytes; parsing needs the encoder (predict_fn has it)."""
    body = request_body.encode("utf-8") if isinstance(request_body, str) else bytes(request_body)
    return body, request_content_type


def predict_fn(data: tuple[bytes, str], model: Stage) -> Any:
    """Container entry: encode the records, or read XGBoost's scores."""
    body, content_type = data
    try:
        if model.stage == "encode":
            return model.encoder.encode_body(body, content_type)
        return model.encoder, scores_of(body, content_type)
    except EncoderError as error:
        raise _toolkit_error(error) from None


def output_fn(prediction: Any, accept: str) -> tuple[str, str]:
    """Container entry: the matrix as text/csv for XGBoost, or the scores as the caller asks."""
    if isinstance(prediction, np.ndarray):
        return matrix_csv(prediction), CSV
    encoder, scores = prediction
    try:
        return encoder.answer(scores, accept)  # type: ignore[no-any-return]
    except EncoderError as error:
        raise _toolkit_error(error) from None
