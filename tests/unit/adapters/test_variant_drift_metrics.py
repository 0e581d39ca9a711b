"""`lockgate variants` reads each variant's drift beside its traffic: the monitor's latest
drifted_features / feature_drift_max with VariantName (moto's CloudWatch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from lockgate.adapters.variant_metrics import MONITORING, VariantMetrics
from lockgate.monitoring.monitor import NAMESPACE


def test_the_latest_drift_of_each_variant_or_none() -> None:
    assert MONITORING == NAMESPACE
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        now = datetime.now(UTC)
        for minutes_ago, count in ((20, 3.0), (5, 1.0)):
            cloudwatch.put_metric_data(
                Namespace=MONITORING,
                MetricData=[
                    {
                        "MetricName": name,
                        "Value": value,
                        "Timestamp": now - timedelta(minutes=minutes_ago),
                        "Dimensions": [
                            {"Name": "EndpointName", "Value": "lockgate-dev-credit"},
                            {"Name": "VariantName", "Value": "challenger"},
                        ],
                    }
                    for name, value in (("drifted_features", count), ("feature_drift_max", count / 4))
                ],
            )
        metrics = VariantMetrics(cloudwatch)
        challenger = metrics.read("lockgate-dev-credit", "challenger", minutes=60)
        assert challenger.drifted_features == 1 and challenger.max_psi == 0.25  # the newest pass
        champion = metrics.read("lockgate-dev-credit", "champion", minutes=60)
        assert champion.drifted_features is None and champion.max_psi is None  # not measured
