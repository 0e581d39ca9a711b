"""Deterministic train/validation/test splits, written as Parquet and as SageMaker XGBoost CSV.

Assignment: each row gets u = hash(row, seed) in [0, 1) (`hashing.unit_interval`); the row goes to
train if u < train, to validation if u < train + validation, else to test. The row hash is of the
key columns when the contract declares keys, else of every declared column, so a row's split depends
only on its content and the seed: never on file boundaries, batch sizes, row order or the number
of parts, and appending rows never moves old ones.

Outputs (same input rows in the same order => byte-identical bytes):
- Parquet with every declared column in contract order, pinned writer options (format 2.6, snappy,
  dictionary on, statistics on, fixed `ROW_GROUP_ROWS` row groups independent of the input batches;
  Parquet stores no timestamps).
- Headerless CSV for the SageMaker built-in XGBoost algorithm: label first (1 = positive, 0 =
  otherwise), then the features (`feature_names`) in contract order: integer and float columns as
  they are, booleans as 1/0, string columns with `allowed` values one-hot encoded as
  `<column>=<value>` in the order of `allowed` (a value outside `allowed` is all zeros); key columns
  and string columns without `allowed` are not features. A null is an empty field (XGBoost: missing).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockgate.data.contract import Contract
from lockgate.data.hashing import row_hashes, unit_interval
from lockgate.data.rules import ARROW_TYPES

SPLITS = ("train", "validation", "test")
ROW_GROUP_ROWS = 1 << 17
PARQUET_OPTIONS = {
    "version": "2.6",
    "compression": "snappy",
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_version": "1.0",
}


def contract_schema(contract: Contract) -> pa.Schema:
    """The Arrow schema of a validated dataset: every declared column in contract order."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in contract.columns])


def feature_names(contract: Contract) -> list[str]:
    """The XGBoost CSV feature columns after the label, in order (see the module docstring)."""
    names: list[str] = []
    for col in contract.columns:
        if col.name == contract.label.column or col.name in contract.keys:
            continue
        if col.type == "string":
            if col.allowed is not None:
                names.extend(f"{col.name}={v}" for v in col.allowed)
        else:
            names.append(col.name)
    return names


def assign(batch: pa.RecordBatch, contract: Contract) -> np.ndarray:
    """Split index per row (0 train, 1 validation, 2 test) of a typed batch."""
    cols = contract.keys or [c.name for c in contract.columns]
    hashes = row_hashes([(batch.column(n), contract.column(n).type) for n in cols], batch.num_rows)
    u = unit_interval(hashes, contract.split.seed)
    edges = np.array([contract.split.train, contract.split.train + contract.split.validation])
    return np.searchsorted(edges, u, side="right").astype(np.int8)


def _label_ints(arr: pa.Array, contract: Contract) -> pa.Array:
    label = contract.label
    if label.positive_values is not None:
        col_type = contract.column(label.column).type
        positive = pc.is_in(arr, pa.array(label.positive_values, ARROW_TYPES[col_type]))
    else:
        positive = pc.greater(arr, pa.scalar(float(label.positive_threshold or 0.0)))
    return pc.cast(pc.fill_null(positive, False), pa.int8())


def xgboost_table(batch: pa.RecordBatch, contract: Contract) -> pa.Table:
    """Label (1/0) then the encoded features of a typed batch (see the module docstring)."""
    arrays = [_label_ints(batch.column(contract.label.column), contract)]
    names = [contract.label.column]
    for col in contract.columns:
        if col.name == contract.label.column or col.name in contract.keys:
            continue
        arr = batch.column(col.name)
        if col.type == "string":
            for value in col.allowed or []:
                arrays.append(pc.cast(pc.equal(arr, value), pa.int8()))
                names.append(f"{col.name}={value}")
        elif col.type == "boolean":
            arrays.append(pc.cast(arr, pa.int8()))
            names.append(col.name)
        else:
            arrays.append(arr)
            names.append(col.name)
    return pa.Table.from_arrays(arrays, names=names)


class _ParquetSink:
    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        self.writer = pq.ParquetWriter(sink, schema, **PARQUET_OPTIONS)  # type: ignore[arg-type]
        self.schema = schema
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            table = pa.Table.from_batches(self.pending, self.schema)
            full = (self.pending_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
            self.writer.write_table(table.slice(0, full), row_group_size=ROW_GROUP_ROWS)
            rest = table.slice(full)
            self.pending = rest.combine_chunks().to_batches() if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def close(self) -> None:
        if self.pending_rows:
            self.writer.write_table(
                pa.Table.from_batches(self.pending, self.schema), row_group_size=ROW_GROUP_ROWS
            )
        self.writer.close()


class Splitter:
    """A `validation.BatchConsumer` writing each split's Parquet and XGBoost CSV to the sinks
    returned by `open_sink(split, kind)` (kind: "parquet" or "csv"). Call `close()` at the end."""

    def __init__(self, contract: Contract, open_sink: Callable[[str, str], BinaryIO]) -> None:
        self.contract = contract
        self.schema = contract_schema(contract)
        self.rows = dict.fromkeys(SPLITS, 0)
        self._parquet = [_ParquetSink(open_sink(s, "parquet"), self.schema) for s in SPLITS]
        self._csv_sinks = [open_sink(s, "csv") for s in SPLITS]
        self._csv: list[pacsv.CSVWriter | None] = [None, None, None]

    def __call__(self, batch: pa.RecordBatch, first_row: int = 0) -> None:
        """Route the rows of one typed batch (all declared columns, in contract order)."""
        batch = pa.RecordBatch.from_arrays(batch.columns, schema=self.schema)
        which = assign(batch, self.contract)
        for i, name in enumerate(SPLITS):
            mask = which == i
            count = int(mask.sum())
            if not count:
                continue
            part = batch.filter(pa.array(mask)) if count < batch.num_rows else batch
            self.rows[name] += count
            self._parquet[i].write(part)
            table = xgboost_table(part, self.contract)
            if self._csv[i] is None:
                self._csv[i] = pacsv.CSVWriter(
                    self._csv_sinks[i], table.schema, write_options=pacsv.WriteOptions(include_header=False)
                )
            self._csv[i].write_table(table)  # type: ignore[union-attr]

    def close(self) -> None:
        """Flush and close every writer (the sinks stay open for the caller)."""
        for pw in self._parquet:
            pw.close()
        for cw in self._csv:
            if cw is not None:
                cw.close()


def split_table(
    table: pa.Table, contract: Contract, batch_rows: int = 1 << 16
) -> dict[str, dict[str, bytes]]:
    """Split an in-memory typed table: {split: {"parquet": bytes, "csv": bytes}} (small data, tests)."""
    buffers = {(s, k): io.BytesIO() for s in SPLITS for k in ("parquet", "csv")}

    def open_sink(split: str, kind: str) -> BinaryIO:
        return _Unclosable(buffers[(split, kind)])

    splitter = Splitter(contract, open_sink)
    for batch in table.select([c.name for c in contract.columns]).to_batches(max_chunksize=batch_rows):
        splitter(batch)
    splitter.close()
    return {s: {k: buffers[(s, k)].getvalue() for k in ("parquet", "csv")} for s in SPLITS}


class _Unclosable(io.RawIOBase):
    """Keeps a BytesIO readable after pyarrow closes its writer."""

    def __init__(self, inner: io.BytesIO) -> None:
        self.inner = inner

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.inner.write(data)

    def close(self) -> None:
        pass
