"""Capture of raw-record endpoints -> the capture the drift and bias measurements read.

An inference-pipeline endpoint (docs/raw-records.md) captures the request as the caller sent it:
raw records, CSV (header optional) or JSON. This step encodes each captured request with the
model's encoding (`lockgate.serving.encoder`, the spec built from the dataset's contract by the data
gate's code, as the run's artifact was) into the feature rows `read_capture` takes, and a JSON
answer into one score per line. A request already numeric (an endpoint of a package registered
before raw records) is kept as it is; a request the encoder refuses is dropped and counted.
`facet_records` reads the contract columns live bias needs from the same raw requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from lockgate.data.contract import Contract
from lockgate.messages.base import JsonObject
from lockgate.serving.artifact import spec
from lockgate.serving.encoder import Encoder, EncoderError, matrix_csv, scores_of


def encode_capture(
    blobs: list[bytes], contract: Contract, dataset: str, version: str
) -> tuple[list[bytes], int]:
    """(capture blobs with every raw request encoded, requests dropped as unreadable)."""
    encoder = Encoder(spec(contract, dataset=dataset, version=version))
    out, dropped = [], 0
    for blob in blobs:
        encoded, lost = _encode_blob(blob, encoder)
        dropped += lost
        if encoded:
            out.append(encoded)
    return out, dropped


def capture_encoder(contract: Contract, dataset: str, version: str) -> Callable[[bytes], bytes]:
    """One capture file -> the same with every raw request encoded as the model's features; a line
    that is not JSON stays as it is (the capture reader counts and skips it), a request the encoder
    refuses is dropped."""
    encoder = Encoder(spec(contract, dataset=dataset, version=version))
    return lambda blob: _encode_blob(blob, encoder)[0]


def facet_records(
    blobs: list[bytes], contract: Contract, dataset: str, version: str, columns: list[str]
) -> dict[str, JsonObject]:
    """eventId -> {column: the value the caller sent} for every captured raw request of one record
    (CSV with or without a header, or JSON `instances`), parsed by the model's encoder; numeric,
    unreadable and several-record requests are left out."""
    encoder = Encoder(spec(contract, dataset=dataset, version=version))
    found: dict[str, JsonObject] = {}
    for blob in blobs:
        for line in blob.decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                event = str(record["eventMetadata"]["eventId"])
                given = record["captureData"]["endpointInput"]
                text, kind = given["data"], str(given.get("observedContentType") or "text/csv")
            except (ValueError, KeyError, TypeError):
                continue
            if not isinstance(text, str) or (kind.startswith("text/csv") and _numeric(text, encoder.width)):
                continue
            try:
                names, rows = encoder.records(text.encode(), kind)
            except EncoderError:
                continue
            if len(rows) == 1 and len(rows[0]) == len(names):
                values = dict(zip(names, rows[0], strict=True))
                found[event] = {c: values.get(c) for c in columns}
    return found


def _encode_blob(blob: bytes, encoder: Encoder) -> tuple[bytes, int]:
    lines: list[str] = []
    dropped = 0
    for line in blob.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            lines.append(line)
            continue
        if not isinstance(record, dict):
            lines.append(line)
        elif _encode(record, encoder):
            lines.append(json.dumps(record))
        else:
            dropped += 1
    return (("\n".join(lines) + "\n").encode() if lines else b""), dropped


def _encode(record: JsonObject, encoder: Encoder) -> bool:
    """Encode one data-capture record in place (a true JSON boundary: a line SageMaker wrote)."""
    data = record.get("captureData", {})
    given = data.get("endpointInput")
    if not given or not isinstance(given.get("data"), str):
        return True
    kind = str(given.get("observedContentType") or "text/csv")
    if kind.startswith("text/csv") and _numeric(given["data"], encoder.width):
        return True
    try:
        matrix = encoder.encode_body(given["data"].encode(), kind)
    except EncoderError:
        return False
    given.update(data=matrix_csv(matrix), observedContentType="text/csv", encoding="CSV")
    answer = data.get("endpointOutput")
    if answer and isinstance(answer.get("data"), str):
        scores = scores_of(answer["data"], str(answer.get("observedContentType") or "text/csv"))
        answer.update(data="\n".join(scores), observedContentType="text/csv", encoding="CSV")
    return True


def _numeric(text: str, width: int) -> bool:
    first = text.split("\n", 1)[0].split(",")
    if len(first) != width:
        return False
    try:
        [float(v) for v in first if v]
    except ValueError:
        return False
    return True
