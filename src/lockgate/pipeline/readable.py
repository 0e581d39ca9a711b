"""Minimal data check: a readable CSV or Parquet file with at least one data row."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockgate.errors import InputRejected

PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class Readable:
    """What a readable dataset file holds."""

    format: str
    rows: int
    columns: list[str]


def check_readable(name: str, data: bytes) -> Readable:
    """Parse `data` as Parquet (by magic bytes) or CSV; raise InputRejected naming the rule."""
    if not data:
        raise InputRejected(name, "non_empty", 0, "the object has no bytes")
    try:
        if data[:4] == PARQUET_MAGIC:
            table, fmt = pq.read_table(io.BytesIO(data)), "parquet"
        else:
            table, fmt = pacsv.read_csv(io.BytesIO(data)), "csv"
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as error:
        raise InputRejected(name, "readable_dataset", 1, str(error).splitlines()[0]) from error
    if table.num_rows == 0:
        raise InputRejected(name, "has_data_rows", 0, "a header but no data rows")
    return Readable(fmt, table.num_rows, table.column_names)
