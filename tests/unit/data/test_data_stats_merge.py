"""Statistics merged from 1, 7 or 100 parts (any split points, any merge order) equal one pass."""

from __future__ import annotations

import io
import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.contract import Contract, load_contract
from lockgate.data.exact_sum import ExactSum, exact_sum_float, exact_sum_int
from lockgate.data.stats import DatasetStats, KeyHashes
from lockgate.data.validation import ValidationResult, finalize_parts, validate

CONTRACT = """
name: mixed
format: {accept: [parquet]}
columns:
  - {name: id, type: integer}
  - {name: x, type: float, nullable: true}
  - {name: big, type: integer}
  - {name: tag, type: string, nullable: true}
  - {name: level, type: string, allowed: [low, mid, high]}
  - {name: ok, type: boolean}
keys: [id]
rows: {min: 1}
label: {column: ok, positive_values: [true]}
"""
N = 20_000


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract(CONTRACT)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rng = np.random.default_rng(2026)
    x = rng.normal(0, 1, N) * 10.0 ** rng.uniform(-30, 30, N)  # 60 decades: float sums depend on order
    x[rng.choice(N, 40, replace=False)] = np.nan
    x[5], x[6] = -0.0, 0.0
    x_arr = pa.array(x, mask=rng.random(N) < 0.05)
    tags = np.array([f"t{i}" for i in range(1500)])[rng.integers(0, 1500, N)]  # more than the distinct cap
    return pa.table(
        {
            "id": pa.array(rng.permutation(N).astype(np.int64)),
            "x": x_arr,
            "big": pa.array(rng.integers(-(2**62), 2**62, N)),
            "tag": pa.array(tags, mask=rng.random(N) < 0.1),
            "level": pa.array(np.array(["low", "mid", "high"])[rng.integers(0, 3, N)]),
            "ok": pa.array(rng.random(N) < 0.3),
        }
    )


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _cuts(rng: np.random.Generator, n_parts: int) -> list[int]:
    inner = sorted(rng.choice(np.arange(1, N), n_parts - 1, replace=False).tolist()) if n_parts > 1 else []
    return [0, *inner, N]


def _validate_parts(table: pa.Table, contract: Contract, cuts: list[int]) -> list[ValidationResult]:
    parts = []
    for i, (a, b) in enumerate(itertools.pairwise(cuts)):
        data = _parquet(table.slice(a, b - a))
        parts.append(
            validate(io.BytesIO(data), f"raw/mixed/b1/part-{i:05d}.parquet", contract, whole_dataset=False)
        )
    return parts


def _canonical(stats: DatasetStats) -> str:
    return json.dumps(stats.to_json(), sort_keys=True)


@pytest.mark.parametrize("n_parts", [1, 7, 100])
def test_merged_statistics_equal_one_pass_bit_for_bit(
    table: pa.Table, contract: Contract, n_parts: int
) -> None:
    one = validate(io.BytesIO(_parquet(table)), "raw/mixed/all.parquet", contract)
    assert one.report.passed, one.report.summary()
    rng = np.random.default_rng(n_parts)
    cuts = _cuts(rng, n_parts)
    parts = _validate_parts(table, contract, cuts)
    # Distributed Map items return JSON: round-trip every part's statistics and key hashes
    for p in parts:
        p.stats = DatasetStats.from_json(json.loads(json.dumps(p.stats.to_json())), contract)
        assert p.key_hashes is not None
        p.key_hashes = KeyHashes.from_bytes(p.key_hashes.to_bytes())
    merged = finalize_parts("raw/mixed/b1/", parts, contract)
    assert merged.report.passed, merged.report.summary()
    assert _canonical(merged.stats) == _canonical(one.stats)
    assert merged.report.rows == N
    # merging in another grouping and order gives the same bits too
    shuffled = [parts[i] for i in rng.permutation(len(parts))]
    tree = DatasetStats.for_contract(contract)
    for group in np.array_split(np.arange(len(shuffled)), 3):
        sub = DatasetStats.for_contract(contract)
        for i in group:
            sub.merge(shuffled[i].stats)
        tree.merge(sub)
    assert _canonical(tree) == _canonical(one.stats)


def test_the_data_is_order_sensitive_for_naive_float_sums(table: pa.Table) -> None:
    """Guard for the test above: with naive float sums, parts would NOT match one pass."""
    x = table["x"].to_numpy(zero_copy_only=False)  # nulls read as NaN
    finite = np.where(np.isfinite(x), x, 0.0)
    one_pass = float(np.sum(finite))
    naive = 0.0
    for a, b in itertools.pairwise(_cuts(np.random.default_rng(7), 7)):
        naive += float(np.sum(finite[a:b]))
    assert naive != one_pass
    exact = float(sum((Fraction(v) for v in finite), Fraction(0)))
    assert float(exact_sum_float(finite)) == exact


