"""Reading the data (CSV or Parquet, a path or bytes) into a pyarrow Table: only the columns the
analysis needs, with the predictions joined on row order. Reading is most of the work."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockgate.bias.clarify_config import ClarifyConfig, NameOrIndex, column_name
from lockgate.errors import InputRejected

PARQUET = "application/x-parquet"
CSV = "text/csv"
Source = Path | bytes  # a file, or an object's bytes (a Lambda function's S3 GetObject body)


def dataset_type_of(source: Source, declared: str) -> str:
    """What the bytes say (Parquet starts with its magic "PAR1"), else the declared type."""
    if isinstance(source, bytes):
        head = source[:4]
    else:
        try:
            with source.open("rb") as f:
                head = f.read(4)
        except OSError:
            return declared
    if head == b"PAR1":
        return PARQUET
    return CSV if declared == PARQUET else declared


def _name(source: Source) -> str:
    return str(source) if isinstance(source, Path) else "<bytes>"


def _native(source: Source) -> str | pa.BufferReader:
    return str(source) if isinstance(source, Path) else pa.BufferReader(source)


def _first_csv_row(source: Source) -> list[str]:
    if isinstance(source, Path):
        with source.open("r", encoding="utf-8") as f:
            line = f.readline()
    else:
        line = source[: source.find(b"\n") if b"\n" in source else len(source)].decode("utf-8")
    return [c.strip().strip('"') for c in line.rstrip("\r\n").split(",")]


def read_schema_names(source: Source, dataset_type: str, headers: tuple[str, ...] | None) -> list[str]:
    """Column names without reading the data (the header row of a CSV, the footer of a Parquet file)."""
    if headers:
        return list(headers)
    try:
        if dataset_type == PARQUET:
            return list(pq.read_schema(_native(source)).names)
        return _first_csv_row(source)
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputRejected(_name(source), "readable " + dataset_type, 1, str(exc)) from exc


def read_table(
    source: Source,
    dataset_type: str,
    *,
    headers: tuple[str, ...] | None = None,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read `source`, decoding only `columns` when given.

    CSV with `headers`: the first row is skipped when it equals the headers, else every row is data.
    """
    try:
        if dataset_type == PARQUET:
            present = pq.read_schema(_native(source)).names
            wanted = columns if columns and not headers and all(c in present for c in columns) else None
            table = pq.read_table(_native(source), columns=wanted)
            if headers:
                table = table.rename_columns(list(headers[: table.num_columns]))
            return table
        read_options = pacsv.ReadOptions()
        if headers:
            skip = 1 if _first_csv_row(source) == list(headers) else 0
            read_options = pacsv.ReadOptions(column_names=list(headers), skip_rows=skip)
        convert = pacsv.ConvertOptions(include_columns=columns) if columns else pacsv.ConvertOptions()
        return pacsv.read_csv(_native(source), read_options=read_options, convert_options=convert)
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputRejected(_name(source), "readable " + dataset_type, 1, str(exc)) from exc


def prediction_count_mismatch(source: str, predictions: int, rows: int, qualifier: str = "") -> InputRejected:
    """The error for predictions joined on row order that do not match the data rows one to one."""
    detail = f"{predictions} predictions for {qualifier}{rows} rows"
    return InputRejected(source, "one prediction per data row", abs(rows - predictions), detail)


def _by_name(config: ClarifyConfig, names: list[str], with_predictions_file: bool) -> ClarifyConfig:
    """Column indexes (into the full file) as names, before only some columns are read."""

    def name[R: NameOrIndex | None](ref: R, field: str) -> R | str:
        return column_name(ref, names, field, "analysis_config.json") if isinstance(ref, int) else ref

    facets = tuple(
        dataclasses.replace(f, name_or_index=name(f.name_or_index, f"facet[{i}].name_or_index"))
        for i, f in enumerate(config.facets)
    )
    predicted = config.predicted_label
    return dataclasses.replace(
        config,
        label=name(config.label, "label"),
        facets=facets,
        group_variable=name(config.group_variable, "group_variable"),
        predicted_label=predicted if with_predictions_file else name(predicted, "predicted_label"),
    )


def _wanted_columns(config: ClarifyConfig, names: list[str]) -> list[str] | None:
    refs = [
        config.label,
        *(f.name_or_index for f in config.facets),
        config.group_variable,
        config.predicted_label,
    ]
    wanted = [r for r in dict.fromkeys(refs) if isinstance(r, str) and r in names]
    return wanted or None


def load_inputs(
    config: ClarifyConfig, data: Source, predictions: Source | None = None
) -> tuple[pa.Table, ClarifyConfig]:
    """The data table (needed columns only) with the predicted label column joined on row order,
    and the config with column indexes turned into names."""
    kind = dataset_type_of(data, config.dataset_type)
    names = read_schema_names(data, kind, config.headers)
    config = _by_name(config, names, predictions is not None)
    table = read_table(data, kind, headers=config.headers, columns=_wanted_columns(config, names))
    if predictions is None:
        return table, config
    preds = read_table(
        predictions, dataset_type_of(predictions, config.dataset_type), headers=config.predicted_label_headers
    )
    ref = config.predicted_label
    if isinstance(ref, str) and ref in preds.column_names:
        name = ref
    elif isinstance(ref, int) and 0 <= ref < preds.num_columns:
        name = preds.column_names[ref]
    elif preds.num_columns == 1:
        name = preds.column_names[0]
    else:
        raise InputRejected(
            _name(predictions), "predicted label column", preds.num_columns, f"which is {ref!r}?"
        )
    if preds.num_rows != table.num_rows:
        raise prediction_count_mismatch(_name(predictions), preds.num_rows, table.num_rows)
    joined = name if name not in table.column_names else f"{name}__predicted"
    table = table.append_column(joined, preds.column(name))
    return table, dataclasses.replace(config, predicted_label=joined)
