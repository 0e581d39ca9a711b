"""CloudWatch metric data like Clarify's: bias_metric_<NAME> with Facet, FacetValue, BiasStage.

A pure function: the handler publishes the list (Powertools Metrics, EMF). Undefined metrics are
not emitted: CloudWatch has no null, and a 0 would read as "no bias".
"""

from __future__ import annotations

from lockgate.bias.analysis import BiasAnalysis

MetricDatum = tuple[str, float, dict[str, str]]


def metric_data(analysis: BiasAnalysis) -> list[MetricDatum]:
    """(name, value, dimensions) for every defined metric of every facet value and stage."""
    return [
        (
            f"bias_metric_{m.name}",
            m.value,
            {"Facet": r.facet, "FacetValue": r.value_or_threshold, "BiasStage": r.stage},
        )
        for r in analysis.results()
        for m in r.metrics
        if m.value is not None
    ]
