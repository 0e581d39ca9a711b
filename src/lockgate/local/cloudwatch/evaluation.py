"""CloudWatch metric-alarm evaluation, pure: datapoints in, the state the alarm should be in out.

What AWS documents and this follows: the alarm looks at the last `EvaluationPeriods` periods of
`Period` seconds; each period's statistic (SampleCount, Sum, Average, Minimum, Maximum or a pNN
percentile) is compared with the threshold; the alarm is ALARM when at least `DatapointsToAlarm`
of them breach. Missing periods follow TreatMissingData: `breaching` / `notBreaching` fill them,
`ignore` keeps the current state when every period is missing, `missing` (the default) moves to
INSUFFICIENT_DATA when every period is missing.

Simplifications (docs/offline-fidelity.md, the divergence table): periods slide with "now" instead
of being aligned to the minute, there is no evaluation delay and no look-back beyond the range for
`missing`, and metric-math alarms (Metrics / ThresholdMetricId) and anomaly-detection operators are
not evaluated (they keep the state they have).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"

Compare = Callable[[float, float], bool]
_OPERATORS: dict[str, tuple[Compare, str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, ">="),
    "GreaterThanThreshold": (operator.gt, ">"),
    "LessThanThreshold": (operator.lt, "<"),
    "LessThanOrEqualToThreshold": (operator.le, "<="),
}


@dataclass(frozen=True)
class Datapoint:
    """One stored value: `at` is seconds since the epoch; aggregated data carry their own count/sum."""

    at: float
    value: float
    count: float = 1.0
    minimum: float | None = None
    maximum: float | None = None
    total: float | None = None


@dataclass(frozen=True)
class AlarmRule:
    """What an alarm compares: the fields of PutMetricAlarm that evaluation reads."""

    statistic: str  # Statistic or ExtendedStatistic (pNN)
    period: float  # seconds of local-clock time
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing_data: str = "missing"

    def supported(self) -> bool:
        """Metric alarms with a plain comparison; anything else is left alone."""
        return self.comparison in _OPERATORS and bool(self.statistic) and self.period > 0


@dataclass(frozen=True)
class Verdict:
    """The state the alarm should be in, with AWS-like reason text and reasonData values."""

    state: str
    reason: str
    values: tuple[float, ...]
    breaching: int


def statistic(points: Sequence[Datapoint], name: str) -> float:
    """One period's statistic over its datapoints (non-empty)."""
    if name == "SampleCount":
        return sum(p.count for p in points)
    if name == "Sum":
        return sum(p.total if p.total is not None else p.value for p in points)
    if name == "Average":
        count = sum(p.count for p in points)
        return sum(p.total if p.total is not None else p.value for p in points) / count
    if name == "Minimum":
        return min(p.minimum if p.minimum is not None else p.value for p in points)
    if name == "Maximum":
        return max(p.maximum if p.maximum is not None else p.value for p in points)
    if name.startswith("p"):
        return _percentile(sorted(p.value for p in points), float(name[1:]))
    raise ValueError(f"unsupported statistic {name!r}")


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (CloudWatch computes percentiles from its own sketches)."""
    rank = max(1, math.ceil(q / 100.0 * len(values)))
    return values[min(rank, len(values)) - 1]


def evaluate(
    rule: AlarmRule, points: Sequence[Datapoint], *, now: float, period_seconds: float, current: str
) -> Verdict:
    """The alarm's state at `now`. `period_seconds` is the rule's period in real seconds (the local
    clock scales it); periods are [now - k*period_seconds, now - (k-1)*period_seconds)."""
    compare, symbol = _OPERATORS[rule.comparison]
    values: list[float | None] = []
    for k in range(rule.evaluation_periods, 0, -1):
        start, end = now - k * period_seconds, now - (k - 1) * period_seconds
        inside = [p for p in points if start <= p.at < end or (k == 1 and p.at == end)]
        values.append(statistic(inside, rule.statistic) if inside else None)
    present = [v for v in values if v is not None]
    missing = len(values) - len(present)
    treat = rule.treat_missing_data or "missing"
    breaching = sum(1 for v in present if compare(v, rule.threshold))
    if treat == "breaching":
        breaching += missing
    if not present and treat in ("missing", "ignore"):
        state = INSUFFICIENT_DATA if treat == "missing" else current
        return Verdict(state, f"no datapoints in the last {len(values)} period(s)", (), 0)
    state = ALARM if breaching >= rule.datapoints_to_alarm else OK
    shown = ", ".join(_fmt(v) for v in values)
    reason = (
        f"Threshold Crossed: {breaching} out of the last {len(values)} datapoints [{shown}] "
        f"{'were' if state == ALARM else 'were not'} {symbol} the threshold ({_fmt(rule.threshold)}) "
        f"(minimum {rule.datapoints_to_alarm} datapoint(s) for OK -> ALARM transition)."
    )
    return Verdict(state, reason, tuple(present), breaching)


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"
