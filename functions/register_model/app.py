"""Evaluation gate and registration: the contract's minimum metrics and no regression beyond its
margin against the latest Approved package of the group; then a model package in
lockgate-<Environment>-<dataset> (PendingManualApproval, or Approved by the contract's
auto-approval policy, reasons in ApprovalDescription) and the lineage record."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.register_model import RegisterModelSettings, build_registrar
from lockgate.messages.base import JsonObject
from lockgate.messages.train import RegisterModelInput
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = RegisterModelSettings.from_env()
registrar = build_registrar(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RegisterModelInput)
def lambda_handler(event: RegisterModelInput, context: LambdaContext) -> JsonObject:
    """The run's artifacts -> the gate's verdict and the package."""
    output = registrar.register(event)
    metrics.add_metric(name=f"EvaluationGate_{output.verdict}", unit=MetricUnit.Count, value=1)
    logger.info("registration", extra={"verdict": output.verdict, "package": output.package_arn})
    return output.to_payload()
