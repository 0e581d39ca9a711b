"""The training plan against the data gate's real output (in-memory store): the channels name the
format the splits are written in, and the transform gets the CSV that batch transform can read."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.contract import load_contract
from lockgate.data.xgboost_files import XGBOOST_CONTENT_TYPE
from lockgate.errors import InputRejected
from lockgate.messages.train import PlanTrainingInput
from lockgate.names import split_uri
from lockgate.pipeline.data_gate import DataGate, ObjectRef
from lockgate.pipeline.train_plan import CSV, plan, split_test_csv
from lockgate.sample_data import generate_credit

ROOT = Path(__file__).resolve().parents[3]
BUCKET, ARTIFACTS = "data", "artifacts"
CONTRACT = load_contract(ROOT / "contracts" / "credit.yaml")
FORMATS = {b"PAR1": XGBOOST_CONTENT_TYPE}  # magic bytes -> the content type that reads them


class Claims:
    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def claim(self, key: str, execution: str) -> str:
        return self.seen.setdefault(key, execution)


def _written_format(body: bytes) -> str:
    return FORMATS.get(body[:4], CSV)


def _version(store, tmp_path: Path, rows: int = 1500):  # type: ignore[no-untyped-def]
    store.put(BUCKET, "contracts/credit.yaml", (ROOT / "contracts" / "credit.yaml").read_bytes())
    gate = DataGate(store, clock=lambda: datetime(2026, 11, 22, tzinfo=UTC), workdir=tmp_path)
    sink = io.BytesIO()
    pacsv.write_csv(generate_credit(rows, seed=4), sink)
    body = sink.getvalue()
    store.put(BUCKET, "raw/credit/a.csv", body)
    version = gate.check_object(ObjectRef(BUCKET, "raw/credit/a.csv", "v1", "e", len(body)), "credit")
    splits = {name: location.model_dump() for name, location in version.splits.items()}
    return PlanTrainingInput(
        dataset="credit", version=version.dataset_version, execution="run-1", splits=splits
    )


def test_training_channels_name_the_format_the_data_gate_wrote(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    request = _version(store, tmp_path)
    out = plan(request, CONTRACT, store, Claims(), ARTIFACTS)
    channels = out.training.InputDataConfig
    assert [c["ChannelName"] for c in channels] == ["train", "validation"]
    for channel in channels:
        bucket, prefix = split_uri(channel["DataSource"]["S3DataSource"]["S3Uri"])
        keys = list(store.list_keys(bucket, prefix))
        assert keys, prefix
        for key in keys:  # fails if the writer's format and the channel's ContentType ever disagree
            assert _written_format(store.read(bucket, key)) == channel["ContentType"], key
    assert {c["ContentType"] for c in channels} == {XGBOOST_CONTENT_TYPE}
    # the state machine passes the plan's channels through, for training and for tuning alike
    asl = json.loads((ROOT / "statemachines" / "train.asl.json").read_text())
    text = json.dumps(asl)
    assert text.count('"InputDataConfig.$": "$.plan.training.InputDataConfig"') == 2
    assert "x-parquet" not in text and "text/csv" not in text


def test_the_transform_reads_csv_features_and_evaluation_gets_the_labels(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    request = _version(store, tmp_path)
    out = plan(request, CONTRACT, store, Claims(), ARTIFACTS)
    assert out.transform.TransformInput["ContentType"] == CSV  # XGBoost inference takes no Parquet
    features = store.read(*split_uri(out.test_features))
    labels = store.read(*split_uri(out.test_labels)).split()
    test = pq.read_table(
        io.BytesIO(store.read(*split_uri(request.splits["test"]["xgboost"] + "part-00000.parquet")))
    )
    assert _written_format(features) == CSV and features.count(b"\n") == test.num_rows == len(labels)
    assert [int(v) for v in labels] == test.column(0).to_pylist()
    first = features.split(b"\n", 1)[0].split(b",")
    assert len(first) == test.num_columns - 1  # features only: the label is not sent to the model
    parquet_test = pq.read_table(io.BytesIO(store.read(*split_uri(out.test_data + "part-00000.parquet"))))
    assert parquet_test.num_rows == test.num_rows  # post-training bias aligns these rows


def test_versions_written_before_the_parquet_layout_still_train_on_csv(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    request = _version(store, tmp_path)
    for location in request.splits.values():
        bucket, prefix = split_uri(location["xgboost"])
        (key,) = list(store.list_keys(bucket, prefix))
        table = pq.read_table(io.BytesIO(store.objects.pop((bucket, key))))
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        store.put(bucket, key.replace(".parquet", ".csv"), sink.getvalue())
    out = plan(request, CONTRACT, store, Claims(), ARTIFACTS)
    assert {c["ContentType"] for c in out.training.InputDataConfig} == {CSV}
    old_test = store.read(*split_uri(request.splits["test"]["xgboost"] + "part-00000.csv"))
    features, labels, _ = split_test_csv(old_test)
    assert store.read(*split_uri(out.test_features)) == features
    assert store.read(*split_uri(out.test_labels)) == labels


def test_a_split_in_two_formats_is_rejected(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    request = _version(store, tmp_path)
    bucket, prefix = split_uri(request.splits["train"]["xgboost"])
    store.put(bucket, f"{prefix}part-00001.csv", b"1,2\n")
    with pytest.raises(InputRejected, match="one_split_format"):
        plan(request, CONTRACT, store, Claims(), ARTIFACTS)
