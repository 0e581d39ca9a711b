"""The bias gate: thresholds per metric (optionally per facet) -> pass | fail | needs-human.

Rules, per facet value and metric with a threshold:
- value outside [min, max]                  -> fail
- value None (undefined), metric required   -> fail (fail closed: an undefined metric never passes)
- value None, metric listed as optional     -> needs-human (a person decides; the reason is shown)
- value inside but within `margin` of a bound -> needs-human (too close to call on one sample)
- otherwise                                 -> pass
The verdict is fail if any check fails, else needs-human if any check needs a human or the data
carries a warning (no positive label at all, every prediction one class, rows skipped), else pass.
Metrics without a threshold are reported, not gated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from lockgate.bias.analysis import BiasAnalysis
from lockgate.bias.specs import METHOD_ALIASES, POST_TRAINING_METHODS, PRE_TRAINING_METHODS
from lockgate.errors import ContractInvalid

Status = Literal["pass", "fail", "needs-human"]
KNOWN_METRICS = set(PRE_TRAINING_METHODS) | set(POST_TRAINING_METHODS)


@dataclass(frozen=True)
class Threshold:
    """Allowed range of a metric; None means unbounded on that side."""

    min: float | None = None
    max: float | None = None


# Conventions from the design: DI within [0.8, 1.25]; |DPL|, |DPPL|, |RD|, |AD| <= 0.1.
DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "DI": Threshold(0.8, 1.25),
    "DPL": Threshold(-0.1, 0.1),
    "DPPL": Threshold(-0.1, 0.1),
    "RD": Threshold(-0.1, 0.1),
    "AD": Threshold(-0.1, 0.1),
}


@dataclass(frozen=True)
class GatePolicy:
    thresholds: dict[str, Threshold] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    facet_thresholds: dict[str, dict[str, Threshold]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    margin: float = 0.0

    def threshold_for(self, facet: str, metric: str) -> Threshold | None:
        return self.facet_thresholds.get(facet, {}).get(metric) or self.thresholds.get(metric)


@dataclass(frozen=True)
class Check:
    facet: str
    value_or_threshold: str
    stage: str
    metric: str
    value: float | None
    threshold: Threshold
    status: Status
    reason: str


@dataclass(frozen=True)
class GateResult:
    verdict: Status
    checks: tuple[Check, ...]
    data_warnings: tuple[str, ...] = ()

    @property
    def reasons(self) -> list[str]:
        """One line per check that did not pass, then the data warnings."""
        return [
            f"{c.status}: {c.stage} {c.metric} for {c.facet}={c.value_or_threshold}: {c.reason}"
            for c in self.checks
            if c.status != "pass"
        ] + [f"needs-human: data: {w}" for w in self.data_warnings]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "checks": [
                {
                    "facet": c.facet,
                    "value_or_threshold": c.value_or_threshold,
                    "stage": c.stage,
                    "metric": c.metric,
                    "value": c.value,
                    "min": c.threshold.min,
                    "max": c.threshold.max,
                    "status": c.status,
                    "reason": c.reason,
                }
                for c in self.checks
            ],
        }


def _bounds_text(t: Threshold) -> str:
    low = "-inf" if t.min is None else f"{t.min:g}"
    high = "+inf" if t.max is None else f"{t.max:g}"
    return f"[{low}, {high}]"


def judge(
    name: str, value: float | None, reason: str | None, t: Threshold, policy: GatePolicy
) -> tuple[Status, str]:
    """The status of one metric value against its threshold, with the reason."""
    if value is None:
        if name in policy.optional:
            return "needs-human", f"undefined ({reason}); optional metric, a person decides"
        return "fail", f"undefined ({reason}); a required metric fails closed"
    if (t.min is not None and value < t.min) or (t.max is not None and value > t.max):
        return "fail", f"{value:.6g} outside {_bounds_text(t)}"
    near = [b for b in (t.min, t.max) if b is not None and abs(value - b) < policy.margin]
    if near:
        return "needs-human", f"{value:.6g} within {policy.margin:g} of the bound {near[0]:g}"
    return "pass", f"{value:.6g} within {_bounds_text(t)}"


def evaluate(analysis: BiasAnalysis, policy: GatePolicy | None = None) -> GateResult:
    """Gate every facet value's metrics that have a threshold."""
    policy = policy or GatePolicy()
    checks = []
    for result in analysis.results():
        for m in result.metrics:
            t = policy.threshold_for(result.facet, m.name)
            if t is None:
                continue
            status, why = judge(m.name, m.value, m.reason, t, policy)
            checks.append(
                Check(result.facet, result.value_or_threshold, result.stage, m.name, m.value, t, status, why)
            )
    statuses = {c.status for c in checks} | ({"needs-human"} if analysis.warnings else set())
    verdict: Status = "fail" if "fail" in statuses else "needs-human" if "needs-human" in statuses else "pass"
    return GateResult(verdict, tuple(checks), analysis.warnings)


