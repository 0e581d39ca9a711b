"""The count table: one pass, merge by addition, JSON round trip, nulls skipped and counted."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from lockgate.bias.analysis import analysis_from_counts, analyze, count_tables, merge_all, to_analysis_json
from lockgate.bias.counts import MAX_MASK_CELLS, CountTable, build_counts, merge
from lockgate.bias.specs import (
    POST_TRAINING_METHODS,
    PRE_TRAINING_METHODS,
    BiasConfig,
    FacetSpec,
    LabelSpec,
    PredictionSpec,
    config_from_json,
    config_to_json,
)
from lockgate.errors import InputRejected

LABEL = LabelSpec("y", values=(1,))
PRED = PredictionSpec("p")


def table(n: int = 1000, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "f": rng.choice(["a", "b", "c"], n),
            "x": rng.random(n),
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "g": rng.integers(0, 3, n),
        }
    )


def brute_force(t: pa.Table, in_d: np.ndarray) -> np.ndarray:
    y, p = t.column("y").to_numpy(), t.column("p").to_numpy()
    out = np.zeros((2, 2, 2), dtype=np.int64)
    for c, mask in enumerate((in_d, ~in_d)):
        for lab in (0, 1):
            for pr in (0, 1):
                out[c, lab, pr] = np.sum(mask & (y == lab) & (p == pr))
    return out


def test_values_facet_counts_every_cell_like_brute_force() -> None:
    t = table()
    ct = build_counts(t, FacetSpec("f", "values", values=("a", "c")), LABEL, prediction=PRED)
    in_d = np.isin(t.column("f").to_numpy(zero_copy_only=False), ["a", "c"])
    assert ct.counts.shape == (1, 2, 2, 2)
    np.testing.assert_array_equal(ct.counts[0], brute_force(t, in_d))


def test_threshold_facet_is_open_below_and_closed_above() -> None:
    t = pa.table({"x": [1, 2, 3, 4], "y": [1, 1, 0, 0], "p": [0, 1, 0, 1]})
    ct = build_counts(t, FacetSpec("x", "threshold", threshold=2), LABEL, prediction=PRED)
    assert ct.counts[0, 0].sum() == 2  # 3 and 4 are d; 2 is not
    assert ct.facet_max == 4
    assert ct.counts[0, 0, 0].tolist() == [1, 1]  # d has only negatives: one predicted 0, one 1


def test_group_and_category_paths_agree_with_the_bincount_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    t = table(5000, seed=3)
    spec = FacetSpec("f", "one_vs_rest")
    masks = build_counts(t, spec, LABEL, prediction=PRED, group_variable="g")
    monkeypatch.setattr("lockgate.bias.counts.MAX_MASK_CELLS", 0)
    codes = build_counts(t, spec, LABEL, prediction=PRED, group_variable="g")
    assert MAX_MASK_CELLS > 0
    np.testing.assert_array_equal(masks.counts, codes.counts)
    assert masks.counts.sum() == 5000


def test_partition_counts_merge_to_the_whole_to_the_last_bit() -> None:
    t = table(3000, seed=5)
    config = BiasConfig(
        LABEL,
        (FacetSpec("f", "one_vs_rest"), FacetSpec("x", "threshold", threshold=0.3)),
        group_variable="g",
        prediction=PRED,
        pre_training_methods=PRE_TRAINING_METHODS,
        post_training_methods=POST_TRAINING_METHODS,
    )
    whole = analyze(t, config)
    parts = [count_tables(t.slice(i, 700), config) for i in range(0, 3000, 700)][::-1]  # any order
    # through JSON, as a Distributed Map would pass them
    parts = [[CountTable.from_json(json.loads(json.dumps(c.to_json()))) for c in p] for p in parts]
    merged = analysis_from_counts(merge_all(parts), config)
    assert to_analysis_json(merged) == to_analysis_json(whole)


def test_merge_aligns_categories_seen_in_only_some_partitions_and_sorts_them() -> None:
    one = build_counts(pa.table({"f": ["a", "a"], "y": [1, 0]}), FacetSpec("f", "one_vs_rest"), LABEL)
    two = build_counts(pa.table({"f": ["c", "b", "c"], "y": [1, 1, 0]}), FacetSpec("f", "one_vs_rest"), LABEL)
    merged = merge([two, one])
    assert merged.categories == ["a", "b", "c"]
    assert merged.counts[0, :, :, 0].tolist() == [[1, 1], [0, 1], [1, 1]]


def test_merge_refuses_tables_of_different_facets() -> None:
    t = table(10)
    with pytest.raises(ValueError, match="different facets"):
        merge(
            [
                build_counts(t, FacetSpec("f", "one_vs_rest"), LABEL),
                build_counts(t, FacetSpec("g", "one_vs_rest"), LABEL),
            ]
        )


def test_rows_with_missing_values_are_skipped_and_counted() -> None:
    t = pa.table({"f": ["a", None, "b", "a"], "x": [0.1, 0.2, float("nan"), 0.4], "y": [1, 0, 1, None]})
    ct = build_counts(t, FacetSpec("x", "threshold", threshold=0.15), LABEL)
    assert ct.rows == 2 and ct.rows_skipped == 2
    ct = build_counts(t, FacetSpec("f", "values", values=("a",)), LABEL)
    assert ct.rows == 2 and ct.rows_skipped == 2


def test_configured_values_are_cast_to_the_column_type() -> None:
    t = pa.table({"f": ["1", "2", "1"], "y": ["yes", "no", "yes"]})
    ct = build_counts(t, FacetSpec("f", "values", values=(1,)), LabelSpec("y", values=("yes",)))
    assert ct.counts[0, 0, 1, 0] == 2


def test_a_missing_column_is_input_rejected_naming_it() -> None:
    with pytest.raises(InputRejected, match="'nope'"):
        build_counts(table(10), FacetSpec("nope", "one_vs_rest"), LABEL)


def test_a_threshold_on_text_is_input_rejected() -> None:
    t = pa.table({"f": ["x", "y"], "y": [1, 0]})
    with pytest.raises(InputRejected, match="numeric"):
        build_counts(t, FacetSpec("f", "threshold", threshold=1.0), LABEL)


def test_a_resolved_config_survives_json_for_the_partitions() -> None:
    config = BiasConfig(
        LABEL,
        (FacetSpec("f", "values", values=("a",)), FacetSpec("x", "threshold", threshold=0.5)),
        group_variable="g",
        prediction=PredictionSpec("p", "scores", 0.7),
        pre_training_methods=PRE_TRAINING_METHODS,
        post_training_methods=("DI",),
    )
    assert config_from_json(json.loads(json.dumps(config_to_json(config)))) == config


def test_an_empty_table_gives_undefined_metrics_not_zeros() -> None:
    t = pa.table(
        {
            "f": pa.array([], pa.string()),
            "x": pa.array([], pa.float32()),
            "y": pa.array([], pa.int8()),
            "p": pa.array([], pa.int8()),
        }
    )
    config = BiasConfig(
        LABEL,
        (FacetSpec("f", "values", values=("a",)), FacetSpec("x", "threshold", threshold=0.5)),
        prediction=PRED,
        pre_training_methods=PRE_TRAINING_METHODS,
        post_training_methods=POST_TRAINING_METHODS,
    )
    result = analyze(t, config)
    assert all(m.value is None and m.reason for r in result.results() for m in r.metrics)


@pytest.mark.parametrize(
    ("values", "threshold", "expected"),
    [
        ([1, 2, 3, 127], 2.5, [False, False, True, True]),
        ([1, 2, 3, 127], -1000.0, [True, True, True, True]),
        ([1, 2, 3, 127], 1000.0, [False, False, False, False]),
    ],
)
def test_integer_thresholds_compare_exactly_even_outside_the_type(
    values: list, threshold: float, expected: list
) -> None:
    t = pa.table({"x": pa.array(values, pa.int8()), "y": [1, 0, 1, 0]})
    ct = build_counts(t, FacetSpec("x", "threshold", threshold=threshold), LABEL)
    assert ct.counts[0, 0].sum() == sum(expected)


def test_float32_thresholds_compare_in_double_precision() -> None:
    t = pa.table({"x": pa.array([0.1, 0.2], pa.float32()), "y": [1, 0]})
    # float32(0.1) is 0.100000001490116..., which is above the double 0.1
    ct = build_counts(t, FacetSpec("x", "threshold", threshold=0.1), LABEL)
    assert ct.counts[0, 0].sum() == 2


def test_dictionary_columns_count_like_plain_ones() -> None:
    plain = table(500, seed=9)
    encoded = plain.set_column(0, "f", plain.column("f").dictionary_encode()).set_column(
        4, "g", plain.column("g").dictionary_encode()
    )
    for spec in (FacetSpec("f", "one_vs_rest"), FacetSpec("f", "values", values=("b",))):
        a = build_counts(plain, spec, LABEL, prediction=PRED, group_variable="g")
        b = build_counts(encoded, spec, LABEL, prediction=PRED, group_variable="g")
        assert a.categories == b.categories and a.groups == b.groups
        np.testing.assert_array_equal(a.counts, b.counts)
