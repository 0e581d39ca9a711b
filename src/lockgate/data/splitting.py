"""Deterministic train/validation/test splits, written twice as Parquet: the dataset's columns,
and the numeric matrix SageMaker's built-in XGBoost trains on.

Assignment: each row gets u = hash(row, seed) in [0, 1) (`hashing.unit_interval`); the row goes to
train if u < train, to validation if u < train + validation, else to test. The row hash is of the
key columns when the contract declares keys, else of every declared column, so a row's split depends
only on its content and the seed: never on file boundaries, batch sizes, row order or the number
of parts, and appending rows never moves old ones.

Outputs (same input rows in the same order => byte-identical bytes), both with pinned writer
options (format 2.6, snappy, statistics on, fixed `ROW_GROUP_ROWS` row groups independent of the
input batches; Parquet stores no timestamps; the `created_by` footer names the pyarrow version, so
pin pyarrow):
- "parquet": every declared column in contract order (plain types: strings are not dictionary
  typed; dictionary pages for string columns only).
- "xgboost": what the built-in XGBoost reads as `application/x-parquet` (its container does
  `pq.read_table`, then column 0 is the label and columns 1: the features, by position, names
  ignored): the label first (int8: 1 = positive, 0 = otherwise), then the features
  (`feature_names`) in contract order: integer and float columns as they are, booleans as int8
  1/0, string columns with `allowed` values one-hot encoded as int8 columns `<column>=<value>` in
  the order of `allowed` (a value outside `allowed` is all zeros); key columns and string columns
  without `allowed` are not features. A null stays null (XGBoost: missing). Batch transform takes
  no Parquet, so the test split's transform input is CSV written later, only for a training run
  (`xgboost_files.xgboost_csv`, used by lockgate.pipeline.train_plan; `xgboost_files` reads the
  splits back).
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lockgate.data.contract import Contract
from lockgate.data.hashing import row_hashes, unit_interval
from lockgate.data.rules import ARROW_TYPES
from lockgate.layout import KINDS, SPLITS

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


def xgboost_schema(contract: Contract) -> pa.Schema:
    """The xgboost/ split's columns: the label (named after the contract's), then the features."""
    fields = [pa.field(contract.label.column, pa.int8(), nullable=False)]
    for col in contract.columns:
        if col.name == contract.label.column or col.name in contract.keys:
            continue
        if col.type == "string":
            if col.allowed is not None:
                fields.extend(pa.field(f"{col.name}={v}", pa.int8(), nullable=False) for v in col.allowed)
        elif col.type == "boolean":
            fields.append(pa.field(col.name, pa.int8()))
        else:
            fields.append(pa.field(col.name, ARROW_TYPES[col.type]))
    return pa.schema(fields)


def _label(arr: pa.Array, contract: Contract) -> pa.Array:
    label = contract.label
    if label.positive_values is not None:
        col_type = contract.column(label.column).type
        positive = pc.is_in(arr, pa.array(label.positive_values, ARROW_TYPES[col_type]))
    else:
        positive = pc.greater(arr, pa.scalar(float(label.positive_threshold or 0.0)))
    return pc.cast(pc.fill_null(positive, False), pa.int8())


def _one_hot(arr: pa.Array, allowed: list[Any]) -> list[pa.Array]:
    """One int8 column per allowed value (a null or a value outside `allowed`: all zeros)."""
    k = len(allowed)
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    position = pc.fill_null(pc.index_in(encoded.dictionary, pa.array(allowed, encoded.dictionary.type)), k)
    codes = pc.fill_null(pc.take(position, encoded.indices), k).to_numpy(zero_copy_only=False)
    return [pa.array((codes == j).view(np.int8)) for j in range(k)]


def xgboost_columns(batch: pa.RecordBatch, contract: Contract) -> list[pa.Array]:
    """The xgboost/ split's columns of one typed batch, in `xgboost_schema` order."""
    columns = [_label(batch.column(contract.label.column), contract)]
    for col in contract.columns:
        if col.name == contract.label.column or col.name in contract.keys:
            continue
        arr = batch.column(col.name)
        if col.type == "string":
            if col.allowed is not None:
                columns.extend(_one_hot(arr, col.allowed))
        elif col.type == "boolean":
            columns.append(pc.cast(arr, pa.int8()))
        else:
            target = ARROW_TYPES[col.type]
            columns.append(arr if arr.type == target else arr.cast(target))
    return columns


class _ParquetSink:
    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        strings = [f.name for f in schema if pa.types.is_string(f.type)]  # dictionary pages for strings only
        self.writer = pq.ParquetWriter(sink, schema, use_dictionary=strings, **PARQUET_OPTIONS)
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

    def discard(self) -> None:
        """Close without flushing; a failing sink is not retried (nor by ParquetWriter.__del__)."""
        try:
            self.writer.close()
        except OSError:
            self.writer.is_open = False


class _Lane:
    """One background worker: runs `work(item)` for each item in order, on its own thread.

    The queue is bounded (memory stays bounded); the thread starts on the first item and exits
    after `idle_seconds` without items, so a lane that is never stopped leaks no thread."""

    def __init__(self, name: str, work: Callable[[Any], None], idle_seconds: float) -> None:
        self.name, self.work, self.idle_seconds = name, work, idle_seconds
        self.error: BaseException | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=4)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, item: Any) -> None:
        with self._lock:
            self._queue.put(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name=self.name, daemon=True)
                self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():  # nothing can arrive while we hold the lock
                        self._thread = None
                        return
                continue
            if item is _STOP:
                return
            if self.error is None:
                try:
                    self.work(item)
                except BaseException as exc:  # handed to the caller by Splitter.close()
                    self.error = exc

    def stop(self) -> None:
        with self._lock:
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join()
        self._thread = None


