"""The streaming entry (batches or count tables in, one result out) and the interval in every
output: analysis.json, report.html."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from lockgate.bias.analysis import analyze, count_tables
from lockgate.bias.check import BiasCheckStream, bias_check
from lockgate.bias.specs import BiasConfig, FacetSpec, LabelSpec, PredictionSpec
from lockgate.errors import InputRejected

CONFIG = BiasConfig(
    LabelSpec("y", values=(1,)),
    (FacetSpec("sex", "values", values=("f",)), FacetSpec("age", "threshold", threshold=40.0)),
    group_variable="g",
    prediction=PredictionSpec("p", "scores", 0.5),
    pre_training_methods=("CI", "DPL", "KL", "CDDL"),
    post_training_methods=("DPPL", "DI", "AD", "TE", "GE"),
)


def data(n: int = 3000, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "sex": rng.choice(["f", "m"], n),
            "age": rng.integers(18, 80, n),
            "g": rng.choice(["x", "y", "z"], n),
            "y": rng.integers(0, 2, n),
            "p": rng.random(n),
        }
    )


def test_batches_give_the_result_of_the_whole_table() -> None:
    table = data()
    stream = BiasCheckStream(CONFIG)
    for start in range(0, table.num_rows, 700):
        stream.add(table.slice(start, 700))
    assert stream.result().analysis_json == bias_check(table, CONFIG).analysis_json


def test_predictions_are_joined_on_row_order_by_the_stream() -> None:
    table = data()
    scores = table.column("p")
    stream = BiasCheckStream(CONFIG, predictions=scores, prediction_column="p")
    for start in range(0, table.num_rows, 1000):
        stream.add(table.drop_columns(["p"]).slice(start, 1000))
    assert stream.result().analysis_json == bias_check(table, CONFIG).analysis_json


@pytest.mark.parametrize("predictions", [10, 2999, 3001])
def test_a_prediction_count_that_does_not_match_is_rejected(predictions: int) -> None:
    table = data()
    stream = BiasCheckStream(
        CONFIG,
        predictions=pa.chunked_array([np.zeros(predictions)]),
        prediction_column="p",
        predictions_source="s3://b/p.csv",
    )
    with pytest.raises(InputRejected, match="one prediction per data row") as caught:
        for start in range(0, table.num_rows, 1000):
            stream.add(table.drop_columns(["p"]).slice(start, 1000))
        stream.result()
    assert "s3://b/p.csv" in str(caught.value)


def test_count_tables_from_elsewhere_merge_in() -> None:
    table = data()
    stream = BiasCheckStream(CONFIG)
    stream.add_counts(count_tables(table.slice(0, 1500), CONFIG), CONFIG)
    stream.add(table.slice(1500))
    assert stream.result().analysis_json == bias_check(table, CONFIG).analysis_json


def test_an_empty_stream_is_rejected() -> None:
    with pytest.raises(InputRejected, match="no batch"):
        BiasCheckStream(CONFIG).result()


def test_analysis_json_adds_the_interval_and_keeps_the_value() -> None:
    table = data()
    plain = analyze(table, CONFIG)
    check = bias_check(table, CONFIG, {"confidence": 0.9})
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for entries in check.analysis_json[stage]["facets"].values():
            for metric in entries[0]["metrics"]:
                ci = metric["confidence_interval"]
                assert ci["level"] == 0.9 and set(ci) >= {"lower", "upper", "level", "method"}
                if metric["value"] is not None and ci["lower"] is not None:
                    assert ci["lower"] <= metric["value"] <= ci["upper"]
    values = [m.value for r in plain.results() for m in r.metrics]
    assert values == [m.value for r in check.analysis.results() for m in r.metrics]


def test_the_same_data_gives_the_same_intervals() -> None:
    first, again = bias_check(data(), CONFIG), bias_check(data(), CONFIG)
    assert first.analysis_json == again.analysis_json
    other = bias_check(data(), CONFIG, {"bootstrap_seed": 5})
    assert other.analysis_json != first.analysis_json  # the bootstrapped ones move with the seed


def test_the_report_draws_each_interval_as_a_whisker() -> None:
    check = bias_check(data(), CONFIG)
    defined = sum(
        1
        for r in check.analysis.results()
        for m in r.metrics
        if m.value is not None and m.interval is not None and m.interval.lower is not None
    )
    assert check.report_html.count('<g stroke="#1f2328"') == defined > 0
    assert "n_d=" in check.report_html and "newcombe-wilson" in check.report_html
