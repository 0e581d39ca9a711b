"""Amazon CloudWatch (GetMetricStatistics): an endpoint variant's invocations, 5XX errors and median
latency over a recent window, from the AWS/SageMaker metrics SageMaker (or the endpoint twin) puts,
and its drift (drifted_features, feature_drift_max) from the monitor's Lockgate/Monitoring metrics.

Invocations and Invocation5XXErrors are summed over 1-minute datapoints; ModelLatency's p50 is asked
for one datapoint spanning the window (ExtendedStatistics), in microseconds, reported in ms. When
CloudWatch splits the window over two periods, the p50 is the sample-weighted mean of their p50s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from lockgate.adapters.errors import guarded

NAMESPACE = "AWS/SageMaker"
MONITORING = "Lockgate/Monitoring"  # lockgate.monitoring.monitor.NAMESPACE (no import: the CLI stays light)


@dataclass(frozen=True)
class VariantStats:
    """One variant's traffic over the window."""

    invocations: int
    errors_5xx: int
    p50_latency_ms: float | None  # None: no successful call in the window
    drifted_features: int | None = None  # the monitor's latest count in the window (None: not measured)
    max_psi: float | None = None

    @property
    def error_rate(self) -> float:
        """5XX errors per invocation (0 without traffic)."""
        return self.errors_5xx / self.invocations if self.invocations else 0.0


class VariantMetrics:
    """Typed reads of the per-variant endpoint metrics."""

    def __init__(
        self, client: Any | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._client: Any = guarded(client or boto3.client("cloudwatch"))
        self._now = now

    def read(self, endpoint: str, variant: str, minutes: int = 60) -> VariantStats:
        """The last `minutes` (1..1440) of traffic to `variant` of `endpoint`."""
        minutes = max(1, min(minutes, 1440))
        end = self._now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = end - timedelta(minutes=minutes)
        dimensions = [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": variant},
        ]
        window = {"StartTime": start, "EndTime": end, "Dimensions": dimensions}
        invocations = self._sum("Invocations", window)
        errors = self._sum("Invocation5XXErrors", window)
        latency = self._client.get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName="ModelLatency",
            Period=minutes * 60,
            ExtendedStatistics=["p50"],
            Statistics=["SampleCount"],
            **window,
        )["Datapoints"]
        weighted = [
            (float(p["ExtendedStatistics"]["p50"]), float(p.get("SampleCount") or 0))
            for p in latency
            if "p50" in p.get("ExtendedStatistics", {})
        ]
        samples = sum(count for _, count in weighted)
        p50_us = sum(value * count for value, count in weighted) / samples if samples else None
        drifted = self._latest("drifted_features", window)
        return VariantStats(
            invocations=int(invocations),
            errors_5xx=int(errors),
            p50_latency_ms=None if p50_us is None else p50_us / 1000,
            drifted_features=None if drifted is None else int(drifted),
            max_psi=self._latest("feature_drift_max", window),
        )

    def series(
        self, endpoint: str, variant: str, metric: str, statistic: str = "Sum", minutes: int = 60
    ) -> list[tuple[datetime, float]]:
        """One metric of a variant per minute over the last `minutes` (1..1440), oldest first."""
        minutes = max(1, min(minutes, 1440))
        end = self._now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        points = self._client.get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName=metric,
            Period=60,
            Statistics=[statistic],
            StartTime=end - timedelta(minutes=minutes),
            EndTime=end,
            Dimensions=[
                {"Name": "EndpointName", "Value": endpoint},
                {"Name": "VariantName", "Value": variant},
            ],
        )["Datapoints"]
        return sorted((p["Timestamp"], float(p.get(statistic) or 0.0)) for p in points)

    def _latest(
        self, metric: str, window: dict[str, Any]
    ) -> float | None:  # window: GetMetricStatistics' parameters (a boto3 request)
        """The newest value of a Lockgate/Monitoring metric (the monitor publishes one per pass)."""
        points = self._client.get_metric_statistics(
            Namespace=MONITORING, MetricName=metric, Period=60, Statistics=["Maximum"], **window
        )["Datapoints"]
        if not points:
            return None
        return float(max(points, key=lambda p: p["Timestamp"]).get("Maximum") or 0.0)

    def _sum(self, metric: str, window: dict[str, Any]) -> float:  # window: as _latest's
        points = self._client.get_metric_statistics(
            Namespace=NAMESPACE, MetricName=metric, Period=60, Statistics=["Sum"], **window
        )["Datapoints"]
        return sum(float(p.get("Sum") or 0.0) for p in points)
