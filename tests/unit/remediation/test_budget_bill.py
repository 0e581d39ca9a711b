"""The cost guard's hours: the bill's (Cost Explorer) when larger than the estimate, and what the
adapter asks Cost Explorer (botocore Stubber: the real request shape, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import boto3
from botocore.stub import ANY, Stubber

from lockgate.adapters.cost_explorer import BilledHours
from lockgate.remediation.budget import instance_hours, with_bill
from lockgate.sagemaker_ports import EndpointInfo, VariantInfo

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _endpoint(hours_ago: float) -> EndpointInfo:
    created = datetime.fromtimestamp(NOW.timestamp() - hours_ago * 3600, UTC)
    return EndpointInfo(
        name="e",
        status="InService",
        config="c",
        variants=[VariantInfo(name="AllTraffic", model="m", instances=2)],
        created=created,
    )


def test_the_estimate_runs_on_the_clock_given() -> None:
    assert instance_hours([_endpoint(3)], NOW, 125).used_hours == 6.0
    assert instance_hours([_endpoint(3)], NOW, 125, clock_speed=10).used_hours == 60.0


def test_the_bill_counts_when_it_says_more() -> None:
    estimate = instance_hours([_endpoint(3)], NOW, 10)
    assert not estimate.over
    billed = with_bill(estimate, 40.0)
    assert billed.used_hours == 40.0 and billed.billed and billed.over
    assert with_bill(estimate, 1.0) == estimate and with_bill(estimate, None) == estimate


def test_billed_hours_sum_the_hosting_usage_types() -> None:
    client = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    groups = [
        {"Keys": ["USE1-Host:ml.m5.xlarge"], "Metrics": {"UsageQuantity": {"Amount": "30.5", "Unit": "Hrs"}}},
        {"Keys": ["USE1-Host:ml.m5.large"], "Metrics": {"UsageQuantity": {"Amount": "4", "Unit": "Hrs"}}},
        {"Keys": ["USE1-Train:ml.m5.large"], "Metrics": {"UsageQuantity": {"Amount": "9", "Unit": "Hrs"}}},
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "get_cost_and_usage",
            {"ResultsByTime": [{"Groups": groups}]},
            {
                "TimePeriod": {"Start": "2026-12-01", "End": "2026-12-08"},
                "Granularity": "MONTHLY",
                "Metrics": ["UsageQuantity"],
                "Filter": ANY,
                "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            },
        )
        assert BilledHours(client).month_hours(date(2026, 12, 1), date(2026, 12, 7)) == 34.5
        stub.add_client_error("get_cost_and_usage", "AccessDeniedException")
        assert BilledHours(client).month_hours(date(2026, 12, 1), date(2026, 12, 7)) is None
