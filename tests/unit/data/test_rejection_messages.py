"""Issue 10 item 11 (words): a rejection's message names each failed rule once, with what its
count counts, and examples are placed by row, line, byte offset or column as the rule says."""

from __future__ import annotations

import io

import pytest

from lockgate.data.contract import Contract
from lockgate.data.validation import validate
from lockgate.errors import DatasetRejected
from lockgate.local.fixtures import broken_csv


def _rejection(data: bytes, contract: Contract) -> tuple[str, DatasetRejected]:
    report = validate(io.BytesIO(data), "raw/credit/x.csv", contract).report
    with pytest.raises(DatasetRejected) as info:
        report.raise_if_failed()
    return report.summary(), info.value


def test_the_message_names_each_rule_once_with_its_unit(credit_contract: Contract) -> None:
    _, err = _rejection(broken_csv(), credit_contract)
    message = str(err)
    assert message.count("range[age]") == 1 and message.count("label_values[credit_risk]") == 1, message
    assert "(3 rows)" in message and "(12 rows)" in message, message
    assert "failed rules" not in message


def test_byte_level_examples_say_byte_offset(credit_contract: Contract, credit_csv: bytes) -> None:
    data = credit_csv[:500] + b"\x00" + credit_csv[500:]
    summary, err = _rejection(data, credit_contract)
    line = next(x for x in summary.splitlines() if x.startswith("- no_nul_bytes"))
    assert "byte offset 500" in line and "row 500" not in line, line
    assert "(1 byte)" in str(err) or "no_nul_bytes (1 byte)" in str(err), str(err)


def test_header_examples_say_column(credit_contract: Contract, credit_csv: bytes) -> None:
    header, rest = credit_csv.split(b"\n", 1)
    summary, _ = _rejection(header + b',"notes"\n' + rest.replace(b"\n", b",x\n"), credit_contract)
    line = next(x for x in summary.splitlines() if x.startswith("- unknown_columns"))
    assert "column 11: 'notes'" in line and "1 column" in line, line


def test_a_rule_without_a_count_shows_none(credit_contract: Contract) -> None:
    _, err = _rejection(b"PAR1" + b"\x00" * 64, credit_contract)
    assert str(err).startswith("raw/credit/x.csv: rule 'format' failed: "), str(err)
