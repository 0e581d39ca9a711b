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


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for bucket in ("data", "artifacts"):
            client.create_bucket(Bucket=bucket)
        yield client


def test_a_version_without_a_manifest_has_no_baseline(s3: Any) -> None:
    sources = MonitoringSources("data", "artifacts", "dev", s3=s3, sagemaker=object(), cloudwatch=object())
    assert sources.baseline("credit", "0" * 64) is None


def test_the_pass_reports_such_an_endpoint_instead_of_failing(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = MonitoringSources("data", "artifacts", "dev", s3=s3, sagemaker=object(), cloudwatch=object())
    gone = MonitoredEndpoint(name="lockgate-dev-credit", dataset="credit", version="0" * 64)
    monkeypatch.setattr(sources, "endpoints", lambda: [gone])
    s3.put_object(Bucket="artifacts", Key="capture/lockgate-dev-credit/AllTraffic/x.jsonl", Body=b"{}\n")
    (report,) = monitor_pass(sources).endpoints
    assert report.rows == 0 and "0000000000" in report.note and "no manifest" in report.note
