"""Contract schema versions: every shape ever published loads (schema 1 migrated in memory, with a
deprecation line in the report), `lockgate contract migrate` rewrites it keeping comments, and
`lockgate contract check` reports errors with line and column."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
import yaml

from lockgate.cli import main
from lockgate.data.contract import load_contract
from lockgate.data.validation import validate
from lockgate.data.versioning import Source, build_manifest
from lockgate.errors import ContractInvalid
from lockgate.sample_data import generate_credit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "contracts"
SHAPES = sorted(FIXTURES.glob("*.yaml"))
SCHEMA_1 = {p.name for p in SHAPES if "type" in (yaml.safe_load(p.read_text()).get("format") or {})} | {
    "explicit-schema-1.yaml"
}


def test_the_fixtures_hold_both_schemas_and_every_published_credit_contract() -> None:
    names = {p.name for p in SHAPES}
    assert {"credit-2112d3d.yaml", "credit-43306f0.yaml", "credit-5809771.yaml"} <= names
    assert len(SCHEMA_1) >= 4 and len(names - SCHEMA_1) >= 4


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.name)
def test_every_past_shape_loads(path: Path) -> None:
    contract = load_contract(path)
    assert contract.schema_version == 2
    if path.name in SCHEMA_1:
        [note] = contract.deprecations
        assert "schema 1" in note and f"lockgate contract migrate {path}" in note
        declared = (yaml.safe_load(path.read_text()).get("format") or {}).get("type", "csv")
        assert contract.format.accept == [declared]  # one format, as schema 1 meant
    else:
        assert contract.deprecations == []


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.name)
def test_migrate_rewrites_in_place_keeping_comments(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    before = load_contract(path)
    assert main(["contract", "migrate", str(copy)]) == 0
    text = copy.read_text()
    after = load_contract(copy)
    assert after.deprecations == [] and after.sha256() == before.sha256()
    assert "schema_version: 2" in text and "format.type" not in text
    comments = [line.split("#", 1)[1] for line in path.read_text().splitlines() if "#" in line]
    assert all(comment in text for comment in comments)  # every comment kept
    said = capsys.readouterr().out
    assert ("rewritten" in said) == (path.name in SCHEMA_1 or "schema_version" not in path.read_text())
    assert main(["contract", "migrate", str(copy)]) == 0  # a second run changes nothing
    assert "unchanged" in capsys.readouterr().out and copy.read_text() == text
    assert main(["contract", "check", str(copy)]) == 0


def test_a_migrated_contract_puts_a_deprecation_line_in_the_report_and_manifest() -> None:
    contract = load_contract(FIXTURES / "credit-2112d3d.yaml")
    sink = io.BytesIO()
    pacsv.write_csv(generate_credit(200, seed=3), sink)
    result = validate(io.BytesIO(sink.getvalue()), "raw/credit/x.csv", contract)
    assert result.report.passed and result.report.warnings == contract.deprecations
    assert "warning: " in result.report.summary() and "format.type" in result.report.summary()
    manifest = build_manifest(
        dataset="credit",
        version="0" * 64,
        source=Source(bucket="data", key="raw/credit/x.csv"),
        contract=contract,
        stats=result.stats,
        split_rows={"train": 160, "validation": 20, "test": 20},
        created=datetime(2026, 12, 7, tzinfo=UTC),
    )
    assert json.loads(manifest.to_json_bytes())["contract"]["deprecations"] == contract.deprecations
    current = load_contract(FIXTURES / "credit-5809771.yaml")
    assert (
        "deprecations"
        not in json.loads(
            build_manifest(
                dataset="credit",
                version="0" * 64,
                source=Source(bucket="data", key="raw/credit/x.csv"),
                contract=current,
                stats=result.stats,
                split_rows={"train": 160, "validation": 20, "test": 20},
                created=datetime(2026, 12, 7, tzinfo=UTC),
            ).to_json_bytes()
        )["contract"]
    )  # manifests of current contracts are unchanged


def test_a_newer_or_bad_schema_version_is_a_clear_error() -> None:
    text = (FIXTURES / "credit-5809771.yaml").read_text()
    with pytest.raises(ContractInvalid, match="3 is newer than this Lockgate knows"):
        load_contract("schema_version: 3\n" + text)
    with pytest.raises(ContractInvalid, match=r"schema_version.*positive integer"):
        load_contract("schema_version: two\n" + text)


def test_check_reports_every_error_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\n"
        "format: {accept: [csv], delimiter: ';;'}\n"
        "columns:\n"
        "  - {name: a, type: integr}\n"
        "  - name: b\n"
        "    type: float\n"
        "    min: 5\n"
        "    max: 1\n"
        "label: {column: a, positive_values: [1]}\n"
    )
    assert main(["contract", "check", str(bad)]) == 1
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert f"{bad}:2:25: format.delimiter: String should have at most 1 character" in lines
    assert any(line.startswith(f"{bad}:4:15: columns[0].type: Input should be") for line in lines)
    assert any(line.startswith(f"{bad}:5:5: columns[1]: Value error, min 5.0") for line in lines)
    assert "1 of 1 contract(s) invalid" in out.err
    (tmp_path / "syntax.yaml").write_text("name: x\ncolumns: [\n")
    assert main(["contract", "check", str(tmp_path / "syntax.yaml")]) == 1
    assert ":3:1: <syntax>:" in capsys.readouterr().out


def test_load_errors_name_the_line_and_column_too() -> None:
    with pytest.raises(ContractInvalid, match=r"format\.type.*Extra inputs are not permitted") as error:
        load_contract(
            "schema_version: 2\nname: x\nformat: {type: csv}\ncolumns: [{name: a, type: string}]\n"
            "label: {column: a, positive_values: [y]}\n"
        )
    assert "(line 3, column 10)" in str(error.value)


def test_check_and_migrate_of_a_missing_file_are_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["contract", "check", "/no/such.yaml"], ["contract", "migrate", "/no/such.yaml"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("lockgate contract: cannot read /no/such.yaml") and len(err.splitlines()) == 1
