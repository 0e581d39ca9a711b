"""Every structurally bad input gives a failed report naming file, rule and count: never a crash."""

from __future__ import annotations

import gzip
import io

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.contract import Contract
from lockgate.data.validation import check_size, validate
from lockgate.errors import DatasetRejected, InputRejected

NAME = "raw/credit/2026/x.csv"


def rules(result) -> dict[str, int]:
    return {f.name: f.count for f in result.report.failures}


def csv_bytes(table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def parquet_bytes(table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _header(credit_csv: bytes) -> bytes:
    return credit_csv.split(b"\n", 1)[0] + b"\n"


def _assert_rejected(result, rule: str, count: int | None = None) -> None:
    report = result.report
    assert not report.passed
    assert rule in rules(result), report.summary()
    if count is not None:
        assert rules(result)[rule] == count, report.summary()
    with pytest.raises(DatasetRejected) as info:
        report.raise_if_failed()
    err = info.value
    assert isinstance(err, InputRejected) and not err.retryable
    assert err.file == report.file
    assert report.file in str(err)
    assert rule in str(err)  # every failed rule is listed in the message
    first = report.failures[0]
    assert err.rule == first.name and err.count == first.count


def test_the_demo_dataset_passes(run_csv, credit_csv: bytes) -> None:
    result = run_csv(credit_csv, NAME)
    assert result.report.passed, result.report.summary()
    assert result.report.rows == 3000
    assert result.report.failures == []
    result.report.raise_if_failed()  # no error


def test_empty_file(run_csv) -> None:
    result = run_csv(b"", NAME)
    _assert_rejected(result, "non_empty")
    assert result.report.rows == 0


def test_header_only(run_csv, credit_csv: bytes) -> None:
    _assert_rejected(run_csv(_header(credit_csv), NAME), "has_data_rows")


def test_header_only_without_newline(run_csv, credit_csv: bytes) -> None:
    _assert_rejected(run_csv(_header(credit_csv).rstrip(b"\n"), NAME), "has_data_rows")


def test_non_utf8_bytes(run_csv, credit_csv: bytes) -> None:
    lines = credit_csv.split(b"\n")
    lines[5] = lines[5].replace(b'"car"', b'"c\xe4r"').replace(b'"radio_tv"', b'"r\xe4dio_tv"')
    lines[9] = lines[9].replace(b'"no"', b'"n\xff"')
    data = b"\n".join(lines)
    result = run_csv(data, NAME)
    _assert_rejected(result, "utf8", 2 + lines[5].count(b"\xe4") - 1)
    utf8 = next(f for f in result.report.failures if f.rule == "utf8")
    assert utf8.examples[-1].row == data.index(b"\xff")  # byte offset of the bad byte
    # the bad bytes were replaced (U+FFFD) before parsing, so the cells also break `allowed`
    assert "allowed[foreign_worker]" in rules(result)


def test_ragged_rows(run_csv, credit_csv: bytes) -> None:
    lines = credit_csv.split(b"\n")
    lines[3] = lines[3] + b",extra"
    lines[8] = b",".join(lines[8].split(b",")[:4])
    result = run_csv(b"\n".join(lines), NAME)
    _assert_rejected(result, "ragged_rows", 2)
    failure = next(f for f in result.report.failures if f.rule == "ragged_rows")
    assert [e.row for e in failure.examples] == [4, 9]  # physical line numbers (header is line 1)
    assert result.report.rows == 2998


def test_nul_bytes(run_csv, credit_csv: bytes) -> None:
    data = bytearray(credit_csv)
    at = data.index(b"female")
    data[at + 1] = 0
    data[len(data) // 2] = 0
    result = run_csv(bytes(data), NAME)
    _assert_rejected(result, "no_nul_bytes", 2)


def test_wrong_types(run_csv, credit_csv: bytes) -> None:
    lines = credit_csv.decode().split("\n")
    for i in (2, 7, 11):
        cells = lines[i].split(",")
        cells[1] = "thirty"  # age
        lines[i] = ",".join(cells)
    cells = lines[4].split(",")
    cells[5] = "12,5".replace(",", ";")  # credit_amount
    lines[4] = ",".join(cells)
    result = run_csv("\n".join(lines), NAME)
    _assert_rejected(result, "type[age]", 3)
    assert rules(result)["type[credit_amount]"] == 1
    failure = next(f for f in result.report.failures if f.name == "type[age]")
    assert [(e.row, e.value) for e in failure.examples] == [(2, "thirty"), (7, "thirty"), (11, "thirty")]
    assert result.stats.columns["age"].invalid == 3


def test_unknown_and_missing_columns(run_csv, credit_table) -> None:
    table = credit_table.drop_columns(["savings"]).append_column("ssn", credit_table["applicant_id"])
    result = run_csv(csv_bytes(table), NAME)
    _assert_rejected(result, "unknown_columns", 1)
    assert rules(result)["missing_columns"] == 1
    assert result.report.failures[0].examples[0].value == "ssn"


def test_missing_label(run_csv, credit_table) -> None:
    result = run_csv(csv_bytes(credit_table.drop_columns(["credit_risk"])), NAME)
    _assert_rejected(result, "missing_label", 1)
    assert "missing_columns" not in rules(result)


def test_label_values_outside_the_declared_set(run_csv, credit_csv: bytes) -> None:
    text = credit_csv.decode().replace(',"good"\n', ',"GOOD"\n', 4)
    result = run_csv(text, NAME)
    _assert_rejected(result, "label_values[credit_risk]", 4)


def test_object_over_the_size_limit_is_rejected_before_download(credit_contract: Contract) -> None:
    limit = credit_contract.max_object_bytes
    report = check_size(NAME, limit + 1, credit_contract)
    assert report is not None
    with pytest.raises(DatasetRejected) as info:
        report.raise_if_failed()
    assert info.value.rule == "max_object_bytes" and info.value.count == limit + 1
    assert NAME in str(info.value)
    assert check_size(NAME, limit, credit_contract) is None  # at the limit: fine
    empty = check_size(NAME, 0, credit_contract)
    assert empty is not None and empty.failures[0].rule == "non_empty"


def test_validate_with_an_oversized_size_reads_nothing(credit_contract: Contract) -> None:
    class Exploding(io.RawIOBase):
        def read(self, *_):  # pragma: no cover - must not be called
            raise AssertionError("read the body")

    result = validate(Exploding(), NAME, credit_contract, size=credit_contract.max_object_bytes + 1)
    _assert_rejected(result, "max_object_bytes")


def test_gzip_is_read_when_the_name_ends_with_gz(run_csv, credit_csv: bytes) -> None:
    result = run_csv(gzip.compress(credit_csv, mtime=0), NAME + ".gz")
    assert result.report.passed, result.report.summary()
    assert result.report.rows == 3000


def test_corrupt_gzip(run_csv, credit_csv: bytes) -> None:
    data = gzip.compress(credit_csv, mtime=0)
    _assert_rejected(run_csv(data[: len(data) // 2] + b"garbage" * 10, NAME + ".gz"), "readable_gzip")
    _assert_rejected(run_csv(b"not gzip at all", NAME + ".gz"), "readable_gzip")


def test_unterminated_quote_is_a_failed_report(run_csv, credit_csv: bytes) -> None:
    data = credit_csv + b'99999,30,"female,no,car,1.0,6,none,1,good\n'
    result = run_csv(data, NAME)
    assert not result.report.passed


def test_parquet_passes_and_garbage_parquet_fails(credit_contract: Contract, credit_table) -> None:
    pq_contract = credit_contract.model_copy(
        update={"format": credit_contract.format.model_copy(update={"accept": ["parquet"]})}
    )
    ok = validate(io.BytesIO(parquet_bytes(credit_table)), "raw/credit/x.parquet", pq_contract)
    assert ok.report.passed, ok.report.summary()
    assert ok.report.rows == 3000
    bad = validate(io.BytesIO(b"PAR1 this is not parquet"), "raw/credit/x.parquet", pq_contract)
    _assert_rejected(bad, "readable_parquet")
    empty = validate(io.BytesIO(b""), "raw/credit/x.parquet", pq_contract)
    _assert_rejected(empty, "non_empty")
    zero_rows = validate(
        io.BytesIO(parquet_bytes(credit_table.slice(0, 0))), "raw/credit/x.parquet", pq_contract
    )
    _assert_rejected(zero_rows, "has_data_rows")


def test_parquet_column_of_the_wrong_type(credit_contract: Contract, credit_table) -> None:
    pq_contract = credit_contract.model_copy(
        update={"format": credit_contract.format.model_copy(update={"accept": ["parquet"]})}
    )
    table = credit_table.set_column(1, "age", credit_table["age"].cast("float64"))
    table = table.set_column(5, "credit_amount", credit_table["sex"])
    result = validate(io.BytesIO(parquet_bytes(table)), "raw/credit/x.parquet", pq_contract)
    _assert_rejected(result, "type[credit_amount]", 3000)
    assert rules(result)["type[age]"] == 3000  # a float column never passes as integer


def test_binary_garbage_never_raises(run_csv) -> None:
    data = bytes(range(256)) * 50
    result = run_csv(data, NAME)
    assert not result.report.passed
    assert result.report.summary().startswith(NAME)


def test_report_is_json_serialisable(run_csv, credit_csv: bytes) -> None:
    import json

    text = credit_csv.decode().replace(',"good"\n', ',"meh"\n', 7)
    report = run_csv(text, NAME).report
    data = json.loads(report.model_dump_json())
    failure = data["failures"][0]
    assert failure["rule"] == "label_values" and failure["column"] == "credit_risk"
    assert failure["count"] == 7
    assert len(failure["examples"]) == 5
    assert all(e["value"] == "meh" for e in failure["examples"])
    assert "label_values[credit_risk]: 7" in report.summary()


def test_size_limit_is_enforced_after_reading_when_the_size_was_unknown(
    credit_contract: Contract, credit_csv
) -> None:
    small = credit_contract.model_copy(update={"max_object_bytes": 1000})
    result = validate(io.BytesIO(credit_csv), NAME, small)
    _assert_rejected(result, "max_object_bytes", len(credit_csv))


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column_name(run_csv, credit_csv: bytes) -> None:
    result = run_csv(b"\xef\xbb\xbf" + credit_csv, NAME)
    assert result.report.passed, result.report.summary()


def test_parquet_without_the_label_or_with_unknown_columns(credit_contract: Contract, credit_table) -> None:
    pq_contract = credit_contract.model_copy(
        update={"format": credit_contract.format.model_copy(update={"accept": ["parquet"]})}
    )
    table = credit_table.drop_columns(["credit_risk", "sex"]).append_column("notes", credit_table["purpose"])
    result = validate(io.BytesIO(parquet_bytes(table)), "raw/credit/x.parquet", pq_contract)
    _assert_rejected(result, "unknown_columns", 1)
    assert rules(result)["missing_label"] == 1 and rules(result)["missing_columns"] == 1


def test_a_failing_batch_consumer_is_not_reported_as_bad_data(run_csv, credit_csv: bytes) -> None:
    from lockgate.errors import InternalError

    def full_disk(batch, first_row) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(InternalError, match="No space left"):
        run_csv(credit_csv, NAME, on_batch=full_disk)
