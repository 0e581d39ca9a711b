"""PromoteVariant: an A/B test's winner takes all traffic (UpdateEndpointWeightsAndCapacities 100/0).

Invoked by `lockgate promote <endpoint> --variant <winner>`, or by hand on AWS:
`aws lambda invoke --function-name lockgate-promote-variant-<env>`
--payload '{"endpoint": ..., "variant": ...}'.
The winner's package becomes the endpoint's live package; lineage, a VariantPromoted event and an SNS
message record it. VariantsInvalid (no such variant, a single-variant endpoint) and EndpointBusy (the
endpoint is not InService) change nothing.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.promote_variant import PromoteVariantSettings, build_promote
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import PromoteRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = PromoteVariantSettings.from_env()
promote = build_promote(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PromoteRequest)
def lambda_handler(event: PromoteRequest, context: LambdaContext) -> JsonObject:
    """PromoteRequest -> PromoteResult (the endpoint is Updating until SageMaker applies the weights)."""
    result = promote(event, context.aws_request_id)
    metrics.add_metric(name="VariantPromoted", unit=MetricUnit.Count, value=1)
    logger.info("promoted", extra={"endpoint": result.endpoint, "weights": result.weights})
    return result.to_payload()
