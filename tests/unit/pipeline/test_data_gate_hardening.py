"""Issue 10 items 1, 2, 4 and issue 11 item 6 at the data gate: Parquet uploads for any contract,
every bad file quarantined with its report, our own bugs an InternalError that leaves raw/ alone,
every writer closed on every path, and the size rule decided by validation alone."""

from __future__ import annotations

import gc
import io
import json
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.validation import check_size
from lockgate.errors import DatasetRejected, InternalError
from lockgate.pipeline.data_gate import DataGate, ObjectRef
from lockgate.sample_data import generate_credit

BUCKET = "data"
CONTRACT = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"
WHEN = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def _csv(rows: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(generate_credit(rows, seed=seed), buffer)
    return buffer.getvalue()


def _parquet(rows: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(generate_credit(rows, seed=seed), buffer)
    return buffer.getvalue()


@pytest.fixture
def gate(store: Any, tmp_path: Path) -> DataGate:
    store.put(BUCKET, "contracts/credit.yaml", CONTRACT.read_bytes())
    return DataGate(store, clock=lambda: WHEN, workdir=tmp_path)


def _upload(store: Any, key: str, body: bytes) -> ObjectRef:
    store.put(BUCKET, key, body)
    return ObjectRef(BUCKET, key, "v1", "etag", len(body))


def test_a_parquet_upload_becomes_a_version(gate: DataGate, store: Any) -> None:
    summary = gate.check_object(_upload(store, "raw/credit/x.parquet", _parquet(400, 1)), "credit")
    assert summary.new is True
    manifest = json.loads(store.read(BUCKET, f"datasets/credit/{summary.dataset_version}/manifest.json"))
    assert manifest["rows"] == 400


def test_a_blob_named_parquet_is_quarantined_with_its_report(gate: DataGate, store: Any) -> None:
    blob = bytes(range(256)) * 8
    with pytest.raises(DatasetRejected) as info:
        gate.check_object(_upload(store, "raw/credit/blob.parquet", blob), "credit")
    assert info.value.rule == "readable_parquet"
    assert store.read(BUCKET, "quarantine/credit/blob.parquet") == blob
    report = json.loads(store.read(BUCKET, "quarantine/credit/blob.parquet.report.json"))
    assert [f["rule"] for f in report["failures"]] == ["readable_parquet"]


def test_our_own_bug_is_an_internal_error_and_raw_is_left_alone(
    gate: DataGate, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lockgate.data import validation

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(validation, "profile", broken)
    body = _csv(300, 2)
    baseline = threading.active_count()
    with pytest.raises(InternalError) as info:
        gate.check_object(_upload(store, "raw/credit/a.csv", body), "credit")
    assert "s3://data/raw/credit/a.csv" in str(info.value)
    assert store.read(BUCKET, "raw/credit/a.csv") == body
    assert store.keys("datasets/") == [] and store.keys("quarantine/") == []
    assert threading.active_count() == baseline


def test_repeated_content_closes_every_writer_and_thread(gate: DataGate, store: Any) -> None:
    body = _csv(500, 3)
    gate.check_object(_upload(store, "raw/credit/first.csv", body), "credit")
    baseline = threading.active_count()
    unraisable: list[Any] = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        for number in range(3):
            again = gate.check_object(_upload(store, f"raw/credit/again-{number}.csv", body), "credit")
            assert again.new is False
            assert threading.active_count() == baseline
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [str(u.exc_value) for u in unraisable] == []


def test_the_size_rule_is_decided_by_validation_alone(gate: DataGate, store: Any) -> None:
    raw = _upload(store, "raw/credit/huge.csv", b"x")
    huge = ObjectRef(raw.bucket, raw.key, raw.version_id, raw.etag, size=10**13)
    with pytest.raises(DatasetRejected, match="max_object_bytes"):
        gate.check_object(huge, "credit")
    expected = check_size(huge.name, 10**13, gate.contract(BUCKET, "credit"))
    assert expected is not None
    quarantined = json.loads(store.read(BUCKET, "quarantine/credit/huge.csv.report.json"))
    assert quarantined == expected.model_dump(mode="json")
    assert not hasattr(DataGate, "_quarantine_size")
