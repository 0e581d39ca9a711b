"""Reading CSV or Parquet into a pyarrow Table, only the columns the analysis needs."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockgate.errors import InputRejected

PARQUET = "application/x-parquet"
CSV = "text/csv"


def dataset_type_of(path: Path, declared: str | None = None) -> str:
    """The declared type, or the one the file name says."""
    if declared:
        return declared
    return PARQUET if path.suffix.lower() in {".parquet", ".pq"} else CSV


def read_table(
    path: Path, dataset_type: str, *, headers: tuple[str, ...] | None = None, columns: list[str] | None = None
) -> pa.Table:
    """Read `path`; `columns` limits what is decoded (the read is most of the work).

    CSV with `headers`: the file's first row is skipped when it equals the headers, else every row is data.
    """
    try:
        if dataset_type == PARQUET:
            table = pq.read_table(path, columns=_present(pq.read_schema(path).names, columns))
            if headers:
                table = table.rename_columns(list(headers[: table.num_columns]))
            return table
        read_options = pacsv.ReadOptions()
        if headers:
            with path.open("r", encoding="utf-8") as f:
                first = f.readline().rstrip("\r\n").split(",")
            read_options = pacsv.ReadOptions(
                column_names=list(headers), skip_rows=1 if first == list(headers) else 0
            )
        convert = pacsv.ConvertOptions(include_columns=columns) if columns else pacsv.ConvertOptions()
        return pacsv.read_csv(path, read_options=read_options, convert_options=convert)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputRejected(str(path), "readable " + dataset_type, 1, str(exc)) from exc


def _present(names: list[str], wanted: list[str] | None) -> list[str] | None:
    if wanted is None:
        return None
    missing = [c for c in wanted if c not in names]
    if missing:
        return None  # let the analysis name the missing column against the full schema
    return wanted


def read_schema_names(path: Path, dataset_type: str, headers: tuple[str, ...] | None) -> list[str]:
    """Column names without reading the data (the header row of a CSV, the footer of a Parquet file)."""
    if headers:
        return list(headers)
    try:
        if dataset_type == PARQUET:
            return list(pq.read_schema(path).names)
        with path.open("r", encoding="utf-8") as f:
            return [c.strip().strip('"') for c in f.readline().rstrip("\r\n").split(",")]
    except OSError as exc:
        raise InputRejected(str(path), "readable " + dataset_type, 1, str(exc)) from exc
