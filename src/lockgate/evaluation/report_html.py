"""The evaluation report: one self-contained HTML page, ROC, PR and calibration curves drawn as
inline SVG (no script, no network, no browser needed beyond opening the file)."""

from __future__ import annotations

from html import escape

from lockgate.evaluation.metrics import Evaluation

SIZE, PAD = 260, 30


def _xy(x: float, y: float) -> str:
    inner = SIZE - 2 * PAD
    return f"{PAD + x * inner:.1f},{SIZE - PAD - y * inner:.1f}"


def _chart(title: str, xlabel: str, ylabel: str, xs: list[float], ys: list[float], *, diagonal: bool) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<rect x="{PAD}" y="{PAD}" width="{SIZE - 2 * PAD}" height="{SIZE - 2 * PAD}" '
        'fill="none" stroke="#999"/>',
        f'<text x="{SIZE / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<text x="{SIZE / 2}" y="{SIZE - 6}" text-anchor="middle" font-size="11">{escape(xlabel)}</text>',
        f'<text x="10" y="{SIZE / 2}" font-size="11" transform="rotate(-90 10 {SIZE / 2})" '
        f'text-anchor="middle">{escape(ylabel)}</text>',
    ]
    if diagonal:
        parts.append(
            f'<polyline points="{_xy(0, 0)} {_xy(1, 1)}" fill="none" stroke="#bbb" stroke-dasharray="4"/>'
        )
    if xs:
        points = " ".join(_xy(x, y) for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
    else:
        parts.append(
            f'<text x="{SIZE / 2}" y="{SIZE / 2}" text-anchor="middle" font-size="11">undefined</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def render(result: Evaluation, title: str) -> str:
    """The report page for one evaluation."""
    cal = [
        b for b in result.calibration if b.count and b.mean_score is not None and b.positive_rate is not None
    ]
    charts = "".join(
        [
            _chart(
                "ROC", "false positive rate", "true positive rate", result.roc.x, result.roc.y, diagonal=True
            ),
            _chart("Precision-recall", "recall", "precision", result.pr.x, result.pr.y, diagonal=False),
            _chart(
                "Calibration",
                "mean score",
                "observed positive rate",
                [b.mean_score or 0.0 for b in cal],
                [b.positive_rate or 0.0 for b in cal],
                diagonal=True,
            ),
        ]
    )
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{_fmt(value)}</td>"
        f"<td>{escape(result.undefined.get(name, ''))}</td></tr>"
        for name, value in result.metrics.items()
    )
    c = result.confusion
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>{result.rows} test rows, {result.positives} positive; decision threshold {result.threshold}.</p>"
        f"<div>{charts}</div>"
        "<h2>Confusion matrix</h2><table><tr><th></th><th>predicted 0</th><th>predicted 1</th></tr>"
        f"<tr><th>actual 0</th><td>{c.tn}</td><td>{c.fp}</td></tr>"
        f"<tr><th>actual 1</th><td>{c.fn}</td><td>{c.tp}</td></tr></table>"
        f"<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>why undefined</th></tr>{rows}</table>"
        "</body></html>"
    )
