"""CloudWatch metric data like Clarify's: bias_metric_<NAME> with Facet, FacetValue, BiasStage.

A pure function: the handler publishes the list (Powertools Metrics, EMF). Undefined metrics are
not emitted: CloudWatch has no null, and a 0 would read as "no bias". A metric with a defined
confidence interval also gets bias_metric_<NAME>_lower and bias_metric_<NAME>_upper (same
dimensions), so an alarm can watch the value or either bound.
"""

from __future__ import annotations

from lockgate.bias.analysis import BiasAnalysis

MetricDatum = tuple[str, float, dict[str, str]]


def metric_data(analysis: BiasAnalysis) -> list[MetricDatum]:
    """(name, value, dimensions) for every defined metric (and interval bound) of every facet
    value and stage."""
    out: list[MetricDatum] = []
    for r in analysis.results():
        dimensions = {"Facet": r.facet, "FacetValue": r.value_or_threshold, "BiasStage": r.stage}
        for m in r.metrics:
            if m.value is None:
                continue
            out.append((f"bias_metric_{m.name}", m.value, dimensions))
            ci = m.interval
            if ci is not None and ci.lower is not None and ci.upper is not None:
                out.append((f"bias_metric_{m.name}_lower", ci.lower, dimensions))
                out.append((f"bias_metric_{m.name}_upper", ci.upper, dimensions))
    return out