_STOP = object()


class Splitter:
    """A `validation.BatchConsumer` writing each split's two Parquet files to the sinks returned by
    `open_sink(split, kind)` (kind: "parquet" or "xgboost"); `close()` closes them.

    The caller's thread assigns rows to splits; the two Parquet writers each run on a
    background thread (batches in order, so the bytes never depend on timing; bounded queues keep
    memory bounded), overlapping the parsing and validation of the next batch (Arrow releases the
    GIL). End with `close()` (flush; re-raises a writer error) or `abort()` (after a failed
    validation), or use it as a context manager. A splitter never closed leaks no thread for long:
    its threads exit after `IDLE_SECONDS` without batches."""

    IDLE_SECONDS = 30.0

    def __init__(
        self, contract: Contract, open_sink: Callable[[str, str], BinaryIO], *, threaded: bool = True
    ) -> None:
        self.contract = contract
        self.schema = contract_schema(contract)
        self.rows = dict.fromkeys(SPLITS, 0)
        self.xgboost_schema = xgboost_schema(contract)
        self._parquet = [_ParquetSink(open_sink(s, "parquet"), self.schema) for s in SPLITS]
        self._xgboost = [_ParquetSink(open_sink(s, "xgboost"), self.xgboost_schema) for s in SPLITS]
        self._threaded = threaded
        self._aborted = False
        self._lanes = [
            _Lane("lockgate-split-parquet", self._write_parquet, self.IDLE_SECONDS),
            _Lane("lockgate-split-xgboost", self._write_xgboost, self.IDLE_SECONDS),
        ]

    def __enter__(self) -> Splitter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _error(self) -> BaseException | None:
        if self._aborted:
            return RuntimeError("splitter aborted")
        return next((lane.error for lane in self._lanes if lane.error is not None), None)

    def __call__(self, batch: pa.RecordBatch, first_row: int = 0) -> None:
        """Route the rows of one typed batch (all declared columns, in contract order)."""
        if (error := self._error()) is not None:
            raise error
        which = assign(batch, self.contract)
        counts = np.bincount(which, minlength=3)
        # rows grouped by split, in input order (cheap on dictionary-encoded string columns)
        grouped = batch.take(pa.array(np.argsort(which, kind="stable")))
        for i, name in enumerate(SPLITS):
            self.rows[name] += int(counts[i])
        for lane in self._lanes:
            if self._threaded:
                lane.put((grouped, counts))
            else:
                lane.work((grouped, counts))

    @staticmethod
    def _slices(counts: np.ndarray) -> list[tuple[int, int, int]]:
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return [(i, int(starts[i]), int(counts[i])) for i in range(len(SPLITS)) if counts[i]]

    def _write_parquet(self, item: tuple[pa.RecordBatch, np.ndarray]) -> None:
        grouped, counts = item
        for i, start, count in self._slices(counts):
            part = grouped.slice(start, count)
            plain = [
                a.cast(f.type) if a.type != f.type else a
                for a, f in zip(part.columns, self.schema, strict=True)
            ]
            self._parquet[i].write(pa.RecordBatch.from_arrays(plain, schema=self.schema))

    def _write_xgboost(self, item: tuple[pa.RecordBatch, np.ndarray]) -> None:
        grouped, counts = item
        columns = xgboost_columns(grouped, self.contract)
        matrix = pa.RecordBatch.from_arrays(columns, schema=self.xgboost_schema)
        for i, start, count in self._slices(counts):
            self._xgboost[i].write(matrix.slice(start, count))

    def close(self) -> None:
        """Wait for the writer threads, flush and close every writer; re-raise a writer error."""
        for lane in self._lanes:
            lane.stop()
        error = self._error()
        for pw in (*self._parquet, *self._xgboost):  # after a failure, close the rest without flushing
            if error is None:
                try:
                    pw.close()
                except OSError as exc:
                    error = exc
                    pw.discard()
            else:
                pw.discard()
        if error is not None:
            raise error

    def abort(self) -> None:
        """Stop without flushing (after a failed validation: the partial output is discarded)."""
        self._aborted = True
        for lane in self._lanes:
            lane.error = lane.error or RuntimeError("splitter aborted")
            lane.stop()
        for pw in (*self._parquet, *self._xgboost):  # now, not from __del__ after the sinks closed
            pw.discard()


def split_table(
    table: pa.Table, contract: Contract, batch_rows: int = 1 << 16
) -> dict[str, dict[str, bytes]]:
    """Split an in-memory typed table: {split: {"parquet": bytes, "xgboost": bytes}} (small data, tests)."""
    buffers = {(s, k): io.BytesIO() for s in SPLITS for k in KINDS}

    def open_sink(split: str, kind: str) -> BinaryIO:
        return cast(BinaryIO, _Unclosable(buffers[(split, kind)]))  # a raw binary stream: write, no close

    splitter = Splitter(contract, open_sink)
    for batch in table.select([c.name for c in contract.columns]).to_batches(max_chunksize=batch_rows):
        splitter(batch)
    splitter.close()
    return {s: {k: buffers[(s, k)].getvalue() for k in KINDS} for s in SPLITS}


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
