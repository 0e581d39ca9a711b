"""Monitor: on its schedule, endpoint data capture -> feature drift (PSI, KS) against the training
baseline and post-training bias on labelled live rows -> Lockgate/Monitoring metrics -> the
drift alarms. Model Monitor's job, in a function (Model Monitor closes to new customers 2026-07-30).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.monitor import MonitorSettings, build_monitor
from lockgate.messages.base import JsonObject
from lockgate.messages.monitoring import MonitorInput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = MonitorSettings.from_env()
monitor_pass = build_monitor(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=MonitorInput)
def lambda_handler(event: MonitorInput, context: LambdaContext) -> JsonObject:
    """One monitoring pass over every managed endpoint."""
    output = monitor_pass()
    logger.info("monitoring pass", extra={"endpoints": [e.endpoint for e in output.endpoints]})
    return output.to_payload()
