"""The bias gate: thresholds per metric (optionally per facet) -> pass | fail | needs-human.

Rules, per facet value and metric with a threshold (the policy: lockgate.bias.policy):
- facet group d or its complement a has fewer rows than `min_group_rows` (an empty one included)
                                              -> needs-human (too few rows to decide either way)
- value None (undefined), metric required     -> fail (fail closed: an undefined metric never passes)
- value None, metric listed as optional       -> needs-human (a person decides; the reason is shown)
- with a confidence interval (the analysis computes one at the policy's level):
  - the whole interval outside the allowed range            -> fail
  - the interval straddles a bound                          -> needs-human
  - the interval undefined (null with a reason)             -> needs-human
  - the whole interval inside, but within `margin` of a bound -> needs-human
  - the whole interval inside                               -> pass
- without one (a value built by hand), the same rules on the point value alone.
The verdict is fail if any check fails, else needs-human if any check needs a human or the data
carries a warning (no positive label at all, every prediction one class, rows skipped), else pass.
Metrics without a threshold are reported, not gated. Reasons name the interval and group sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from lockgate.bias.analysis import BiasAnalysis, FacetResult
from lockgate.bias.metric_value import Interval, MetricValue
from lockgate.bias.policy import DEFAULT_THRESHOLDS, KNOWN_METRICS, GatePolicy, Threshold, parse_policy

__all__ = [
    "DEFAULT_THRESHOLDS",
    "KNOWN_METRICS",
    "Check",
    "GatePolicy",
    "GateResult",
    "Status",
    "Threshold",
    "evaluate",
    "judge",
    "parse_policy",
]

Status = Literal["pass", "fail", "needs-human"]


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
    interval: Interval | None = None
    n_d: int | None = None
    n_a: int | None = None


class CheckJson(TypedDict):
    """One check in gate.json."""

    facet: str
    value_or_threshold: str
    stage: str
    metric: str
    value: float | None
    min: float | None
    max: float | None
    status: Status
    reason: str
    confidence_interval: dict[str, float | str | None] | None  # Interval.to_json()
    n_d: int | None
    n_a: int | None


class GateJson(TypedDict):
    """gate.json: the verdict, one reason per check that did not pass, and every check."""

    verdict: Status
    reasons: list[str]
    checks: list[CheckJson]


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

    def to_json(self) -> GateJson:
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
                    "confidence_interval": None if c.interval is None else c.interval.to_json(),
                    "n_d": c.n_d,
                    "n_a": c.n_a,
                }
                for c in self.checks
            ],
        }


def _sizes(result: FacetResult) -> str:
    return "sizes not known" if result.n_d is None else f"n_d={result.n_d}, n_a={result.n_a}"


def judge(metric: MetricValue, t: Threshold, policy: GatePolicy, result: FacetResult) -> tuple[Status, str]:
    """The status of one metric against its threshold, with the reason (interval and group sizes)."""
    value, interval, sizes = metric.value, metric.interval, _sizes(result)
    small = [
        f"{side} has {n} rows"
        for side, n in (("facet group d", result.n_d), ("its complement a", result.n_a))
        if n is not None and n < policy.min_group_rows
    ]
    if small:  # too few rows to decide either way, whatever the value says (or whether it exists)
        shown = "undefined" if value is None else f"{value:.6g}"
        shown += "" if interval is None else f", interval {interval.text()}"
        return "needs-human", (
            f"{shown}: {' and '.join(small)}, fewer than min_group_rows {policy.min_group_rows} ({sizes})"
        )
    if value is None:
        if metric.name in policy.optional:
            return "needs-human", f"undefined ({metric.reason}); optional metric, a person decides"
        return "fail", f"undefined ({metric.reason}); a required metric fails closed ({sizes})"
    shown = f"{value:.6g}" + ("" if interval is None else f", interval {interval.text()}")
    if interval is None:
        low = high = value
    elif interval.lower is None or interval.upper is None:
        return "needs-human", f"{value:.6g}, interval {interval.text()}: cannot say how sure ({sizes})"
    else:
        low, high = interval.lower, interval.upper
    outside = (t.max is not None and low > t.max) or (t.min is not None and high < t.min)
    if outside:
        return "fail", f"{shown} outside {t.text()} ({sizes})"
    if not (t.contains(low) and t.contains(high)):
        return "needs-human", f"{shown} straddles a bound of {t.text()} ({sizes})"
    near = [b for b in (t.min, t.max) if b is not None and min(abs(low - b), abs(high - b)) < policy.margin]
    if near:
        return "needs-human", f"{shown} within {policy.margin:g} of the bound {near[0]:g} ({sizes})"
    return "pass", f"{shown} within {t.text()} ({sizes})"


def evaluate(analysis: BiasAnalysis, policy: GatePolicy | None = None) -> GateResult:
    """Gate every facet value's metrics that have a threshold."""
    policy = policy or GatePolicy()
    checks = []
    for result in analysis.results():
        for m in result.metrics:
            t = policy.threshold_for(result.facet, m.name)
            if t is None:
                continue
            status, why = judge(m, t, policy, result)
            checks.append(
                Check(
                    result.facet,
                    result.value_or_threshold,
                    result.stage,
                    m.name,
                    m.value,
                    t,
                    status,
                    why,
                    m.interval,
                    result.n_d,
                    result.n_a,
                )
            )
    statuses = {c.status for c in checks} | ({"needs-human"} if analysis.warnings else set())
    verdict: Status = "fail" if "fail" in statuses else "needs-human" if "needs-human" in statuses else "pass"
    return GateResult(verdict, tuple(checks), analysis.warnings)
