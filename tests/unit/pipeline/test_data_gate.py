"""The data gate's steps against an in-memory store: pass, reject + quarantine, idempotent
versions, multipart reduce equal to a single pass."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.errors import ContractInvalid, DatasetRejected
from lockgate.pipeline.data_gate import DataGate, ObjectRef
from lockgate.sample_data import generate_credit

BUCKET = "data"
CONTRACT = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"
WHEN = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def _csv(table) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


@pytest.fixture
def gate(store, tmp_path: Path) -> DataGate:  # type: ignore[no-untyped-def]
    store.put(BUCKET, "contracts/credit.yaml", CONTRACT.read_bytes())
    return DataGate(store, clock=lambda: WHEN, workdir=tmp_path)


def _upload(store, key: str, body: bytes) -> ObjectRef:  # type: ignore[no-untyped-def]
    store.put(BUCKET, key, body)
    return ObjectRef(BUCKET, key, "v1", "etag", len(body))


def test_a_good_dataset_becomes_a_content_addressed_version(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    body = _csv(generate_credit(2000, seed=1))
    summary = gate.check_object(_upload(store, "raw/credit/a.csv", body), "credit")
    version = hashlib.sha256(body).hexdigest()
    assert (summary.dataset_version, summary.new) == (version, True)
    manifest = json.loads(store.read(BUCKET, f"datasets/credit/{version}/manifest.json"))
    assert manifest["rows"] == 2000 and manifest["source"]["key"] == "raw/credit/a.csv"
    assert sum(manifest["split"]["rows"].values()) == 2000
    assert store.keys(f"datasets/credit/{version}/xgboost/train/") == [
        f"datasets/credit/{version}/xgboost/train/part-00000.parquet"
    ]
    assert store.keys("quarantine/") == []


def test_the_same_bytes_again_write_nothing_and_are_not_new(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    body = _csv(generate_credit(500, seed=2))
    first = gate.check_object(_upload(store, "raw/credit/a.csv", body), "credit")
    writes = len(store.writes)
    again = gate.check_object(_upload(store, "raw/credit/copy-of-a.csv", body), "credit")
    assert again == first.model_copy(update={"new": False})
    assert len(store.writes) == writes + 1  # only the test's own upload


def test_a_broken_dataset_is_quarantined_with_its_report_and_rejected(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    text = _csv(generate_credit(300, seed=3)).decode().replace(',"good"\n', ',"maybe"\n', 7)
    raw = _upload(store, "raw/credit/2026/broken.csv", text.encode())
    with pytest.raises(DatasetRejected) as rejected:
        gate.check_object(raw, "credit")
    assert "s3://data/raw/credit/2026/broken.csv" in str(rejected.value)
    assert store.read(BUCKET, "quarantine/credit/2026/broken.csv") == text.encode()
    report = json.loads(store.read(BUCKET, "quarantine/credit/2026/broken.csv.report.json"))
    assert report["passed"] is False and any(f["count"] == 7 for f in report["failures"])
    assert store.read(BUCKET, "raw/credit/2026/broken.csv") == text.encode()
    assert store.keys("datasets/") == []


def test_an_object_over_the_size_limit_is_rejected_before_download(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    raw = _upload(store, "raw/credit/huge.csv", b"x")
    huge = ObjectRef(raw.bucket, raw.key, raw.version_id, raw.etag, size=10**13)
    with pytest.raises(DatasetRejected, match="max_object_bytes"):
        gate.check_object(huge, "credit")
    assert store.opened == []
    assert store.exists(BUCKET, "quarantine/credit/huge.csv.report.txt")


def test_an_event_without_a_size_is_sized_from_the_store(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    raw = _upload(store, "raw/credit/a.csv", _csv(generate_credit(300, seed=9)))
    assert gate.check_object(ObjectRef(raw.bucket, raw.key), "credit").new is True


def test_a_dataset_without_a_contract_names_where_it_looked(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw = _upload(store, "raw/unknown/a.csv", b"a\n1\n")
    with pytest.raises(ContractInvalid, match=r"contracts/unknown\.yaml"):
        DataGate(store, workdir=tmp_path).check_object(raw, "unknown")


def test_seven_parts_reduce_to_the_statistics_of_one_pass(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    table = generate_credit(3500, seed=4)
    single = gate.check_object(_upload(store, "raw/credit/whole.csv", _csv(table)), "credit")
    cuts = [0, 1, 400, 401, 1700, 2900, 3000, 3500]
    results = [
        gate.check_part(
            _upload(store, f"raw/credit/b1/part-{i:05d}.csv", _csv(table.slice(a, b - a))), "credit", "ex1"
        )
        for i, (a, b) in enumerate(pairwise(cuts))
    ]
    results.append(gate.check_part(_upload(store, "raw/credit/b1/_SUCCESS", b""), "credit", "ex1"))
    merged = gate.reduce_parts(BUCKET, "raw/credit/b1/", "credit", "ex1", results)
    one = json.loads(store.read(BUCKET, single.manifest.removeprefix("s3://data/")))
    many = json.loads(store.read(BUCKET, merged.manifest.removeprefix("s3://data/")))
    assert many["statistics"] == one["statistics"]
    assert many["split"]["rows"] == one["split"]["rows"]
    train = store.keys(f"datasets/credit/{merged.dataset_version}/parquet/train/")
    assert (
        sum(pq.read_metadata(io.BytesIO(store.read(BUCKET, key))).num_rows for key in train)
        == one["split"]["rows"]["train"]
    )


def test_a_bad_part_fails_the_whole_dataset_and_quarantines_every_part(gate: DataGate, store) -> None:  # type: ignore[no-untyped-def]
    good, bad = (
        _csv(generate_credit(100, seed=5)),
        _csv(generate_credit(100, seed=6)).replace(b',"good"\n', b',"meh"\n', 1),
    )
    results = [
        gate.check_part(_upload(store, "raw/credit/b2/part-0.csv", good), "credit", "ex2"),
        gate.check_part(_upload(store, "raw/credit/b2/part-1.csv", bad), "credit", "ex2"),
    ]
    with pytest.raises(DatasetRejected):
        gate.reduce_parts(BUCKET, "raw/credit/b2/", "credit", "ex2", results)
    assert store.keys("quarantine/credit/b2/") == [
        "quarantine/credit/b2/_report.report.json",
        "quarantine/credit/b2/_report.report.txt",
        "quarantine/credit/b2/part-0.csv",
        "quarantine/credit/b2/part-1.csv",
    ]
