"""Clarify's analysis_config.json: accepted as documented, unknown keys named, unsupported features warned."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from lockgate.bias.clarify_config import parse_analysis_config, resolve
from lockgate.bias.specs import POST_TRAINING_METHODS, PRE_TRAINING_METHODS
from lockgate.errors import ContractInvalid


def config(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "version": "1.0",
        "dataset_type": "text/csv",
        "headers": ["age", "sex", "y", "yhat"],
        "label": "y",
        "label_values_or_threshold": [1],
        "facet": [
            {"name_or_index": "sex", "value_or_threshold": ["female"]},
            {"name_or_index": "age", "value_or_threshold": [40]},
        ],
        "group_variable": "sex",
        "predicted_label": "yhat",
        "probability_threshold": 0.7,
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": ["DPPL", "DCAcc"]},
        },
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}


DATA = pa.table(
    {
        "age": list(range(20, 80)),
        "sex": ["female", "male"] * 30,
        "y": [0, 1, 1] * 20,
        "yhat": [0.1, 0.9, 0.6] * 20,
    }
)


def test_the_documented_example_parses_and_resolves() -> None:
    parsed = parse_analysis_config(config())
    assert parsed.pre_training_methods == PRE_TRAINING_METHODS
    assert parsed.post_training_methods == ("DPPL", "DCA")
    assert parsed.warnings == ()
    bias = resolve(parsed, DATA)
    assert [f.kind for f in bias.facets] == ["values", "threshold"]
    assert bias.facets[1].threshold == 40.0
    assert bias.label.values == (1,) and bias.label.threshold is None
    assert bias.prediction is not None and bias.prediction.kind == "scores"
    assert bias.prediction.probability_threshold == 0.7


def test_an_unknown_key_is_contract_invalid_naming_it() -> None:
    with pytest.raises(ContractInvalid, match="'labels'"):
        parse_analysis_config(config(labels="y"))
    with pytest.raises(ContractInvalid, match=r"methods\.bias"):
        parse_analysis_config(config(methods={"bias": {}}))
    with pytest.raises(ContractInvalid, match=r"facet\[0\].value"):
        parse_analysis_config(config(facet=[{"name_or_index": "sex", "value": 1}]))


def test_unsupported_clarify_features_give_one_warning_naming_them_all() -> None:
    methods = {
        "pre_training_bias": {"methods": "all"},
        "shap": {"baseline": []},
        "pdp": {"grid_resolution": 5},
    }
    parsed = parse_analysis_config(
        config(methods=methods, predictor={"model_name": "m"}, predicted_label=None)
    )
    assert len(parsed.warnings) == 1
    for name in ("predictor", "methods.shap", "methods.pdp"):
        assert name in parsed.warnings[0]
    assert parsed.pre_training_methods == PRE_TRAINING_METHODS


def test_fliptest_is_named_in_the_warning_and_the_rest_runs() -> None:
    parsed = parse_analysis_config(config(methods={"post_training_bias": {"methods": ["FT", "DI"]}}))
    assert parsed.post_training_methods == ("DI",)
    assert "FT (FlipTest" in parsed.warnings[0] and "flip_test" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"dataset_type": "application/jsonlines"}, "dataset_type"),
        ({"label": None}, "label"),
        ({"label_values_or_threshold": None}, "label_values_or_threshold"),
        ({"facet": []}, "facet"),
        ({"methods": {"pre_training_bias": {"methods": ["XX"]}}}, "methods.pre_training_bias.methods"),
        ({"methods": {"report": {"name": "r"}}}, "methods"),
        ({"probability_threshold": "high"}, "probability_threshold"),
        ({"version": "2.0"}, "version"),
    ],
)
def test_bad_configs_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ContractInvalid) as info:
        parse_analysis_config(config(**overrides))
    assert info.value.field == field


def test_all_methods_and_indexes() -> None:
    parsed = parse_analysis_config(
        config(
            label=2,
            facet=[{"name_or_index": 1}],
            group_variable=None,
            predicted_label=3,
            methods={"post_training_bias": {"methods": "all"}},
        )
    )
    bias = resolve(parsed, DATA)
    assert bias.label.name == "y" and bias.facets[0].name == "sex" and bias.facets[0].kind == "one_vs_rest"
    assert bias.post_training_methods == POST_TRAINING_METHODS


def test_post_training_without_predictions_is_contract_invalid() -> None:
    parsed = parse_analysis_config(config(predicted_label=None))
    with pytest.raises(ContractInvalid, match="predicted_label"):
        resolve(parsed, DATA)


def test_a_column_not_in_the_data_is_contract_invalid() -> None:
    with pytest.raises(ContractInvalid, match="'region'"):
        resolve(parse_analysis_config(config(group_variable="region")), DATA)


def test_integer_values_are_categories_unless_the_column_is_varied_enough() -> None:
    few = pa.table({"f": [1, 2, 3] * 100, "y": [0, 1, 1] * 100})
    many = pa.table({"f": list(range(300)), "y": [0, 1, 1] * 100})
    binary = pa.table({"f": [0, 1] * 5, "y": [0, 1] * 5})
    raw = config(
        facet=[{"name_or_index": "f", "value_or_threshold": [1]}],
        group_variable=None,
        predicted_label=None,
        methods={"pre_training_bias": {"methods": "all"}},
    )
    assert resolve(parse_analysis_config(raw), few).facets[0].kind == "values"
    assert resolve(parse_analysis_config(raw), many).facets[0].kind == "threshold"
    assert resolve(parse_analysis_config(raw), binary).facets[0].kind == "values"


def test_a_float_binary_label_with_one_value_is_categorical() -> None:
    data = pa.table(
        {"f": ["a", "b"] * 50, "y": [0.0, 1.0, 1.0, 0.0] * 25, "s": [i / 100 for i in range(100)]}
    )
    raw = config(
        label="y",
        label_values_or_threshold=[1],
        facet=[{"name_or_index": "s", "value_or_threshold": [0.5]}],
        group_variable=None,
        predicted_label=None,
        methods={"pre_training_bias": {"methods": "all"}},
    )
    bias = resolve(parse_analysis_config(raw), data)
    assert bias.label.values == (1,) and bias.label.threshold is None
    assert bias.facets[0].kind == "threshold"
