"""Deterministic splits (byte-identical across runs and partitionings) and reproducible manifests."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.contract import Contract
from lockgate.data.splitting import (
    KINDS,
    SPLITS,
    Splitter,
    assign,
    contract_schema,
    feature_names,
    split_table,
    xgboost_schema,
)
from lockgate.data.validation import finalize_parts, validate
from lockgate.data.versioning import Source, build_manifest, multipart_version, sha256_stream
from lockgate.data.xgboost_files import XGBOOST_CONTENT_TYPE, xgboost_csv
from lockgate.sample_data import generate_credit

CREATED = datetime(2026, 11, 22, 5, 30, tzinfo=UTC)


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def _sinks() -> tuple[dict[tuple[str, str], io.BytesIO], object]:
    buffers: dict[tuple[str, str], io.BytesIO] = {}

    class Keep(io.BytesIO):
        def close(self) -> None:  # pyarrow closes its sink; keep the bytes readable
            pass

    def open_sink(split: str, kind: str) -> io.BytesIO:
        buffers[(split, kind)] = Keep()
        return buffers[(split, kind)]

    return buffers, open_sink


def _bytes(buffers: dict[tuple[str, str], io.BytesIO]) -> dict[str, dict[str, bytes]]:
    return {s: {k: buffers[(s, k)].getvalue() for k in KINDS} for s in SPLITS}


def _digest(outputs: dict[str, dict[str, bytes]]) -> dict[str, str]:
    return {f"{s}.{k}": hashlib.sha256(v).hexdigest() for s, d in outputs.items() for k, v in d.items()}


def test_same_input_gives_byte_identical_splits(credit_contract: Contract, credit_table: pa.Table) -> None:
    assert _digest(split_table(credit_table, credit_contract)) == _digest(
        split_table(credit_table, credit_contract)
    )


def test_splits_do_not_depend_on_batch_sizes(credit_contract: Contract) -> None:
    table = generate_credit(200_000, seed=5)  # train > one row group: row groups must not follow batches
    reference = _digest(split_table(table, credit_contract, batch_rows=65_536))
    for batch_rows in (777, 50_000):
        assert _digest(split_table(table, credit_contract, batch_rows=batch_rows)) == reference
    train = pq.ParquetFile(io.BytesIO(split_table(table, credit_contract)["train"]["parquet"]))
    assert train.metadata.num_row_groups == 2


def test_validation_stream_writes_the_same_splits(credit_contract: Contract, credit_table: pa.Table) -> None:
    buffers, open_sink = _sinks()
    splitter = Splitter(credit_contract, open_sink)  # type: ignore[arg-type]
    result = validate(io.BytesIO(_csv(credit_table)), "raw/credit/a.csv", credit_contract, on_batch=splitter)
    splitter.close()
    assert result.report.passed
    assert _digest(_bytes(buffers)) == _digest(split_table(credit_table, credit_contract))
    assert sum(splitter.rows.values()) == credit_table.num_rows


def test_splits_do_not_depend_on_file_partitioning(credit_contract: Contract, credit_table: pa.Table) -> None:
    single = split_table(credit_table, credit_contract)
    cuts = [0, 1, 500, 1777, 2999, 3000]
    parts = [split_table(credit_table.slice(a, b - a), credit_contract) for a, b in itertools.pairwise(cuts)]
    for s in SPLITS:
        for kind in KINDS:
            tables = [pq.read_table(io.BytesIO(p[s][kind])) for p in parts]
            assert pa.concat_tables(tables).equals(pq.read_table(io.BytesIO(single[s][kind])))


def test_assignment_follows_the_row_not_its_position(
    credit_contract: Contract, credit_table: pa.Table
) -> None:
    typed = credit_table.select([c.name for c in credit_contract.columns])
    batch = typed.combine_chunks().to_batches()[0]
    which = assign(batch, credit_contract)
    order = np.random.default_rng(0).permutation(typed.num_rows)
    shuffled = typed.take(pa.array(order)).combine_chunks().to_batches()[0]
    assert (assign(shuffled, credit_contract) == which[order]).all()
    counts = np.bincount(which, minlength=3) / len(which)
    assert abs(counts[0] - 0.8) < 0.03 and abs(counts[1] - 0.1) < 0.02 and abs(counts[2] - 0.1) < 0.02
    reseeded = credit_contract.model_copy(
        update={"split": credit_contract.split.model_copy(update={"seed": 7})}
    )
    assert (assign(batch, reseeded) != which).any()


def test_xgboost_parquet_layout(credit_contract: Contract, credit_table: pa.Table) -> None:
    """The xgboost/ split is what the container's Parquet reader wants: label in column 0, then
    the features by position, every column numeric (the container ignores the names)."""
    out = split_table(credit_table, credit_contract)["test"]
    parquet = pq.read_table(io.BytesIO(out["parquet"]))
    assert parquet.schema == contract_schema(credit_contract)
    names = feature_names(credit_contract)
    assert "applicant_id" not in names and names[:3] == ["age", "sex=female", "sex=male"]
    matrix = pq.read_table(io.BytesIO(out["xgboost"]))
    assert matrix.schema == xgboost_schema(credit_contract)
    assert matrix.column_names == ["credit_risk", *names]
    assert all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in matrix.schema.types)
    rows = np.column_stack([c.to_numpy(zero_copy_only=False) for c in matrix.columns]).astype(float)
    assert rows.shape == (parquet.num_rows, 1 + len(names))
    label = pc.equal(parquet["credit_risk"], "good").to_numpy(zero_copy_only=False).astype(float)
    assert (rows[:, 0] == label).all()
    assert (rows[:, 1] == parquet["age"].to_numpy()).all()
    sex = rows[:, [names.index("sex=female") + 1, names.index("sex=male") + 1]]
    assert (sex.sum(axis=1) == 1).all()
    purpose = [i + 1 for i, n in enumerate(names) if n.startswith("purpose=")]
    assert len(purpose) == 6 and (rows[:, purpose].sum(axis=1) == 1).all()
    # the transform's CSV (written by the training plan): headerless, features only, same values
    features = np.loadtxt(io.StringIO(xgboost_csv(matrix, label=False).decode()), delimiter=",", ndmin=2)
    assert (features == rows[:, 1:]).all()
    labelled = xgboost_csv(matrix, label=True)
    assert labelled[:1] in (b"0", b"1") and labelled.count(b"\n") == parquet.num_rows


def test_xgboost_split_keeps_nulls_and_encodes_booleans(credit_contract: Contract) -> None:
    from lockgate.data.contract import Column

    columns = [
        c.model_copy(update={"nullable": True}) if c.name == "age" else c for c in credit_contract.columns
    ]
    columns.append(Column(name="owns_home", type="boolean", nullable=True))
    contract = credit_contract.model_copy(update={"columns": columns})
    table = generate_credit(400, seed=3)
    owns = pa.array([None if i % 3 == 0 else i % 2 == 0 for i in range(400)], pa.bool_())
    age = pa.array([None if i % 5 == 0 else v for i, v in enumerate(table["age"].to_pylist())], pa.int64())
    table = table.set_column(table.column_names.index("age"), "age", age).append_column("owns_home", owns)
    out = {s: pq.read_table(io.BytesIO(split_table(table, contract)[s]["xgboost"])) for s in SPLITS}
    matrix = pa.concat_tables(out.values())
    assert matrix.schema.field("owns_home").type == pa.int8()
    assert matrix["owns_home"].null_count + matrix["age"].null_count > 0  # nulls stay missing
    assert set(matrix["owns_home"].drop_null().to_pylist()) <= {0, 1}
    assert XGBOOST_CONTENT_TYPE == "application/x-parquet"


def test_dataset_version_is_the_sha256_of_the_bytes(
    credit_contract: Contract, credit_table: pa.Table
) -> None:
    data = _csv(credit_table)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_stream(io.BytesIO(data)) == (expected, len(data))
    report = validate(io.BytesIO(data), "raw/credit/a.csv", credit_contract).report
    assert (report.sha256, report.bytes) == (expected, len(data))
    assert multipart_version({"a": "1", "b": "2"}) == multipart_version({"b": "2", "a": "1"})
    assert multipart_version({"a": "1", "b": "2"}) != multipart_version({"a": "2", "b": "1"})


def _manifest(contract: Contract, result, split_rows: dict[str, int], version: str, key: str):
    return build_manifest(
        dataset="credit",
        version=version,
        source=Source(bucket="data", key=key, version_id="v1", etag='"abc"'),
        contract=contract,
        stats=result.stats,
        split_rows=split_rows,
        split_locations={
            s: {"parquet": f"s3://data/datasets/credit/{version}/{s}/data.parquet"} for s in SPLITS
        },
        created=CREATED,
    )


def test_manifest_is_reproducible_and_complete(credit_contract: Contract, credit_table: pa.Table) -> None:
    data = _csv(credit_table)
    result = validate(io.BytesIO(data), "raw/credit/a.csv", credit_contract)
    split_rows = {
        s: int(n)
        for s, n in zip(
            SPLITS,
            np.bincount(assign(credit_table.combine_chunks().to_batches()[0], credit_contract), minlength=3),
            strict=True,
        )
    }
    first = _manifest(credit_contract, result, split_rows, result.report.sha256 or "", "raw/credit/a.csv")
    again = _manifest(
        credit_contract,
        validate(io.BytesIO(data), "raw/credit/a.csv", credit_contract),
        split_rows,
        result.report.sha256 or "",
        "raw/credit/a.csv",
    )
    assert first.to_json_bytes() == again.to_json_bytes()
    doc = json.loads(first.to_json_bytes())
    assert doc["version"] == hashlib.sha256(data).hexdigest()
    assert doc["created"] == "2026-11-22T05:30:00+00:00"
    assert doc["source"] == {
        "bucket": "data",
        "key": "raw/credit/a.csv",
        "version_id": "v1",
        "etag": '"abc"',
        "parts": 1,
    }
    assert doc["contract"] == {"name": "credit", "sha256": credit_contract.sha256()}
    assert [c["name"] for c in doc["schema"]] == [c.name for c in credit_contract.columns]
    assert doc["rows"] == 3000 and sum(doc["split"]["rows"].values()) == 3000
    assert doc["split"]["seed"] == 42 and doc["split"]["ratios"]["train"] == 0.8
    assert doc["statistics"]["columns"]["age"]["count"] == 3000
    assert doc["split"]["xgboost"]["features"] == feature_names(credit_contract)
    assert doc["split"]["xgboost"]["content_type"] == XGBOOST_CONTENT_TYPE


@pytest.mark.parametrize("n_parts", [1, 7, 100])
def test_multipart_manifest_equals_the_single_file_manifest(
    credit_contract: Contract, credit_table: pa.Table, n_parts: int
) -> None:
    single_buffers, open_single = _sinks()
    splitter = Splitter(credit_contract, open_single)  # type: ignore[arg-type]
    single = validate(
        io.BytesIO(_csv(credit_table)), "raw/credit/all.csv", credit_contract, on_batch=splitter
    )
    splitter.close()
    rng = np.random.default_rng(n_parts)
    inner = sorted(rng.choice(np.arange(1, 3000), n_parts - 1, replace=False).tolist())
    parts, split_rows = [], dict.fromkeys(SPLITS, 0)
    xgboost_parts: dict[str, list[pa.Table]] = {s: [] for s in SPLITS}
    for i, (a, b) in enumerate(itertools.pairwise([0, *inner, 3000])):
        buffers, open_sink = _sinks()
        part_splitter = Splitter(credit_contract, open_sink)  # type: ignore[arg-type]
        data = _csv(credit_table.slice(a, b - a))
        parts.append(
            validate(
                io.BytesIO(data),
                f"raw/credit/b/part-{i:05d}.csv",
                credit_contract,
                on_batch=part_splitter,
                whole_dataset=False,
            )
        )
        part_splitter.close()
        for s in SPLITS:
            split_rows[s] += part_splitter.rows[s]
            xgboost_parts[s].append(pq.read_table(io.BytesIO(buffers[(s, "xgboost")].getvalue())))
    merged = finalize_parts("raw/credit/b/", parts, credit_contract)
    assert merged.report.passed
    one = _manifest(credit_contract, single, splitter.rows, "V", "raw/credit/all.csv")
    many = _manifest(credit_contract, merged, split_rows, "V", "raw/credit/all.csv")
    assert many.to_json_bytes() == one.to_json_bytes()
    for s in SPLITS:
        single_xgboost = pq.read_table(io.BytesIO(single_buffers[(s, "xgboost")].getvalue()))
        assert pa.concat_tables(xgboost_parts[s]).equals(single_xgboost)


def test_splitter_thread_lifecycle(credit_contract: Contract, credit_table: pa.Table) -> None:
    typed = credit_table.select([c.name for c in credit_contract.columns]).to_batches(max_chunksize=1000)
    buffers, open_sink = _sinks()
    splitter = Splitter(credit_contract, open_sink)  # type: ignore[arg-type]
    for lane in splitter._lanes:
        lane.idle_seconds = 0.05
    splitter(typed[0])
    threads = [lane._thread for lane in splitter._lanes]
    assert all(t is not None and t.is_alive() for t in threads)
    for t in threads:  # idle: the writer threads exit by themselves (a never-closed splitter leaks none)
        t.join(timeout=5)  # type: ignore[union-attr]
    assert not any(t.is_alive() for t in threads) and all(lane._thread is None for lane in splitter._lanes)
    for batch in typed[1:]:
        splitter(batch)  # a new thread picks up where the old one stopped
    splitter.close()
    assert _digest(_bytes(buffers)) == _digest(split_table(credit_table, credit_contract))

    _, open_sink = _sinks()
    aborted = Splitter(credit_contract, open_sink)  # type: ignore[arg-type]
    aborted(typed[0])
    aborted.abort()
    with pytest.raises(RuntimeError, match="aborted"):
        aborted(typed[1])


def test_a_writer_error_surfaces_at_close(credit_contract: Contract, credit_table: pa.Table) -> None:
    class Broken(io.BytesIO):
        def write(self, data) -> int:  # type: ignore[override]
            if self.tell() >= 4:  # the Parquet magic goes in at open; the row groups fail
                raise OSError("disk full")
            return super().write(data)

    def open_sink(split: str, kind: str) -> io.BytesIO:
        return Broken() if kind == "xgboost" else io.BytesIO()  # its writes happen in the thread

    splitter = Splitter(credit_contract, open_sink)  # type: ignore[arg-type]
    for batch in credit_table.select([c.name for c in credit_contract.columns]).to_batches(max_chunksize=500):
        try:
            splitter(batch)
        except OSError:
            break
    with pytest.raises(OSError, match="disk full"):
        splitter.close()
