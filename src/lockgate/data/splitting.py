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
import queue
import threading
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lockgate.data.contract import Contract
from lockgate.data.hashing import row_hashes, unit_interval
from lockgate.data.rules import ARROW_TYPES

SPLITS = ("train", "validation", "test")
ROW_GROUP_ROWS = 1 << 17
PARQUET_OPTIONS = {
    "version": "2.6",
    "compression": "snappy",
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


def _label_strings(arr: pa.Array, contract: Contract) -> pa.Array:
    label = contract.label
    if label.positive_values is not None:
        col_type = contract.column(label.column).type
        positive = pc.is_in(arr, pa.array(label.positive_values, ARROW_TYPES[col_type]))
    else:
        positive = pc.greater(arr, pa.scalar(float(label.positive_threshold or 0.0)))
    return pc.if_else(pc.fill_null(positive, False), "1", "0")


def _one_hot_strings(arr: pa.Array, allowed: list) -> pa.Array:
    """The one-hot block of a categorical column as text: "0,1,0" per row (all zeros if not allowed)."""
    k = len(allowed)
    segments = pa.array([",".join("1" if j == i else "0" for j in range(k)) for i in range(k + 1)])
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    position = pc.fill_null(pc.index_in(encoded.dictionary, pa.array(allowed, encoded.dictionary.type)), k)
    return pc.fill_null(pc.take(segments, pc.take(position, encoded.indices)), segments[k])


def xgboost_rows(batch: pa.RecordBatch, contract: Contract) -> pa.Array:
    """One XGBoost CSV line per row (no newline): label 1/0, then the features (module docstring).

    Built with Arrow string kernels: numbers are formatted by Arrow's cast to string, which is the
    same shortest round-trip formatting its CSV writer uses; a null is an empty field."""
    fields = [_label_strings(batch.column(contract.label.column), contract)]
    for col in contract.columns:
        if col.name == contract.label.column or col.name in contract.keys:
            continue
        arr = batch.column(col.name)
        if col.type == "string":
            if col.allowed is not None:
                fields.append(_one_hot_strings(arr, col.allowed))
        elif col.type == "boolean":
            fields.append(pc.cast(pc.cast(arr, pa.int8()), pa.string()))
        else:
            fields.append(pc.cast(arr, pa.string()))
    return pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")


def _csv_bytes(rows: pa.Array) -> pa.Buffer:
    lines = pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()), rows)
    text = pc.binary_join(lines, "\n")[0]
    return pa.py_buffer(text.as_buffer().to_pybytes() + b"\n")


class _ParquetSink:
    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        strings = [f.name for f in schema if pa.types.is_string(f.type)]  # dictionary pages for strings only
        self.writer = pq.ParquetWriter(sink, schema, use_dictionary=strings, **PARQUET_OPTIONS)  # type: ignore[arg-type]
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
    returned by `open_sink(split, kind)` (kind: "parquet" or "csv"); `close()` closes them.

    The encoding and writing run in a background thread (one at a time, batches in order, so the
    bytes never depend on timing; a bounded queue keeps memory bounded), overlapping the parsing
    and validation of the next batch. End with `close()` (flush; re-raises a writer error) or
    `abort()` (after a failed validation), or use it as a context manager. A splitter that is
    never closed leaks nothing for long: its thread exits after `IDLE_SECONDS` without batches."""

    IDLE_SECONDS = 30.0

    def __init__(
        self, contract: Contract, open_sink: Callable[[str, str], BinaryIO], *, threaded: bool = True
    ) -> None:
        self.contract = contract
        self.schema = contract_schema(contract)
        self.rows = dict.fromkeys(SPLITS, 0)
        self._parquet = [_ParquetSink(open_sink(s, "parquet"), self.schema) for s in SPLITS]
        self._csv_sinks = [open_sink(s, "csv") for s in SPLITS]
        self._error: BaseException | None = None
        self._threaded = threaded
        self._queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=4)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Splitter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __call__(self, batch: pa.RecordBatch, first_row: int = 0) -> None:
        """Route the rows of one typed batch (all declared columns, in contract order)."""
        if self._error is not None:
            raise self._error
        if not self._threaded:
            self._write(batch)
            return
        with self._lock:
            self._queue.put(batch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="lockgate-splitter", daemon=True)
                self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                batch = self._queue.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():  # nothing can arrive while we hold the lock
                        self._thread = None
                        return
                continue
            if batch is None:
                return
            if self._error is None:
                try:
                    self._write(batch)
                except BaseException as exc:  # handed to the caller by close()
                    self._error = exc

    def _write(self, batch: pa.RecordBatch) -> None:
        which = assign(batch, self.contract)
        counts = np.bincount(which, minlength=3)
        # rows grouped by split, in input order (cheap on dictionary-encoded string columns)
        grouped = batch.take(pa.array(np.argsort(which, kind="stable")))
        lines = xgboost_rows(grouped, self.contract)
        start = 0
        for i, name in enumerate(SPLITS):
            count = int(counts[i])
            if not count:
                continue
            self.rows[name] += count
            part = grouped.slice(start, count)
            plain = [
                a.cast(f.type) if a.type != f.type else a
                for a, f in zip(part.columns, self.schema, strict=True)
            ]
            self._parquet[i].write(pa.RecordBatch.from_arrays(plain, schema=self.schema))
            self._csv_sinks[i].write(memoryview(_csv_bytes(lines.slice(start, count))))
            start += count

    def _stop(self) -> None:
        with self._lock:
            thread = self._thread
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()
        self._thread = None

    def close(self) -> None:
        """Wait for the writer thread, flush and close every writer; re-raise a writer error."""
        self._stop()
        if self._error is not None:
            raise self._error
        for pw in self._parquet:
            pw.close()
        for sink in self._csv_sinks:
            sink.close()

    def abort(self) -> None:
        """Stop without flushing (after a failed validation: the partial output is discarded)."""
        self._error = self._error or RuntimeError("splitter aborted")
        self._stop()


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
