"""Contract tests: the moto internals lockgate.local.cloudwatch.percentiles relies on, and the hook
answering ExtendedStatistics as AWS does (moto alone returns none)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from moto.cloudwatch.models import Statistics
from moto.cloudwatch.responses import CloudWatchResponse

from lockgate.local.cloudwatch import percentiles


@pytest.mark.parametrize(("owner", "name"), percentiles.PATCH_TARGETS)
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name)


def test_moto_still_ignores_extended_statistics() -> None:
    """Drop the hook when moto computes percentiles itself."""
    source = inspect.getsource(CloudWatchResponse.get_metric_statistics)
    assert "To Be Implemented" in source and "extended_statistics" in source
    assert "metric_data" in inspect.getsource(Statistics.__init__)


def test_percentile_interpolates() -> None:
    assert percentiles.percentile([1.0], 50) == 1.0
    assert percentiles.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentiles.percentile([1.0, 2.0, 3.0], 100) == 3.0


@pytest.fixture
def cloudwatch() -> Iterator[object]:
    with mock_aws():
        percentiles.apply()
        try:
            yield boto3.client("cloudwatch", region_name="us-east-1")
        finally:
            percentiles.remove()


def _ask(client: object, now: datetime, **statistics: object) -> list[dict[str, object]]:
    return client.get_metric_statistics(  # type: ignore[attr-defined,no-any-return]
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": "e"}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=3600,
        **statistics,
    )["Datapoints"]


def test_p50_is_answered_and_can_fail(cloudwatch: object) -> None:
    now = datetime.now(UTC)
    data = [
        {
            "MetricName": "ModelLatency",
            "Dimensions": [{"Name": "EndpointName", "Value": "e"}],
            "Value": value,
            "Timestamp": now,
        }
        for value in (10.0, 20.0, 30.0, 1000.0)
    ]
    cloudwatch.put_metric_data(Namespace="AWS/SageMaker", MetricData=data)  # type: ignore[attr-defined]
    points = _ask(cloudwatch, now, ExtendedStatistics=["p50", "p99"], Statistics=["SampleCount"])
    assert len(points) == 1 and points[0]["SampleCount"] == 4
    assert points[0]["ExtendedStatistics"]["p50"] == 25.0
    assert 970 < points[0]["ExtendedStatistics"]["p99"] < 1000
    percentiles.remove()
    assert "ExtendedStatistics" not in _ask(cloudwatch, now, ExtendedStatistics=["p50"])[0]
