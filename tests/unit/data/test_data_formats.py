"""Issue 10 items 1 and 2: a file's format is decided from its key AND its bytes (Parquet magic
`PAR1`, gzip magic), a contract may restrict the formats it accepts, and every problem met while
reading a file is a failed rule in the report (never a bare exception); our own bugs are
`InternalError`, naming the file."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from types import SimpleNamespace

import pyarrow as pa
import pytest

from lockgate.data.contract import Contract
from lockgate.data.validation import ValidationResult, validate
from lockgate.errors import InternalError

CSV_NAME = "raw/credit/x.csv"
PARQUET_NAME = "raw/credit/x.parquet"


def _only(contract: Contract, *formats: str) -> Contract:
    return contract.model_copy(
        update={"format": contract.format.model_copy(update={"accept": list(formats)})}
    )


def test_the_demo_contract_accepts_csv_and_parquet(credit_contract: Contract) -> None:
    assert credit_contract.format.accept == ["csv", "parquet"]


def test_parquet_is_read_for_a_csv_contract(
    credit_contract: Contract, credit_table: pa.Table, h: SimpleNamespace
) -> None:
    result = validate(io.BytesIO(h.parquet_bytes(credit_table)), PARQUET_NAME, credit_contract)
    assert result.report.passed, result.report.summary()
    assert result.report.rows == 3000


def test_parquet_from_a_stream_that_cannot_seek(
    credit_contract: Contract, credit_table: pa.Table, h: SimpleNamespace
) -> None:
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            data = self._inner.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    result = validate(OneWay(h.parquet_bytes(credit_table)), PARQUET_NAME, credit_contract)
    assert result.report.passed, result.report.summary()
    assert result.report.sha256 is not None and result.report.bytes > 0


def test_a_random_blob_named_parquet_is_a_failed_rule(credit_contract: Contract, h: SimpleNamespace) -> None:
    result = validate(io.BytesIO(b"name,age\nx,1\n" * 20), PARQUET_NAME, credit_contract)
    assert h.rules(result) == {"readable_parquet": 1}
    assert "PAR1" in result.report.failures[0].detail


def test_parquet_bytes_named_csv_is_a_format_failure(
    credit_contract: Contract, credit_table: pa.Table, h: SimpleNamespace
) -> None:
    result = validate(io.BytesIO(h.parquet_bytes(credit_table)), CSV_NAME, credit_contract)
    assert h.rules(result) == {"format": 1}
    assert "Parquet" in result.report.failures[0].detail


def test_a_contract_may_restrict_the_formats(
    credit_contract: Contract, credit_table: pa.Table, h: SimpleNamespace, credit_csv: bytes
) -> None:
    csv_only, parquet_only = _only(credit_contract, "csv"), _only(credit_contract, "parquet")
    refused = validate(io.BytesIO(h.parquet_bytes(credit_table)), PARQUET_NAME, csv_only)
    assert h.rules(refused) == {"format": 1}
    assert "accepts only csv" in refused.report.failures[0].detail
    assert h.rules(validate(io.BytesIO(credit_csv), CSV_NAME, parquet_only)) == {"format": 1}
    assert validate(io.BytesIO(credit_csv), CSV_NAME, csv_only).report.passed


def test_a_file_type_that_is_no_dataset_is_a_format_failure(
    run_csv: Callable[..., ValidationResult], credit_csv: bytes, h: SimpleNamespace
) -> None:
    result = run_csv(credit_csv, "raw/credit/x.xlsx")
    assert h.rules(result) == {"format": 1}
    assert ".xlsx" in result.report.failures[0].detail


def test_gzip_is_recognised_by_its_magic_bytes(
    run_csv: Callable[..., ValidationResult], credit_csv: bytes
) -> None:
    result = run_csv(gzip.compress(credit_csv, mtime=0), CSV_NAME)
    assert result.report.passed, result.report.summary()
    assert result.report.rows == 3000


def test_gzipped_parquet_is_a_format_failure(
    credit_contract: Contract, credit_table: pa.Table, h: SimpleNamespace
) -> None:
    data = gzip.compress(h.parquet_bytes(credit_table), mtime=0)
    result = validate(io.BytesIO(data), PARQUET_NAME + ".gz", credit_contract)
    assert h.rules(result) == {"format": 1}


def test_an_enormous_field_in_the_header_is_a_failed_rule(
    run_csv: Callable[..., ValidationResult], h: SimpleNamespace
) -> None:
    data = b'applicant_id,"' + b"x" * 200_000 + b'"\n1,2\n'
    result = run_csv(data)
    assert not result.report.passed
    assert "readable_csv" in h.rules(result), result.report.summary()


def test_a_header_without_an_end_is_a_failed_rule(
    run_csv: Callable[..., ValidationResult], h: SimpleNamespace
) -> None:
    result = run_csv(b"a," * 700_000)
    assert "readable_csv" in h.rules(result), result.report.summary()
    assert "byte offset" in result.report.failures[0].detail


def test_an_enormous_field_in_a_row_is_a_failed_rule(
    run_csv: Callable[..., ValidationResult], credit_csv: bytes, h: SimpleNamespace
) -> None:
    data = credit_csv + b'99999,30,female,no,car,"' + b"9" * (9 << 20) + b'",6,none,1,good\n'
    result = run_csv(data)
    assert not result.report.passed
    assert "readable_csv" in h.rules(result), result.report.summary()


def test_a_bug_of_ours_is_an_internal_error_naming_the_file(
    run_csv: Callable[..., ValidationResult], credit_csv: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lockgate.data import validation

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(validation, "profile", broken)
    with pytest.raises(InternalError) as info:
        run_csv(credit_csv)
    assert info.value.file == CSV_NAME and CSV_NAME in str(info.value)
    assert "KeyError" in str(info.value) and not info.value.retryable


def test_a_failing_consumer_is_an_internal_error(
    run_csv: Callable[..., ValidationResult], credit_csv: bytes
) -> None:
    def full_disk(batch: pa.RecordBatch, first_row: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(InternalError, match="No space left") as info:
        run_csv(credit_csv, on_batch=full_disk)
    assert info.value.file == CSV_NAME
