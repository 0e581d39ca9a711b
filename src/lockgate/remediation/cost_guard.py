"""The scheduled cost guard: over the month's instance-hours budget, every endpoint goes through the
idle reaction once per endpoint and month (lockgate.remediation.budget counts the hours)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockgate.names import reaction_alarm_name
from lockgate.remediation.alarms import AlarmTransition, MetricRef
from lockgate.remediation.budget import BudgetReport, instance_hours, month_start, with_bill

if TYPE_CHECKING:
    from lockgate.remediation.reactions import Remediator, Result


def enforce_budget(remediator: Remediator, budget_hours: float) -> tuple[BudgetReport, list[Result]]:
    """The scheduled cost guard: over the month's instance-hours budget, every endpoint goes
    through the idle reaction (tagged ones are deleted or scaled, untagged ones reported),
    once per endpoint and month."""
    now = remediator.now()
    report = instance_hours(remediator.ports.endpoints.list_all(), now, budget_hours, remediator.clock_speed)
    if remediator.ports.billing is not None:
        report = with_bill(report, remediator.ports.billing.month_hours(month_start(now).date(), now.date()))
    if not report.over:
        return report, []
    results = []
    for name in sorted(report.per_endpoint):
        transition = AlarmTransition(
            alarm_name=reaction_alarm_name(remediator.environment, "idle", f"budget-{name}"),
            state="ALARM",
            previous_state="OK",
            reason=(
                f"{report.used_hours:g} instance-hours used in {report.month}, budget {report.budget_hours:g}"
            ),
            timestamp=report.month,
            metric=MetricRef(
                namespace="AWS/SageMaker", name="InstanceHours", dimensions={"EndpointName": name}
            ),
        )
        results.append(remediator.handle(transition))
    return report, results
