"""Endpoint data capture files (AWS's JSON Lines layout) -> a feature matrix, predictions, event ids.

One line per request: captureData.endpointInput.data is the request body (CSV rows, no header),
captureData.endpointOutput.data the response (one score per row), eventMetadata.eventId the id.
A line that is not JSON or lacks those fields is counted and skipped (`Captured.skipped`, per file),
never a reason to drop the rest of the capture.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from lockgate.errors import InputRejected


@dataclass(frozen=True)
class Captured:
    """Captured rows: features[n, k], scores[n] (NaN when absent), event id per row."""

    features: np.ndarray
    scores: np.ndarray
    event_ids: np.ndarray
    skipped: dict[str, int] = field(default_factory=dict)  # file -> malformed lines skipped

    @property
    def rows(self) -> int:
        """Number of captured rows."""
        return int(self.features.shape[0])


def read_capture(
    blobs: list[bytes], feature_count: int, source: str = "capture", keys: list[str] | None = None
) -> Captured:
    """Parse capture files (`keys` name them in the skipped-line counts). A request's CSV may hold
    several rows: each row keeps its request's id. A row whose width is not `feature_count` is an
    InputRejected naming the count."""
    names = keys or [f"{source}#{i}" for i in range(len(blobs))]
    body = b"\n".join(b.rstrip(b"\n") for b in blobs if b.strip())
    skipped: dict[str, int] = {}
    try:
        table = pajson.read_json(io.BytesIO(body)) if body else None
        if table is not None:
            table.column("captureData"), table.column("eventMetadata")
    except (pa.ArrowInvalid, KeyError):
        good, skipped = _well_formed(blobs, names)
        table = pajson.read_json(io.BytesIO(b"\n".join(good))) if good else None
    if table is None:
        empty = Captured(np.empty((0, feature_count)), np.empty(0), np.empty(0, dtype=object))
        return Captured(empty.features, empty.scores, empty.event_ids, skipped)
    capture = table.column("captureData")
    inputs = pc.struct_field(pc.struct_field(capture, "endpointInput"), "data")
    outputs = pc.struct_field(pc.struct_field(capture, "endpointOutput"), "data")
    ids = pc.struct_field(table.column("eventMetadata"), "eventId")
    features = _csv_matrix(inputs, feature_count, source)
    scores = (
        _csv_matrix(outputs, 1, source)[:, 0]
        if outputs.null_count < len(outputs)
        else np.full(len(features), np.nan)
    )
    per_request = _rows_per_request(inputs)
    event_ids = np.repeat(np.asarray(ids.to_pylist(), dtype=object), per_request)
    if len(scores) != len(features):
        scores = np.full(len(features), np.nan)
    return Captured(features, scores, event_ids, skipped)


def _well_formed(blobs: list[bytes], names: list[str]) -> tuple[list[bytes], dict[str, int]]:
    """The lines that are capture records; the count of the others per file."""
    good: list[bytes] = []
    skipped: dict[str, int] = {}
    for name, blob in zip(names, blobs, strict=True):
        for line in blob.splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                ok = isinstance(record["captureData"]["endpointInput"]["data"], str) and isinstance(
                    record["eventMetadata"]["eventId"], str
                )
            except (ValueError, KeyError, TypeError):
                ok = False
            if ok:
                good.append(line)
            else:
                skipped[name] = skipped.get(name, 0) + 1
    return good, skipped


def _csv_matrix(column: pa.ChunkedArray, width: int, source: str) -> np.ndarray:
    """Parse every value of a string column as CSV rows in one pyarrow pass (no Python loop)."""
    lines = pc.binary_join_element_wise(pc.fill_null(column.combine_chunks(), ""), "", "\n")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return np.empty((0, width))
    body = data[int(offsets[0]) : int(offsets[-1])]
    options = pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 26)
    parsed = pacsv.read_csv(pa.BufferReader(body), read_options=options)
    if parsed.num_rows == 0:
        return np.empty((0, width))
    if parsed.num_columns != width:
        raise InputRejected(
            source,
            "capture_feature_count",
            parsed.num_rows,
            f"captured rows have {parsed.num_columns} values, the model takes {width}",
        )
    return np.column_stack([parsed.column(i).to_numpy().astype(np.float64) for i in range(width)])


def _rows_per_request(inputs: pa.ChunkedArray) -> np.ndarray:
    text = pc.fill_null(inputs.combine_chunks(), "")
    stripped = pc.utf8_rtrim(text, characters="\n")
    return np.asarray(pc.add(pc.count_substring(stripped, "\n"), 1).to_numpy(zero_copy_only=False))


def combine(parts: list[Captured], feature_count: int) -> Captured:
    """Several captures as one (rows in order, skipped-line counts merged)."""
    if not parts:
        return Captured(np.empty((0, feature_count)), np.empty(0), np.empty(0, dtype=object))
    skipped: dict[str, int] = {}
    for part in parts:
        for key, count in part.skipped.items():
            skipped[key] = skipped.get(key, 0) + count
    return Captured(
        np.vstack([p.features for p in parts]),
        np.concatenate([p.scores for p in parts]),
        np.concatenate([p.event_ids for p in parts]),
        skipped,
    )
