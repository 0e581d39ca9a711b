"""A self-contained HTML bias report: what it covers (dataset, version, stage, source, time,
Lockgate version), the verdict, then one inline-SVG bar chart per facet value (one row per
metric with its full name, its own scale, the confidence interval as a whisker, the allowed band
shaded, pass/fail marked, values near a threshold marked). No scripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib import metadata

from lockgate.bias.analysis import BiasAnalysis, FacetResult
from lockgate.bias.gate import Check, GateResult
from lockgate.bias.metric_value import MetricValue
from lockgate.bias.registry import DESCRIPTIONS

COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "needs-human": "#bf8700", None: "#57606a"}
MARKS = {"pass": "PASS", "fail": "FAIL", "needs-human": "REVIEW", None: ""}
ROW, LABEL_W, CHART_W, VALUE_W = 26, 70, 360, 560
NEAR_ABSOLUTE, NEAR_RELATIVE = 0.01, 0.05  # "near a threshold": within max(0.01, 5% of the bound)


@dataclass(frozen=True)
class ReportAbout:
    """What a report covers, for its header."""

    dataset: str
    version: str
    stage: str  # "pre-training" or "post-training"
    source: str  # the data analysed (and the predictions, if any)
    created: datetime


def lockgate_version() -> str:
    """The installed Lockgate version ("unknown" when not installed as a package)."""
    try:
        return metadata.version("lockgate")
    except metadata.PackageNotFoundError:
        return "unknown"


def full_name(metric: str) -> str:
    """The metric's full name. Clarify's analysis.json spells "Kullback-Liebler" and we keep its
    text there for compatibility; the report spells it right."""
    text = DESCRIPTIONS.get(metric, metric)
    return text.replace("Liebler", "Leibler")


def _near(value: float, check: Check | None) -> bool:
    if check is None:
        return False
    bounds = [b for b in (check.threshold.min, check.threshold.max) if b is not None]
    return any(abs(value - b) <= max(NEAR_ABSOLUTE, NEAR_RELATIVE * abs(b)) for b in bounds)


STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328;max-width:900px}
.verdict{font-size:2rem;font-weight:700;color:#fff;padding:.6rem 1rem;border-radius:6px;display:inline-block}
h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
h3{margin-bottom:.2rem}
ul.reasons li{margin:.2rem 0}
.meta{color:#57606a}
table.about th{text-align:left;padding-right:1rem;font-weight:600}
"""


def _whisker(y: int, low: float, high: float) -> str:
    """The confidence interval drawn across the bar: a line with end ticks."""
    mid = y + ROW // 2
    return (
        f'<g stroke="#1f2328" stroke-width="1.5"><line x1="{low:.1f}" x2="{high:.1f}" y1="{mid}" y2="{mid}"/>'
        f'<line x1="{low:.1f}" x2="{low:.1f}" y1="{y + 5}" y2="{y + ROW - 5}"/>'
        f'<line x1="{high:.1f}" x2="{high:.1f}" y1="{y + 5}" y2="{y + ROW - 5}"/></g>'
    )


def _row(y: int, metric: MetricValue, check: Check | None) -> str:
    """One metric: name, bar from 0 on a symmetric scale, its confidence interval as a whisker,
    allowed band, value and verdict."""
    name, value, reason = metric.name, metric.value, metric.reason
    ci = metric.interval
    ci_bounds = [] if ci is None or ci.lower is None or ci.upper is None else [ci.lower, ci.upper]
    status = check.status if check else None
    colour = COLOURS[status]
    title = escape(full_name(name))
    x0, text_y = LABEL_W, y + 17
    parts = [f'<text x="0" y="{text_y}" font-weight="600"><title>{title}</title>{escape(name)}</text>']
    if value is None:
        parts.append(
            f'<text x="{x0}" y="{text_y}" fill="{colour}"><tspan font-weight="700">{MARKS[status]}</tspan> '
            f'<tspan font-style="italic">undefined: {escape(reason or "")}</tspan> '
            f'<tspan fill="#57606a">{title}</tspan></text>'
        )
        return "".join(parts)
    low = check.threshold.min if check else None
    high = check.threshold.max if check else None
    # symmetric around 0 and at least [-1, 1], so that small values look small
    extent = max([1.0, abs(value)] + [abs(b) for b in (low, high, *ci_bounds) if b is not None]) * 1.05

    def sx(v: float) -> float:
        return x0 + (v + extent) / (2 * extent) * CHART_W

    if check:
        band_lo, band_hi = sx(-extent if low is None else low), sx(extent if high is None else high)
        parts.append(
            f'<rect x="{band_lo:.1f}" y="{y + 3}" width="{band_hi - band_lo:.1f}" height="{ROW - 6}" '
            f'fill="#dafbe1" stroke="#1a7f37" stroke-dasharray="3 2"/>'
        )
    left, right = sorted((sx(0.0), sx(value)))
    parts.append(
        f'<rect x="{left:.1f}" y="{y + 7}" width="{max(right - left, 1):.1f}" '
        f'height="{ROW - 14}" fill="{colour}"/>'
    )
    parts.append(f'<line x1="{sx(0.0):.1f}" x2="{sx(0.0):.1f}" y1="{y}" y2="{y + ROW}" stroke="#8c959f"/>')
    if ci_bounds:
        parts.append(_whisker(y, sx(ci_bounds[0]), sx(ci_bounds[1])))
    interval = ""
    if ci is not None:
        interval = f" CI {ci.text()}" if ci_bounds else f" CI undefined ({ci.reason})"
    bounds = ""
    if check:
        bounds = (
            f" allowed [{'-inf' if low is None else f'{low:g}'}, {'+inf' if high is None else f'{high:g}'}]"
        )
    near = ' <tspan fill="#bf8700">(near the threshold)</tspan>' if _near(value, check) else ""
    parts.append(
        f'<text x="{x0 + CHART_W + 8}" y="{text_y}"><title>{escape(interval.strip())}</title>'
        f"{value:.4g}{escape(bounds)} "
        f'<tspan fill="{colour}" font-weight="700">{MARKS[status]}</tspan>{near} '
        f'<tspan fill="#57606a">{title}</tspan></text>'
    )
    return "".join(parts)


