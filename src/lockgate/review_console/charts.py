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
    """One facet value's metrics: the allowed range shaded, the interval as a bar, the value as a dot."""
    values = [v for c in checks for v in (c.value, c.lower, c.upper, c.min, c.max) if v is not None]
    low, high = min([*values, -0.1]), max([*values, 0.1])
    span = (high - low) or 1.0
    low, high = low - span * 0.08, high + span * 0.08
    label_w, plot_w, row_h = 92, 300, 22
    height = 26 + row_h * len(checks) + 16

    def x(value: float) -> float:
        return label_w + (value - low) / (high - low) * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{label_w + plot_w + 20}" '
        f'height="{height}" '
        f'role="img" aria-label="{esc(title)}"><text x="4" y="14" font-weight="600">{esc(title)}</text>'
    ]
    zero = x(0.0)
    parts.append(f'<line x1="{zero:.1f}" y1="20" x2="{zero:.1f}" y2="{height - 14}" stroke="#bbb"/>')
    for index, check in enumerate(checks):
        y = 26 + index * row_h
        colour = STATUS_COLOURS.get(check.status, "#555")
        parts.append(f"<g><title>{esc(check.metric)} {esc(check.status)}: {esc(check.reason)}</title>")
        parts.append(f'<text x="4" y="{y + 14}">{esc(check.metric)} · {esc(check.status)}</text>')
        if check.min is not None or check.max is not None:
            a, b = (
                x(check.min if check.min is not None else low),
                x(check.max if check.max is not None else high),
            )
            parts.append(
                f'<rect x="{a:.1f}" y="{y + 3}" width="{b - a:.1f}" height="{row_h - 6}" fill="#e3f1e5"/>'
            )
        if check.lower is not None and check.upper is not None:
            a, b = x(check.lower), x(check.upper)
            parts.append(
                f'<line x1="{a:.1f}" y1="{y + 11}" x2="{b:.1f}" y2="{y + 11}" stroke="{colour}" '
                f'stroke-width="3"/>'
            )
        if check.value is not None:
            parts.append(f'<circle cx="{x(check.value):.1f}" cy="{y + 11}" r="4" fill="{colour}"/>')
        parts.append("</g>")
    axis_y = height - 4
    parts.append(f'<text x="{label_w}" y="{axis_y}" fill="#555">{low:.2f}</text>')
    parts.append(f'<text x="{label_w + plot_w}" y="{axis_y}" fill="#555" text-anchor="end">{high:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def timeline(visits: Sequence[StateVisit], now: datetime) -> str:
    """Per-state durations as bars on one time axis (running states reach `now`)."""
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
        colour = OUTCOME_COLOURS.get(visit.outcome, "#555")
        took = "running" if visit.exited is None else _seconds(seconds)
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


def sparkline(title: str, points: Sequence[tuple[datetime, float]], unit: str = "") -> str:
    """A small line chart of a metric over time, with its last and largest values."""
    width, height, pad = 220, 64, 4
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
            f'height="{height}" role="img" '
            f'aria-label="{esc(title)}: no data"><text x="4" y="14" font-weight="600">{esc(title)}</text>'
            f'<text x="4" y="40" fill="#777">no data in the last hour</text></svg>'
        )
    times = [t.timestamp() for t, _ in points]
    values = [v for _, v in points]
    t0, t1 = min(times), max(times)
    top = max(values) or 1.0
    coords = " ".join(
        f"{pad + ((t - t0) / ((t1 - t0) or 1)) * (width - 2 * pad):.1f},"
        f"{height - pad - (v / top) * (height - 26):.1f}"
        for t, v in zip(times, values, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}"><text x="4" y="14" font-weight="600">{esc(title)}</text>'
        f'<text x="{width - 4}" y="14" text-anchor="end" fill="#444">max {top:,.4g}{esc(unit)}</text>'
        f'<polyline points="{coords}" fill="none" stroke="#1f5fbf" stroke-width="1.6"/></svg>'
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
