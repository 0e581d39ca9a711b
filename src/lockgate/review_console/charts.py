"""Small inline SVG charts: bias intervals against thresholds, a run's timeline, metric sparklines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from lockgate.pipeline.run_history import StateVisit
from lockgate.review_console.html import esc

STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "needs-human": "#9a7b00"}
OUTCOME_COLOURS = {"ok": "#2e7d32", "failed": "#c62828", "running": "#9a7b00"}


class BiasCheck(BaseModel):
    """One gated metric of one facet value (a row of the bias gate's gate.json)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    facet: str
    value_or_threshold: str
    stage: str
    metric: str
    value: float | None = None
    min: float | None = None
    max: float | None = None
    status: str
    reason: str = ""
    lower: float | None = None
    upper: float | None = None


def bias_chart(title: str, checks: Sequence[BiasCheck]) -> str:
    """One facet value's metrics, a row each on its own scale (DI lives near 1, the differences near
    0): the allowed range shaded green, the interval as a bar, the value as a dot, the range at right."""
    label_w, plot_w, row_h, range_w = 130, 220, 24, 110
    height = 24 + row_h * len(checks)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{label_w + plot_w + range_w}" '
        f'height="{height}" role="img" aria-label="{esc(title)}">'
        f'<text x="4" y="14" font-weight="600">{esc(title)}</text>'
    ]
    for index, check in enumerate(checks):
        parts.append(_bias_row(check, 22 + index * row_h, label_w, plot_w, row_h))
    parts.append("</svg>")
    return "".join(parts)


def _bias_row(check: BiasCheck, y: int, label_w: int, plot_w: int, row_h: int) -> str:
    values = [v for v in (check.value, check.lower, check.upper, check.min, check.max) if v is not None]
    low, high = (min(values), max(values)) if values else (-1.0, 1.0)
    span = (high - low) or 1.0
    low, high = low - span * 0.1, high + span * 0.1

    def x(value: float) -> float:
        return label_w + (value - low) / (high - low) * plot_w

    colour = STATUS_COLOURS.get(check.status, "#555")
    mid = y + row_h / 2
    parts = [
        f"<g><title>{esc(check.metric)} {esc(check.status)}: {esc(check.reason)}</title>",
        f'<text x="4" y="{mid + 4:.0f}">{esc(check.metric)} · {esc(check.status)}</text>',
        f'<line x1="{label_w}" y1="{mid:.0f}" x2="{label_w + plot_w}" y2="{mid:.0f}" stroke="#ddd"/>',
    ]
    if check.min is not None or check.max is not None:
        a = x(check.min if check.min is not None else low)
        b = x(check.max if check.max is not None else high)
        parts.append(
            f'<rect x="{a:.1f}" y="{y + 4}" width="{b - a:.1f}" height="{row_h - 8}" fill="#d6ecd9"/>'
        )
    if check.lower is not None and check.upper is not None:
        a, b = x(check.lower), x(check.upper)
        parts.append(
            f'<line x1="{a:.1f}" y1="{mid:.0f}" x2="{b:.1f}" y2="{mid:.0f}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
    if check.value is not None:
        parts.append(f'<circle cx="{x(check.value):.1f}" cy="{mid:.0f}" r="4" fill="{colour}"/>')
    allowed = f"[{_bound(check.min)}, {_bound(check.max)}]"
    parts.append(
        f'<text x="{label_w + plot_w + 8}" y="{mid + 4:.0f}" fill="#555">allowed {allowed}</text></g>'
    )
    return "".join(parts)


def _bound(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def timeline(visits: Sequence[StateVisit], now: datetime, waiting: frozenset[str] = frozenset()) -> str:
    """Per-state durations as bars on one time axis (running states reach `now`; the `waiting`
    ones, which wait for a person, in blue)."""
    if not visits:
        return '<p class="muted">no states entered yet</p>'
    start = min(v.entered for v in visits)
    end = max((v.exited or now) for v in visits)
    total = max((end - start).total_seconds(), 1e-3)
    label_w, plot_w, row_h = 190, 520, 16
    height = row_h * len(visits) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{label_w + plot_w + 90}" '
        f'height="{height}" '
        'role="img" aria-label="per-state durations">'
    ]
    for index, visit in enumerate(visits):
        y = 4 + index * row_h
        offset = (visit.entered - start).total_seconds()
        seconds = ((visit.exited or now) - visit.entered).total_seconds()
        x0 = label_w + offset / total * plot_w
        width = max(seconds / total * plot_w, 1.5)
        waits = visit.exited is None and visit.name in waiting
        colour = "#1f5fbf" if waits else OUTCOME_COLOURS.get(visit.outcome, "#555")
        took = ("waiting for a person" if waits else "running") if visit.exited is None else _seconds(seconds)
        parts.append(
            f"<g><title>{esc(visit.name)} ({esc(visit.type)}) {esc(visit.outcome)}, {took}</title>"
            f'<text x="4" y="{y + 11}">{esc(visit.name[:28])}</text>'
            f'<rect x="{x0:.1f}" y="{y + 2}" width="{width:.1f}" height="{row_h - 5}" '
            f'fill="{colour}" opacity=".75"/>'
            f'<text x="{x0 + width + 4:.1f}" y="{y + 11}" fill="#444">{took}</text></g>'
        )
    parts.append(f'<text x="{label_w}" y="{height - 4}" fill="#555">0 s</text>')
    parts.append(
        f'<text x="{label_w + plot_w}" y="{height - 4}" fill="#555" '
        f'text-anchor="end">{_seconds(total)}</text></svg>'
    )
    return "".join(parts)


def sparkline(
    title: str, points: Sequence[tuple[datetime, float]], window: tuple[datetime, datetime], unit: str = ""
) -> str:
    """A small chart of a per-minute metric over `window`: a dot per datapoint, joined by a line,
    the axis from the window's start to its end, with the largest value."""
    width, height, pad = 220, 64, 6
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}"><text x="4" y="14" font-weight="600">{esc(title)}</text>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#ccc"/>'
    )
    if not points:
        return head + '<text x="4" y="40" fill="#777">no data in the window</text></svg>'
    start, end = (moment.timestamp() for moment in window)
    top = max(v for _, v in points) or 1.0
    coords = [
        (
            pad + (min(max(t.timestamp(), start), end) - start) / ((end - start) or 1) * (width - 2 * pad),
            height - pad - (v / top) * (height - 26),
        )
        for t, v in points
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#1f5fbf"/>' for x, y in coords)
    return (
        head + f'<text x="{width - 4}" y="14" text-anchor="end" fill="#444">max {top:,.4g}{esc(unit)}</text>'
        f'<polyline points="{line}" fill="none" stroke="#1f5fbf" stroke-width="1.4"/>{dots}</svg>'
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