def _chart(result: FacetResult, checks: dict[tuple[str, str, str, str], Check]) -> str:
    height = ROW * len(result.metrics) + 4
    width = LABEL_W + CHART_W + VALUE_W
    rows = [
        _row(i * ROW, m, checks.get((result.stage, result.facet, result.value_or_threshold, m.name)))
        for i, m in enumerate(result.metrics)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="13" '
        f'role="img" aria-label="bias metrics for {escape(result.facet)}">{"".join(rows)}</svg>'
    )


def _header(about: ReportAbout | None) -> str:
    rows = [("Lockgate", lockgate_version())]
    if about is not None:
        rows = [
            ("Dataset", about.dataset),
            ("Version", about.version),
            ("Stage", about.stage),
            ("Source", about.source),
            ("Created", about.created.strftime("%Y-%m-%d %H:%M:%S %Z").strip()),
            *rows,
        ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta about">{cells}</table>'


def render(
    analysis: BiasAnalysis,
    gate: GateResult,
    title: str = "Bias report",
    warnings: tuple[str, ...] = (),
    *,
    about: ReportAbout | None = None,
) -> str:
    """The whole report as one HTML string (`about`: what it covers, for the header)."""
    checks = {(c.stage, c.facet, c.value_or_threshold, c.metric): c for c in gate.checks}
    verdict_colour = COLOURS[gate.verdict]
    body = [
        f"<h1>{escape(title)}</h1>",
        _header(about),
        f'<div class="verdict" style="background:{verdict_colour}">{escape(gate.verdict.upper())}</div>',
        f'<p class="meta">Label <b>{escape(analysis.label)}</b> positive when '
        f"{escape(analysis.label_value_or_threshold)}; {analysis.rows} rows analysed, "
        f"{analysis.rows_skipped} skipped (missing values).</p>",
    ]
    if gate.reasons:
        body.append('<ul class="reasons">' + "".join(f"<li>{escape(r)}</li>" for r in gate.reasons) + "</ul>")
    body += [f'<p class="meta">Warning: {escape(w)}</p>' for w in warnings]
    body.append(
        '<p class="meta">Each bar runs from 0 to the value on its own symmetric scale; the dashed green '
        "band is the allowed range; PASS, FAIL and REVIEW (needs a person) mark gated metrics, grey bars "
        "are reported but not gated; a value close to a bound is marked as near it.</p>"
    )
    for stage_title, results in (
        ("Pre-training", analysis.pre_training),
        ("Post-training", analysis.post_training),
    ):
        if not results:
            continue
        body.append(f"<h2>{stage_title} bias metrics</h2>")
        for r in results:
            statuses = {
                c.status
                for c in gate.checks
                if (c.stage, c.facet, c.value_or_threshold) == (r.stage, r.facet, r.value_or_threshold)
            }
            worst = (
                "fail"
                if "fail" in statuses
                else "needs-human"
                if "needs-human" in statuses
                else "pass"
                if statuses
                else None
            )
            mark = f' <span style="color:{COLOURS[worst]}">{MARKS[worst]}</span>' if worst else ""
            sizes = "" if r.n_d is None else f' <span class="meta">(n_d={r.n_d}, n_a={r.n_a})</span>'
            group = f"{escape(r.facet)}, sensitive group {escape(r.value_or_threshold)}"
            body.append(f"<h3>{group}{mark}{sizes}</h3>")
            body.append(_chart(r, checks))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )
