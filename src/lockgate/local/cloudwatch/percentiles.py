"""GetMetricStatistics' ExtendedStatistics (p50, p99.9...) on the local cloud.

moto 5.2.5 accepts ExtendedStatistics but ignores them (its response says "To Be Implemented"), so a
caller asking only for p50 gets datapoints without values. This hook computes each datapoint's
percentiles from the raw values in it (linear interpolation between the closest ranks; CloudWatch's
own are approximate too) and puts them in `ExtendedStatistics`, as AWS answers. Values published as
statistic sets (MetricAggregatedDatum) have no raw values: they are left out of the percentiles.

Target, in `PATCH_TARGETS` and checked by tests/contract/test_cloudwatch_percentiles.py:
- `CloudWatchResponse.get_metric_statistics`: wrapped (the original answers; percentiles are added).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from moto.cloudwatch.models import MetricDatum
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

PATCH_TARGETS: tuple[tuple[object, str], ...] = ((CloudWatchResponse, "get_metric_statistics"),)
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
_originals: dict[str, Any] = {}
_lock = threading.Lock()


def percentile(values: list[float], rank: float) -> float:
    """The `rank`-th percentile (0-100) of `values` (non-empty), interpolating linearly."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * rank / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def apply() -> None:
    """Install the hook (idempotent)."""
    with _lock:
        if not _originals:
            _originals["get_metric_statistics"] = CloudWatchResponse.get_metric_statistics
            CloudWatchResponse.get_metric_statistics = _get_metric_statistics  # type: ignore[method-assign]


def remove() -> None:
    """Undo the hook."""
    with _lock:
        original = _originals.pop("get_metric_statistics", None)
        if original is not None:
            CloudWatchResponse.get_metric_statistics = original  # type: ignore[method-assign]


def _get_metric_statistics(self: CloudWatchResponse) -> ActionResult:
    answer: ActionResult = _originals["get_metric_statistics"](self)
    wanted = [s for s in self._get_param("ExtendedStatistics", []) or [] if _PERCENTILE.match(s)]
    result = answer.result
    if not wanted or not isinstance(result, dict):
        return answer
    for datapoint in result.get("Datapoints", []):
        values = [float(m.value) for m in datapoint.metric_data if isinstance(m, MetricDatum)]
        if values:
            datapoint.extended_statistics = {s: percentile(values, float(s[1:])) for s in wanted}
    return answer
