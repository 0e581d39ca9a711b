"""Bias gate: Clarify-compatible bias metrics for a dataset version (pre-training, on its train
split) or a model's predictions (post-training), gated by the dataset contract's thresholds.

Writes analysis.json (Clarify's shape), report.html and gate.json to the artifact bucket, emits
`bias_metric_<NAME>` metrics with Facet, FacetValue and BiasStage dimensions (EMF, like
Clarify's), and returns the verdict: pass, fail or needs-human, with reasons.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.bias_check import BiasCheckSettings, build_bias_gate
from lockgate.messages.base import JsonObject
from lockgate.messages.bias import BiasCheckRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = BiasCheckSettings.from_env()
gate = build_bias_gate(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=BiasCheckRequest)
def lambda_handler(event: BiasCheckRequest, context: LambdaContext) -> JsonObject:
    """{dataset, version, data: s3 uri (object or prefix), predictions?: s3 uri} -> verdict."""
    bucket = event.bucket or settings.data_bucket
    check, summary = gate.check(
        bucket, event.dataset, event.version, event.data, event.predictions, run=event.run
    )
    for name, value, dimensions in check.metric_data:
        with single_metric(
            name=name, unit=MetricUnit.NoUnit, value=value, namespace=metrics.namespace
        ) as metric:
            for key, dimension in dimensions.items():
                metric.add_dimension(name=key, value=str(dimension))
    metrics.add_metric(name=f"BiasGate_{summary.verdict}", unit=MetricUnit.Count, value=1)
    logger.info("bias verdict", extra={"verdict": summary.verdict, "reasons": summary.reasons})
    return summary.to_payload()
