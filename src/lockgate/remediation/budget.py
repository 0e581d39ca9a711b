"""The monthly instance-hours budget of the cost guard (pure).

Default budget: the SageMaker free tier's 125 hours a month of ml.m4.xlarge or ml.m5.xlarge
real-time inference, for the first two months (aws.amazon.com/sagemaker/pricing, "Free Tier").
Hours are estimated from the endpoints alive now: instances x hours since the later of their
creation and the start of the month. Offline the hours are on the local clock (`clock_speed` local
seconds per real second: at speed 1000 an endpoint alive 36 real seconds has run 10 hours). On AWS
the bill also counts endpoints deleted earlier in the month: `with_bill` takes the larger of the
estimate and the month's SageMaker hosting hours from Cost Explorer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from lockgate.sagemaker_ports import EndpointInfo

FREE_TIER_HOURS = 125.0


class BudgetReport(BaseModel):
    """Instance-hours used this month, per endpoint and in total, against the budget."""

    month: str
    budget_hours: float
    used_hours: float
    per_endpoint: dict[str, float]
    billed: bool = False  # used_hours come from the bill (Cost Explorer), not the estimate

    @property
    def over(self) -> bool:
        """True when the month's hours exceed the budget."""
        return self.used_hours > self.budget_hours


def month_start(now: datetime) -> datetime:
    """00:00 UTC on the first day of `now`'s month."""
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def instance_hours(
    endpoints: list[EndpointInfo], now: datetime, budget_hours: float, clock_speed: float = 1.0
) -> BudgetReport:
    """Estimate this month's instance-hours of the endpoints that are InService (or updating)."""
    start = month_start(now)
    per: dict[str, float] = {}
    for endpoint in endpoints:
        if endpoint.status not in ("InService", "Updating", "SystemUpdating", "RollingBack"):
            continue
        since = max(start, (endpoint.created or start).astimezone(UTC))
        per[endpoint.name] = round(
            endpoint.instance_count * max(0.0, (now - since).total_seconds()) * clock_speed / 3600, 3
        )
    return BudgetReport(
        month=start.strftime("%Y-%m"),
        budget_hours=budget_hours,
        used_hours=round(sum(per.values()), 3),
        per_endpoint=per,
    )


def with_bill(report: BudgetReport, billed_hours: float | None) -> BudgetReport:
    """The report with the bill's hours when they are more than the estimate (the bill also counts
    endpoints deleted earlier in the month; it lags by up to a day, so the estimate may be ahead)."""
    if billed_hours is None or billed_hours <= report.used_hours:
        return report
    return report.model_copy(update={"used_hours": round(billed_hours, 3), "billed": True})
