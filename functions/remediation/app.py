"""Remediation: a Lockgate alarm went to ALARM -> its reaction (rollback, idle, drift, notify),
once per alarm transition, audited and announced; on its schedule, the instance-hours budget check.

Event: "CloudWatch Alarm State Change" (rule: Lockgate's alarms, ALARM only) or "Scheduled Event".
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.remediation import RemediationSettings, build_remediator, handle_alarm
from lockgate.messages.base import JsonObject
from lockgate.messages.remediation import AlarmStateChange, RemediationInput, RemediationOutput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = RemediationSettings.from_env()
remediator = build_remediator(settings, metrics)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RemediationInput)
def lambda_handler(event: RemediationInput, context: LambdaContext) -> JsonObject:
    """Parse the event, react once, return what was done."""
    if not isinstance(event.root, AlarmStateChange):
        report, results = remediator.enforce_budget(settings.instance_hours_budget)
        logger.info("budget checked", extra={"used": report.used_hours, "budget": report.budget_hours})
        outcome = "over budget" if report.over else "within budget"
        steps = [f"{r.record.alarm if r.record else '-'}: {r.outcome}" for r in results]
        return RemediationOutput(
            outcome=outcome, steps=steps, budget_used_hours=report.used_hours
        ).to_payload()
    result = handle_alarm(remediator, event.root)
    record = result.record
    logger.info("alarm handled", extra={"outcome": result.outcome, "claim": str(result.claim)})
    return RemediationOutput(
        alarm=event.root.detail.alarmName,
        action=record.action if record else "",
        outcome=result.outcome if result.claim is not None else f"ignored: {result.reason}",
        duplicate=result.claim is not None and result.claim.value == "duplicate",
        dry_run=settings.dry_run,
        steps=[s.detail for s in record.steps] if record else [],
    ).to_payload()