def _threshold(raw: Any, field_name: str, source: str) -> Threshold:
    if not isinstance(raw, dict) or not raw or set(raw) - {"min", "max"}:
        raise ContractInvalid(
            source, field_name, 'expected {"min": number, "max": number} (either may be left out)'
        )
    for key, bound in raw.items():
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise ContractInvalid(source, f"{field_name}.{key}", "expected a number")
    t = Threshold(raw.get("min"), raw.get("max"))
    if t.min is not None and t.max is not None and t.min > t.max:
        raise ContractInvalid(source, field_name, "min is greater than max")
    return t


def _metric_name(name: Any, field_name: str, source: str) -> str:
    canonical = METHOD_ALIASES.get(name, name) if isinstance(name, str) else name
    if canonical not in KNOWN_METRICS:
        raise ContractInvalid(source, field_name, f"unknown metric {name!r}")
    return canonical


def parse_policy(raw: Any, source: str = "thresholds") -> GatePolicy:
    """A policy from JSON: {"metrics": {"DI": {"min": 0.8, "max": 1.25}}, "facets": {"sex": {"DPL":
    {"max": 0.05}}}, "optional": ["KL"], "margin": 0.01}. Without "metrics" the conventions apply."""
    if not isinstance(raw, dict):
        raise ContractInvalid(source, "(root)", "expected a JSON object")
    extra = set(raw) - {"metrics", "facets", "optional", "margin"}
    if extra:
        raise ContractInvalid(source, sorted(extra)[0], "unknown key")
    thresholds = dict(DEFAULT_THRESHOLDS)
    if "metrics" in raw:
        if not isinstance(raw["metrics"], dict):
            raise ContractInvalid(source, "metrics", "expected an object of metric -> {min, max}")
        thresholds = {
            _metric_name(k, f"metrics.{k}", source): _threshold(v, f"metrics.{k}", source)
            for k, v in raw["metrics"].items()
        }
    facets: dict[str, dict[str, Threshold]] = {}
    raw_facets = raw.get("facets", {})
    if not isinstance(raw_facets, dict):
        raise ContractInvalid(source, "facets", "expected an object of facet -> metric -> {min, max}")
    for facet, per_metric in raw_facets.items():
        if not isinstance(per_metric, dict):
            raise ContractInvalid(source, f"facets.{facet}", "expected an object of metric -> {min, max}")
        facets[facet] = {
            _metric_name(k, f"facets.{facet}.{k}", source): _threshold(v, f"facets.{facet}.{k}", source)
            for k, v in per_metric.items()
        }
    optional = raw.get("optional", [])
    if not isinstance(optional, list):
        raise ContractInvalid(source, "optional", "expected a list of metric names")
    margin = raw.get("margin", 0.0)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or margin < 0:
        raise ContractInvalid(source, "margin", "expected a number >= 0")
    return GatePolicy(
        thresholds=thresholds,
        facet_thresholds=facets,
        optional=frozenset(_metric_name(m, "optional", source) for m in optional),
        margin=float(margin),
    )