def test_statistics_content(table: pa.Table, contract: Contract) -> None:
    stats = validate(io.BytesIO(_parquet(table)), "all.parquet", contract).stats.to_json()
    x = table["x"].to_numpy(zero_copy_only=False)
    finite = x[np.isfinite(x) & table["x"].is_valid().to_numpy(zero_copy_only=False)]
    col = stats["columns"]["x"]
    assert col["count"] == len(finite)
    assert col["nulls"] == table["x"].null_count
    assert col["mean"] == float(sum((Fraction(v) for v in finite), Fraction(0)) / len(finite))
    assert col["min"] == finite.min() and col["max"] == finite.max()
    big = stats["columns"]["big"]
    assert big["mean"] == float(Fraction(sum(table["big"].to_pylist()), N))
    assert stats["columns"]["tag"]["distinct"] is None  # over the cap: value counts dropped
    level = stats["columns"]["level"]
    assert sum(level["histogram"].values()) == N and list(level["histogram"]) == ["low", "mid", "high"]
    assert stats["columns"]["ok"]["value_counts"]["true"] == sum(table["ok"].to_pylist())


def test_keys_duplicated_across_parts_are_found_at_the_reduce_step(
    table: pa.Table, contract: Contract
) -> None:
    ids = table["id"].to_numpy().copy()
    ids[N - 1] = ids[0]  # same key in the first and the last part
    dup = table.set_column(0, "id", pa.array(ids))
    parts = _validate_parts(dup, contract, [0, N // 2, N])
    assert all(p.report.passed for p in parts)  # each part alone is fine
    merged = finalize_parts("raw/mixed/b1/", parts, contract)
    assert {f.name: f.count for f in merged.report.failures} == {"unique_keys": 1}
    one = validate(io.BytesIO(_parquet(dup)), "all.parquet", contract)
    assert {f.name: f.count for f in one.report.failures} == {"unique_keys": 1}


def test_row_count_is_checked_on_the_merged_dataset(table: pa.Table, contract: Contract) -> None:
    strict = contract.model_copy(update={"rows": contract.rows.model_copy(update={"min": N + 1})})
    parts = _validate_parts(table, strict, [0, 100, N])
    assert all(p.report.passed for p in parts)
    merged = finalize_parts("raw/mixed/b1/", parts, strict)
    assert {f.name: f.count for f in merged.report.failures} == {"row_count": N}


def test_csv_parts_merge_like_one_csv(table: pa.Table, contract: Contract) -> None:
    csv_contract = contract.model_copy(
        update={"format": contract.format.model_copy(update={"accept": ["csv"]})}
    )

    def csv(t: pa.Table) -> bytes:
        sink = io.BytesIO()
        pacsv.write_csv(t, sink)
        return sink.getvalue()

    one = validate(io.BytesIO(csv(table)), "all.csv", csv_contract)
    cuts = _cuts(np.random.default_rng(1), 7)
    parts = [
        validate(io.BytesIO(csv(table.slice(a, b - a))), f"p{a}.csv", csv_contract, whole_dataset=False)
        for a, b in itertools.pairwise(cuts)
    ]
    merged = finalize_parts("csv/", parts, csv_contract)
    assert _canonical(merged.stats) == _canonical(one.stats)


def test_exact_sum_edge_cases() -> None:
    values = np.array([1e308, 1e308, -1e308, 5e-324, -5e-324, 2.0**-1074, 1.0, -0.0, 2.0**1023])
    exact = sum((Fraction(v) for v in values), Fraction(0))
    s = exact_sum_float(values)
    assert s.as_fraction() == exact
    assert float(exact_sum_float(np.array([1e308, 1e308]))) == math.inf
    assert exact_sum_float(np.array([], dtype=np.float64)) == ExactSum()
    assert ExactSum.from_json(s.to_json()) == s
    ints = np.array([2**63 - 1, 2**63 - 1, -(2**63), 5], dtype=np.int64)
    assert exact_sum_int(ints).as_fraction() == sum(int(v) for v in ints)
    assert ExactSum.of(12, 0) == ExactSum.of(3, 2)  # normalized: equal values, equal representation


def test_part_results_round_trip_through_json(table: pa.Table, contract: Contract) -> None:
    parts = _validate_parts(table, contract, [0, 5000, N])
    rebuilt = []
    for p in parts:
        assert p.key_hashes is not None
        payload = json.loads(json.dumps(p.to_json()))
        rebuilt.append(ValidationResult.from_json(payload, contract, p.key_hashes.to_bytes()))
    direct = finalize_parts("b/", parts, contract)
    via_json = finalize_parts("b/", rebuilt, contract)
    assert _canonical(via_json.stats) == _canonical(direct.stats)
    assert via_json.report == direct.report
