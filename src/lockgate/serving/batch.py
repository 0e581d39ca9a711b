"""Batch inference on new raw records (`lockgate batch-predict`): which rows go to the transform,
which go to the bad-rows report, and the scores joined back to the input's keys. No AWS here.

The rows are checked by the model's own encoder (`lockgate.serving.encoder_table`, the vectorised
path of the script the transform's encoder container runs), so a row that would fail the container (and
with it the whole transform job) is reported instead, named by row and column, and the rest are
scored. The transform reads the good rows as headerless CSV in contract order without the label;
its `.out` answers one score per line in that order, which `join` puts beside each row's keys.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from lockgate.serving import encoder_table as table_module
from lockgate.serving.encoder import Encoder
from lockgate.serving.encoder_table import encode_table, read_csv_table

CHUNK_BYTES = 8 << 20  # a batch is read, encoded and predicted in chunks of about this size


@dataclass
class BatchInput:
    """A new-data file, checked: the transform's input and what the report says."""

    rows: int
    good: np.ndarray  # bool per input row
    records: bytes  # the good rows: headerless CSV, contract order without the label
    keys: pa.Table  # the good rows' key columns (the row number when the contract has no keys)
    problems: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        """Rows that go to the transform."""
        return int(self.good.sum())


def check(encoder: Encoder, body: bytes, keys: list[str]) -> BatchInput:
    """Read and check a CSV of raw records (header optional)."""
    table = read_csv_table(encoder, body, keys)
    _, good, problems = encode_table(encoder, table)
    kept = table.filter(pa.array(good))
    columns = [
        kept.column(name) if name in kept.column_names else pa.array([""] * kept.num_rows, pa.string())
        for name in encoder.inputs
    ]
    sink = io.BytesIO()
    if kept.num_rows:
        pacsv.write_csv(
            pa.table(columns, names=encoder.inputs), sink, pacsv.WriteOptions(include_header=False)
        )
    present = [k for k in keys if k in kept.column_names]
    key_table = (
        kept.select(present) if present else pa.table({"row": pa.array(np.flatnonzero(good) + 1, pa.int64())})
    )
    return BatchInput(table.num_rows, good, sink.getvalue(), key_table, problems)


def join(batch: BatchInput, scores_text: str) -> bytes:
    """`<keys>,score` CSV with a header line: one line per scored row, in input order."""
    scores = [line.split(",")[0] for line in scores_text.splitlines() if line.strip()]
    if len(scores) != batch.scored:
        raise ValueError(f"the transform answered {len(scores)} scores for {batch.scored} rows")
    table = batch.keys.append_column("score", pa.array(np.array(scores, dtype=np.float64)))
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


class BatchReport(TypedDict):
    """The bad-rows report of one batch-predict run."""

    input: str
    package: str
    rows: int
    scored: int
    bad: int
    scores: str
    problems: list[str]


def report(batch: BatchInput, source: str, package: str, scores_uri: str) -> BatchReport:
    """The bad-rows report (JSON): the file, the counts, every problem (row and column) kept."""
    return {
        "input": source,
        "package": package,
        "rows": batch.rows,
        "scored": batch.scored,
        "bad": batch.rows - batch.scored,
        "scores": scores_uri,
        "problems": batch.problems,
    }


def report_json(value: BatchReport) -> bytes:
    """The report as stored."""
    return json.dumps(value, indent=1).encode()


def score_csv(
    body: bytes,
    encoder: Any,
    predict: Callable[[np.ndarray], np.ndarray],
    *,
    module: ModuleType = table_module,
    chunk_bytes: int = CHUNK_BYTES,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Scores of a CSV of raw records (the good rows, in order), the good-row mask and the
    problems: chunks are read and encoded by `module` (the encoder's vectorised path: the installed
    one, or the one a model's artifact shipped) on a second thread while the previous chunk is
    predicted (pyarrow and XGBoost release the GIL), so the encoding hides behind the prediction."""
    header, parts = _chunks(body, encoder, chunk_bytes)

    def encode(part: bytes, first_row: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
        table = module.read_csv_table(encoder, header + part, [], use_threads=False)
        found: tuple[np.ndarray, np.ndarray, list[str]] = module.encode_table(encoder, table, first_row)
        return found

    scores: list[np.ndarray] = []
    goods: list[np.ndarray] = []
    problems: list[str] = []
    with ThreadPoolExecutor(1, thread_name_prefix="lockgate-encode") as pool:
        futures, first = [], 1
        for part in parts:
            futures.append(pool.submit(encode, part, first))
            first += part.count(b"\n") + (0 if part.endswith(b"\n") else 1)
        for future in futures:
            matrix, good, found = future.result()
            scores.append(np.atleast_1d(predict(matrix)) if len(matrix) else np.empty(0))
            goods.append(good)
            problems += found
    if not scores:
        return np.empty(0), np.empty(0, dtype=bool), problems
    return np.concatenate(scores), np.concatenate(goods), problems


def _chunks(body: bytes, encoder: Any, size: int) -> tuple[bytes, list[bytes]]:
    """(header line or b"", chunks of whole lines): split at newlines outside quotes."""
    header = b""
    first_line = body.split(b"\n", 1)[0]
    fields = [f.strip().strip('"') for f in first_line.decode("utf-8", "replace").lstrip("\ufeff").split(",")]
    named = [f for f in fields if f in encoder.by_name]
    if named and 2 * len(named) >= len(fields):
        header, body = first_line + b"\n", body[len(first_line) + 1 :]
    parts: list[bytes] = []
    start = 0
    while start < len(body):
        cut = body.find(b"\n", min(start + size, len(body)))
        while cut != -1 and body.count(b'"', start, cut) % 2:  # inside a quoted field
            cut = body.find(b"\n", cut + 1)
        end = len(body) if cut == -1 else cut + 1
        parts.append(body[start:end])
        start = end
    return header, [p for p in parts if p.strip()]
