"""MonitoringSources.baseline: a package naming a dataset version with no manifest (its data was
deleted, or the package came from elsewhere) has no baseline; it must not fail the whole pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lockgate.adapters.monitoring import MonitoringSources
from lockgate.monitoring.monitor import MonitoredEndpoint, monitor_pass

REGION = "us-east-1"


def _unused(service: str) -> Any:
    """A client the test never calls (these tests read S3 only)."""
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for bucket in ("data", "artifacts"):
            client.create_bucket(Bucket=bucket)
        yield client


def test_a_version_without_a_manifest_has_no_baseline(s3: Any) -> None:
    sources = MonitoringSources(
        "data", "artifacts", "dev", s3=s3, sagemaker=_unused("sagemaker"), cloudwatch=_unused("cloudwatch")
    )
    assert sources.baseline("credit", "0" * 64) is None


def test_the_pass_reports_such_an_endpoint_instead_of_failing(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = MonitoringSources(
        "data", "artifacts", "dev", s3=s3, sagemaker=_unused("sagemaker"), cloudwatch=_unused("cloudwatch")
    )
    gone = MonitoredEndpoint(name="lockgate-dev-credit", dataset="credit", version="0" * 64)
    monkeypatch.setattr(sources, "endpoints", lambda: [gone])
    s3.put_object(Bucket="artifacts", Key="capture/lockgate-dev-credit/AllTraffic/x.jsonl", Body=b"{}\n")
    (report,) = monitor_pass(sources).endpoints
    assert report.rows == 0 and "0000000000" in report.note and "no manifest" in report.note


def test_the_baseline_is_per_contract_column_from_the_raw_train_split(s3: Any) -> None:
    import json as _json
    from pathlib import Path

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from lockgate.data.contract import load_contract
    from lockgate.data.splitting import feature_names, split_table
    from lockgate.data.xgboost_files import xgboost_matrix
    from lockgate.monitoring.columns import column_view
    from lockgate.sample_data import generate_credit

    root = Path(__file__).parents[3]
    contract = load_contract(root / "contracts" / "credit.yaml")
    splits = split_table(generate_credit(2000, seed=3), contract)
    prefix = "datasets/credit/v1/"
    s3.put_object(
        Bucket="data", Key="contracts/credit.yaml", Body=(root / "contracts" / "credit.yaml").read_bytes()
    )
    s3.put_object(Bucket="data", Key=f"{prefix}manifest.json", Body=_json.dumps({}).encode())
    s3.put_object(
        Bucket="data", Key=f"{prefix}parquet/train/part-00000.parquet", Body=splits["train"]["parquet"]
    )
    sources = MonitoringSources(
        "data", "artifacts", "dev", s3=s3, sagemaker=_unused("sagemaker"), cloudwatch=_unused("cloudwatch")
    )
    baseline = sources.baseline("credit", "v1")
    assert baseline is not None
    assert baseline.names == [
        "age",
        "sex",
        "foreign_worker",
        "purpose",
        "credit_amount",
        "duration_months",
        "savings",
        "employment_years",
    ]
    assert [f.numeric for f in baseline.features] == [True, False, False, False, True, True, False, True]
    assert baseline.input_names == feature_names(contract)
    # the same numbers as the data gate's training matrix mapped to columns
    matrix = xgboost_matrix(pq.read_table(pa.BufferReader(splits["train"]["xgboost"])))[:, 1:]
    expected = column_view(feature_names(contract)).apply(matrix)
    assert baseline.rows == len(expected)
    age = baseline.features[0]
    assert age.quantiles[0] == float(np.min(expected[:, 0])) and age.quantiles[-1] == float(
        np.max(expected[:, 0])
    )
    assert s3.head_object(Bucket="data", Key=f"{prefix}baseline-columns.json")  # cached


def test_the_column_view_codes_one_hot_blocks_and_unknown_categories() -> None:
    import numpy as np

    from lockgate.monitoring.columns import column_view

    view = column_view(["age", "sex=female", "sex=male", "amount"])
    assert view.names == ["age", "sex", "amount"] and view.numeric == [True, False, True]
    rows = np.array([[30, 0, 1, 5.0], [40, 1, 0, 6.0], [50, 0, 0, 7.0]])
    assert view.apply(rows).tolist() == [[30, 1, 5.0], [40, 0, 6.0], [50, 2, 7.0]]
