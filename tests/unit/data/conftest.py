"""Fixtures of the data-gate tests: the demo contract and small demo datasets as bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.contract import Contract, load_contract
from lockgate.data.validation import ValidationResult, validate
from lockgate.sample_data import generate_credit

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def credit_contract() -> Contract:
    return load_contract(REPO / "contracts" / "credit.yaml")


@pytest.fixture(scope="session")
def credit_table() -> pa.Table:
    return generate_credit(3000, seed=7)


@pytest.fixture(scope="session")
def credit_csv(credit_table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(credit_table, sink)
    return sink.getvalue()


@pytest.fixture
def run_csv(credit_contract: Contract) -> Callable[..., ValidationResult]:
    """Validate CSV bytes (or text) as file `name` against the demo contract (or `contract`)."""

    def run(
        data: bytes | str, name: str = "raw/credit/x.csv", contract: Contract | None = None, **kwargs: object
    ) -> ValidationResult:
        raw = data.encode() if isinstance(data, str) else data
        return validate(io.BytesIO(raw), name, contract or credit_contract, **kwargs)  # type: ignore[arg-type]

    return run


def csv_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def rules(result: ValidationResult) -> dict[str, int]:
    """{rule name: count} of a result's failures (name is `rule` or `rule[column]`)."""
    return {f.name: f.count for f in result.report.failures}


@pytest.fixture(scope="session")
def h() -> SimpleNamespace:
    """The helpers above (with --import-mode=importlib, test modules cannot import conftest)."""
    return SimpleNamespace(csv_bytes=csv_bytes, parquet_bytes=parquet_bytes, rules=rules)
