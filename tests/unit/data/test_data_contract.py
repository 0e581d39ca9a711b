"""The dataset contract: the demo contract loads, the committed schema is current, errors name fields."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from lockgate.data.contract import Contract, contract_json_schema, contract_json_schema_text, load_contract
from lockgate.errors import ContractInvalid

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


def _demo() -> dict:
    return yaml.safe_load((CONTRACTS / "credit.yaml").read_text())


def test_demo_contract_loads_with_its_bias_section(credit_contract: Contract) -> None:
    assert credit_contract.name == "credit"
    assert credit_contract.label.column == "credit_risk"
    assert credit_contract.keys == ["applicant_id"]
    assert credit_contract.bias is not None
    facets = {f.column: f for f in credit_contract.bias.facets}
    assert facets["sex"].values == ["female"]
    assert facets["age"].threshold == 25
    assert credit_contract.bias.group_variable == "purpose"
    assert credit_contract.bias.thresholds["DI"].min == 0.8
    assert credit_contract.bias.thresholds["DI"].max == 1.25
    for metric in ("DPL", "DPPL", "RD", "AD"):
        bounds = credit_contract.bias.thresholds[metric]
        assert (bounds.min, bounds.max) == (-0.1, 0.1)


def test_committed_json_schema_is_generated_from_the_model() -> None:
    committed = (CONTRACTS / "contract.schema.json").read_text()
    assert committed == contract_json_schema_text(), (
        "contracts/contract.schema.json is stale: regenerate it with "
        "`.venv/bin/python -m lockgate.data.contract > contracts/contract.schema.json`"
    )
    assert json.loads(committed) == contract_json_schema()


def test_demo_contract_satisfies_the_json_schema() -> None:
    schema = json.loads((CONTRACTS / "contract.schema.json").read_text())
    jsonschema.validate(_demo(), schema)


def test_json_text_and_yaml_file_give_the_same_contract(credit_contract: Contract) -> None:
    from_json = load_contract(json.dumps(_demo()) + "\n", "credit.json")
    assert from_json == credit_contract
    assert from_json.sha256() == credit_contract.sha256()


def _invalid(mutate, expected_field: str) -> ContractInvalid:
    data = _demo()
    mutate(data)
    with pytest.raises(ContractInvalid) as info:
        load_contract(yaml.safe_dump(data), "contracts/broken.yaml")
    assert info.value.field == expected_field, str(info.value)
    assert "contracts/broken.yaml" in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["columns"][3].update(min="ten"), "columns[3].min"),
        (lambda d: d["columns"][1].update(type="int"), "columns[1].type"),
        (lambda d: d["columns"][1].update(colour="red"), "columns[1].colour"),
        (lambda d: d["format"].update(accept=["xlsx"]), "format.accept[0]"),
        (lambda d: d["format"].update(accept=[]), "format.accept"),
        (lambda d: d["format"].update(compression="zip"), "format.compression"),
        (lambda d: d.pop("label"), "label"),
        (lambda d: d["rows"].update(min=-1), "rows.min"),
        (lambda d: d["bias"]["facets"][0].update(threshold=3), "bias.facets[0]"),
        (lambda d: d["bias"]["thresholds"].update(DI={"min": 2, "max": 1}), "bias.thresholds.DI"),
        (lambda d: d.update(max_object_bytes=0), "max_object_bytes"),
    ],
)
def test_an_invalid_contract_names_the_field(mutate, field: str) -> None:
    _invalid(mutate, field)


def test_min_greater_than_max_names_the_column() -> None:
    err = _invalid(lambda d: d["columns"][1].update(min=90, max=20), "columns[1]")
    assert "greater than max" in err.detail


def test_split_ratios_must_sum_to_one() -> None:
    err = _invalid(lambda d: d["split"].update(train=0.7), "split")
    assert "must be 1" in err.detail


def test_references_to_undeclared_columns_are_rejected() -> None:
    err = _invalid(lambda d: d.update(keys=["nope"]), "<root>")
    assert "'nope' is not a declared column" in err.detail
    err = _invalid(lambda d: d["bias"].update(group_variable="region"), "<root>")
    assert "bias.group_variable" in err.detail


def test_label_needs_exactly_one_positive_rule() -> None:
    _invalid(lambda d: d["label"].update(positive_threshold=0.5), "label")
    _invalid(lambda d: d["label"].pop("positive_values"), "label")


def test_bad_regex_and_allowed_of_the_wrong_type() -> None:
    err = _invalid(lambda d: d["columns"][2].update(regex="[a-"), "columns[2]")
    assert "invalid regex" in err.detail
    err = _invalid(lambda d: d["columns"][2].update(regex="(?=f)female"), "columns[2]")  # RE2: no lookahead
    assert "RE2" in err.detail
    err = _invalid(lambda d: d["columns"][1].update(allowed=["old"]), "columns[1]")
    assert "not of type integer" in err.detail


def test_yaml_syntax_error_and_non_mapping() -> None:
    with pytest.raises(ContractInvalid) as info:
        load_contract("name: [unclosed\n", "c.yaml")
    assert info.value.field == "<syntax>"
    with pytest.raises(ContractInvalid) as info:
        load_contract("- a\n- b\n", "c.yaml")
    assert info.value.field == "<root>"


def test_missing_contract_file(tmp_path: Path) -> None:
    with pytest.raises(ContractInvalid) as info:
        load_contract(tmp_path / "absent.yaml")
    assert "cannot read" in info.value.detail


def test_defaults_and_gzip_inference(credit_contract: Contract) -> None:
    minimal = load_contract(
        "name: m\ncolumns: [{name: y, type: integer}]\nlabel: {column: y, positive_threshold: 0}\n"
    )
    assert (minimal.split.train, minimal.split.validation, minimal.split.test) == (0.8, 0.1, 0.1)
    assert minimal.format.delimiter == "," and minimal.format.encoding == "utf-8"
    assert minimal.compression_for("raw/m/a.csv") == "none"
    assert minimal.compression_for("raw/m/a.csv.gz") == "gzip"
