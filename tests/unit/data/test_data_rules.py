"""Column and dataset rules on a broken copy of the demo data: the right rules, counts and examples."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from lockgate.data.contract import Contract, load_contract
from lockgate.data.validation import validate
from lockgate.sample_data import generate_credit


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def _run(table: pa.Table, contract: Contract, name: str = "raw/credit/broken.csv"):
    return validate(io.BytesIO(_csv(table)), name, contract)


def _rules(result) -> dict[str, int]:
    return {f.name: f.count for f in result.report.failures}


def _set(table: pa.Table, column: str, rows: list[int], value: object) -> pa.Table:
    values = table[column].to_pylist()
    for r in rows:
        values[r] = value
    return table.set_column(table.column_names.index(column), column, pa.array(values, table[column].type))


def test_broken_copy_fails_with_the_right_rules(credit_contract: Contract, credit_table: pa.Table) -> None:
    broken = _set(credit_table, "age", [10, 20, 30], 7)
    broken = _set(broken, "age", [40], 130)
    broken = _set(broken, "credit_risk", [5, 6], "maybe")
    broken = _set(broken, "purpose", [50], "holiday")
    broken = _set(broken, "sex", [60, 61], None)
    result = _run(broken, credit_contract)
    assert _rules(result) == {
        "range[age]": 4,
        "label_values[credit_risk]": 2,
        "allowed[purpose]": 1,
        "not_null[sex]": 2,
    }
    by_name = {f.name: f for f in result.report.failures}
    assert [(e.row, e.value) for e in by_name["range[age]"].examples] == [
        (11, 7),
        (21, 7),
        (31, 7),
        (41, 130),
    ]
    assert [(e.row, e.value) for e in by_name["label_values[credit_risk]"].examples] == [
        (6, "maybe"),
        (7, "maybe"),
    ]
    assert by_name["not_null[sex]"].examples[0].row == 61
    summary = result.report.summary()
    assert "range[age]: 4" in summary and "raw/credit/broken.csv: FAILED" in summary


def test_examples_are_capped_at_five_and_counts_span_batches(credit_contract: Contract) -> None:
    table = generate_credit(200_000, seed=3)  # several CSV blocks
    bad_rows = list(range(0, 200_000, 997))
    broken = _set(table, "duration_months", bad_rows, 0)
    result = _run(broken, credit_contract)
    failure = result.report.failures[0]
    assert failure.name == "range[duration_months]"
    assert failure.count == len(bad_rows)
    assert len(failure.examples) == 5
    assert [e.row for e in failure.examples] == [r + 1 for r in bad_rows[:5]]


def test_duplicate_keys(credit_contract: Contract, credit_table: pa.Table) -> None:
    broken = _set(credit_table, "applicant_id", [100, 2000], 5)
    result = _run(broken, credit_contract)
    assert _rules(result) == {"unique_keys": 2}
    failure = result.report.failures[0]
    assert [(e.row, e.value) for e in failure.examples] == [
        (101, "same key as row 5"),
        (2001, "same key as row 5"),
    ]


def test_row_count_bounds(credit_contract: Contract, credit_table: pa.Table) -> None:
    small = credit_contract.model_copy(update={"rows": credit_contract.rows.model_copy(update={"min": 5000})})
    assert _rules(_run(credit_table, small)) == {"row_count": 3000}
    big = credit_contract.model_copy(update={"rows": credit_contract.rows.model_copy(update={"max": 2999})})
    assert _rules(_run(credit_table, big)) == {"row_count": 3000}


CUSTOM = """
name: custom
columns:
  - {name: id, type: string, regex: "[A-Z]{2}-[0-9]+"}
  - {name: score, type: float, min: 0, max: 1, nullable: true}
  - {name: flag, type: boolean}
  - {name: y, type: integer, allowed: [0, 1]}
keys: [id]
rows: {min: 1}
label: {column: y, positive_values: [1]}
"""


def test_regex_booleans_nan_and_nullable_floats() -> None:
    contract = load_contract(CUSTOM)
    data = (
        "id,score,flag,y\n"
        "AB-1,0.5,true,1\n"
        "ab-2,nan,False,0\n"  # regex fails; NaN is outside [0, 1]
        "CD-3,,1,0\n"  # null score is fine (nullable)
        "CD-4,1.5,maybe,2\n"  # range, boolean type, label value
        "CD-4,-inf,0,1\n"  # duplicate key; -inf out of range
    )
    result = validate(io.BytesIO(data.encode()), "custom.csv", contract)
    assert _rules(result) == {
        "regex[id]": 1,
        "range[score]": 3,
        "type[flag]": 1,
        "label_values[y]": 1,
        "unique_keys": 1,
    }
    stats = result.stats.to_json()["columns"]
    assert stats["score"]["nulls"] == 1 and stats["score"]["non_finite"] == 2
    assert stats["score"]["count"] == 2 and stats["score"]["mean"] == 1.0  # (0.5 + 1.5) / 2
    assert stats["flag"]["value_counts"] == {"false": 2, "true": 2}
    assert stats["flag"]["invalid"] == 1
    assert stats["y"]["histogram"] == {"0": 2, "1": 2}


def test_delimiter_and_latin1_encoding() -> None:
    contract = load_contract(
        CUSTOM.replace("name: custom", "name: custom\nformat: {delimiter: ';', encoding: latin-1}")
    )
    data = "id;score;flag;y\nAB-1;0.5;true;1\nCD-2;0.25;false;0\n".encode("latin-1")
    assert validate(io.BytesIO(data), "c.csv", contract).report.passed
    data_accents = "id;score;flag;y\nAB-\xe9;0.5;true;1\n".encode("latin-1")
    result = validate(io.BytesIO(data_accents), "c.csv", contract)
    failure = result.report.failures[0]
    assert (failure.name, failure.count, failure.examples[0].value) == ("regex[id]", 1, "AB-\xe9")


@pytest.mark.parametrize("value", ["99999999999999999999", "1.0", " 3"])
def test_integer_parsing_is_strict(value: str) -> None:
    contract = load_contract(CUSTOM)
    data = f"id,score,flag,y\nAB-1,0.5,true,{value}\n"
    result = validate(io.BytesIO(data.encode()), "c.csv", contract)
    assert _rules(result) == {"type[y]": 1}  # an unparseable cell is a type error, not also a null
    assert result.report.failures[0].examples[0].value == value


def test_the_demo_contract_passes_generated_data_of_any_seed(credit_contract: Contract) -> None:
    for seed in (0, 1, 99):
        table = generate_credit(2000, seed)
        assert _run(table, credit_contract).report.passed
        ids = table["applicant_id"].to_numpy()
        assert len(np.unique(ids)) == len(ids)
        assert set(pc.unique(table["credit_risk"]).to_pylist()) == {"good", "bad"}


def test_command_line_validation(tmp_path, credit_table: pa.Table, capsys) -> None:
    from lockgate.data.validation import main

    good = tmp_path / "good.csv"
    good.write_bytes(_csv(credit_table))
    contract = str(Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml")
    assert main([str(good), contract]) == 0
    assert "good.csv: PASSED (3000 rows)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(_set(credit_table, "age", [3], 200)))
    assert main([str(bad), contract]) == 1
    assert "range[age]: 1 row (values outside [18, 100]) e.g. row 4: 200" in capsys.readouterr().out
