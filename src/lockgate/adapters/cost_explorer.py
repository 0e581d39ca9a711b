"""AWS Cost Explorer: this month's SageMaker hosting instance-hours as billed (the cost guard).

GetCostAndUsage costs $0.01 a request (about $7 a month at the hourly budget check) and lags the
usage by up to a day; the cost guard takes the larger of this and its own estimate.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded

HOSTING = "Host:ml."  # usage types of real-time inference instances, e.g. USE1-Host:ml.m5.xlarge


class BilledHours:
    """Sum of UsageQuantity (hours) of Amazon SageMaker's hosting usage types this month."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = guarded(client or boto3.client("ce"))

    def month_hours(self, month_start: date, today: date) -> float | None:
        """Hours billed from `month_start` through `today`; None when Cost Explorer cannot say
        (not enabled, no permission, no data yet)."""
        try:
            response = self._client.get_cost_and_usage(
                TimePeriod={"Start": month_start.isoformat(), "End": (today + timedelta(days=1)).isoformat()},
                Granularity="MONTHLY",
                Metrics=["UsageQuantity"],
                Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}},
                GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            )
        except ClientError:
            return None
        hours = 0.0
        for period in response.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                if any(HOSTING in key for key in group.get("Keys", [])):
                    hours += float(group.get("Metrics", {}).get("UsageQuantity", {}).get("Amount", 0) or 0)
        return hours
