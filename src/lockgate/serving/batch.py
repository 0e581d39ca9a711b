"""Batch inference on new raw records (`lockgate batch-predict`): which rows go to the transform,
which go to the bad-rows report, and the scores joined back to the input's keys. No AWS here.

The rows are checked by the model's own encoder (`lockgate.serving.encoder`, the vectorised path of
the script the transform's encoder container runs), so a row that would fail the container (and
with it the whole transform job) is reported instead, named by row and column, and the rest are
scored. The transform reads the good rows as headerless CSV in contract order without the label;
its `.out` answers one score per line in that order, which `join` puts beside each row's keys.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from lockgate.serving.encoder import Encoder, encode_table, read_csv_table


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
    table = read_csv_table(encoder, body)
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


def report(batch: BatchInput, source: str, package: str, scores_uri: str) -> dict[str, Any]:
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


def report_json(value: dict[str, Any]) -> bytes:
    """The report as stored."""
    return json.dumps(value, indent=1).encode()
