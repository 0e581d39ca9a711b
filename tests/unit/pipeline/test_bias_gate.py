"""The bias step against an in-memory store: the contract drives the Clarify config and the gate."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lockgate.bias.clarify_config import parse_analysis_config
from lockgate.bias.policy import Threshold
from lockgate.bias.specs import FacetSpec
from lockgate.data.contract import load_contract
from lockgate.errors import InputRejected
from lockgate.pipeline.bias_gate import BiasGate, analysis_config_for, bias_config_for, policy_for
from lockgate.pipeline.data_gate import DataGate, ObjectRef
from lockgate.sample_data import generate_credit

CONTRACT = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"


@pytest.fixture
def version(store, tmp_path: Path) -> dict:  # type: ignore[no-untyped-def]
    store.put("data", "contracts/credit.yaml", CONTRACT.read_bytes())
    buffer = io.BytesIO()
    pa.csv.write_csv(generate_credit(8000, seed=3), buffer)  # enough rows for a confident pass
    store.put("data", "raw/credit/a.csv", buffer.getvalue())
    return DataGate(store, workdir=tmp_path).check_object(ObjectRef("data", "raw/credit/a.csv"), "credit")


def test_the_contract_becomes_a_clarify_config_clarify_accepts() -> None:
    contract = load_contract(CONTRACT)
    config = analysis_config_for(contract, post_training=True)
    assert config["label"] == "credit_risk" and config["label_values_or_threshold"] == ["good"]
    assert {"name_or_index": "age", "value_or_threshold": [25.0]} in config["facet"]
    assert config["group_variable"] == "purpose"
    parsed = parse_analysis_config(config)
    assert parsed.warnings == ()


def test_the_contract_thresholds_become_the_gate_policy() -> None:
    policy = policy_for(load_contract(CONTRACT))
    assert policy.threshold_for("sex", "DI") == Threshold(min=0.8, max=1.25)
    assert policy.optional == ["CDDL"] and policy.confidence == 0.95 and policy.min_group_rows == 30


def test_a_threshold_facet_is_compared_as_a_number_not_a_category() -> None:
    config = bias_config_for(load_contract(CONTRACT), post_training=True)
    assert FacetSpec("age", "threshold", threshold=25.0) in config.facets
    assert FacetSpec("sex", "values", values=("female",)) in config.facets
    assert config.prediction is not None and config.prediction.kind == "scores"
    assert config.label.values == ("good",) and config.group_variable == "purpose"


def test_pre_training_writes_clarify_analysis_and_passes(store, version: dict) -> None:  # type: ignore[no-untyped-def]
    check, summary = BiasGate(store, "art").check(
        "data", "credit", version.dataset_version, version.splits["train"].parquet
    )
    assert summary.verdict == "pass" and summary.stage == "pre_training"
    analysis = json.loads(store.read("art", summary.analysis.removeprefix("s3://art/")))
    assert set(analysis["pre_training_bias_metrics"]["facets"]) == {"sex", "age", "foreign_worker"}
    age = analysis["pre_training_bias_metrics"]["facets"]["age"][0]
    assert age["value_or_threshold"].startswith("(25, ")  # a threshold on the integer column, not age == 25
    dpl = next(m for m in age["metrics"] if m["name"] == "DPL")
    assert dpl["confidence_interval"]["method"] == "newcombe-wilson"
    assert dpl["confidence_interval"]["lower"] <= dpl["value"] <= dpl["confidence_interval"]["upper"]
    assert all(name.startswith("bias_metric_") for name, _, _ in check.metric_data)
    config = json.loads(
        store.read(
            "art",
            summary.analysis.removeprefix("s3://art/").replace("analysis.json", "analysis_config.json"),
        )
    )
    assert config["label"] == "credit_risk"


def test_post_training_joins_scores_on_row_order(store, version: dict) -> None:  # type: ignore[no-untyped-def]
    test_prefix = version.splits["test"].parquet
    rows = sum(
        pq.read_metadata(io.BytesIO(store.read("data", k))).num_rows
        for k in store.list_keys("data", test_prefix.removeprefix("s3://data/"))
    )
    scores = np.random.default_rng(0).random(rows)
    store.put("data", "p.csv", "".join(f"{s:.5f}\n" for s in scores).encode())
    check, summary = BiasGate(store, "art").check("data", "credit", "v", test_prefix, "s3://data/p.csv")
    assert summary.stage == "post_training" and summary.verdict in {"pass", "fail", "needs-human"}
    stages = {dims["BiasStage"] for _, _, dims in check.metric_data}
    assert stages == {"pre_training", "post_training"}


def test_a_predictions_file_of_the_wrong_length_is_rejected(store, version: dict) -> None:  # type: ignore[no-untyped-def]
    store.put("data", "p.csv", b"0.5\n0.7\n")
    with pytest.raises(InputRejected, match="one prediction per data row"):
        BiasGate(store, "art").check("data", "credit", "v", version.splits["test"].parquet, "s3://data/p.csv")


def test_an_empty_prefix_is_rejected_by_name(store, version: dict) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputRejected, match="has_data_files"):
        BiasGate(store, "art").check("data", "credit", "v", "s3://data/datasets/credit/none/")


def test_a_split_in_many_part_files_gives_the_metrics_of_one_file(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store.put("data", "contracts/credit.yaml", CONTRACT.read_bytes())
    table, gate = generate_credit(3000, seed=8), DataGate(store, workdir=tmp_path)
    results = []
    for number, start in enumerate(range(0, 3000, 700)):
        buffer = io.BytesIO()
        pa.csv.write_csv(table.slice(start, 700), buffer)
        store.put("data", f"raw/credit/b/part-{number}.csv", buffer.getvalue())
        results.append(gate.check_part(ObjectRef("data", f"raw/credit/b/part-{number}.csv"), "credit", "e"))
    many = gate.reduce_parts("data", "raw/credit/b/", "credit", "e", results)
    whole = io.BytesIO()
    pa.csv.write_csv(table, whole)
    store.put("data", "raw/credit/whole.csv", whole.getvalue())
    one = gate.check_object(ObjectRef("data", "raw/credit/whole.csv"), "credit")
    assert len(list(store.list_keys("data", many.splits["train"].parquet[len("s3://data/") :]))) == 5
    checks = [
        BiasGate(store, "art").check("data", "credit", v.dataset_version, v.splits["train"].parquet)
        for v in (one, many)
    ]
    assert checks[0][0].analysis_json == checks[1][0].analysis_json
