"""The monthly instance-hours budget of the cost guard (pure).

Default budget: the SageMaker free tier's 125 hours a month of ml.m4.xlarge or ml.m5.xlarge
real-time inference, for the first two months (aws.amazon.com/sagemaker/pricing, "Free Tier").
Hours are estimated from the endpoints alive now: instances x hours since the later of their
creation and the start of the month (endpoints deleted earlier in the month are not counted: a
divergence from the bill, which only Cost Explorer knows).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from lockgate.remediation.ports import EndpointFacts

FREE_TIER_HOURS = 125.0


class BudgetReport(BaseModel):
    """Instance-hours used this month, per endpoint and in total, against the budget."""

    month: str
    budget_hours: float
    used_hours: float
    per_endpoint: dict[str, float]

    @property
    def over(self) -> bool:
        """True when the month's hours exceed the budget."""
        return self.used_hours > self.budget_hours


def month_start(now: datetime) -> datetime:
    """00:00 UTC on the first day of `now`'s month."""
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def instance_hours(endpoints: list[EndpointFacts], now: datetime, budget_hours: float) -> BudgetReport:
    """Estimate this month's instance-hours of the endpoints that are InService (or updating)."""
    start = month_start(now)
    per: dict[str, float] = {}
    for endpoint in endpoints:
        if endpoint.status not in ("InService", "Updating", "SystemUpdating", "RollingBack"):
            continue
        since = max(start, (endpoint.created or start).astimezone(UTC))
        per[endpoint.name] = round(
            endpoint.instance_count * max(0.0, (now - since).total_seconds()) / 3600, 3
        )
    return BudgetReport(
        month=start.strftime("%Y-%m"),
        budget_hours=budget_hours,
        used_hours=round(sum(per.values()), 3),
        per_endpoint=per,
    )
