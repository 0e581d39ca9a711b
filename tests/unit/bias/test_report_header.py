"""Issue 10 item 10: report.html says what it covers (dataset, version, stage, source object,
time, Lockgate version), shows full metric names as text, marks values near a threshold, labels
threshold facets like the CLI ("(40, 69]"), and spells Kullback-Leibler correctly."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyarrow as pa

from lockgate.bias.check import bias_check
from lockgate.bias.report_html import ReportAbout, render


def _check(thresholds: dict[str, dict[str, float]]):  # type: ignore[no-untyped-def]
    n = 200
    table = pa.table(
        {
            "age": [20 + i % 50 for i in range(n)],
            "sex": ["female", "male"] * (n // 2),
            "y": [1 if (i // 2) % 3 else 0 for i in range(n)],
        }
    )
    config = {
        "dataset_type": "text/csv",
        "label": "y",
        "label_values_or_threshold": [1],
        "facet": [
            {"name_or_index": "sex", "value_or_threshold": ["female"]},
            {"name_or_index": "age", "value_or_threshold": [40]},
        ],
        "methods": {"pre_training_bias": {"methods": "all"}},
    }
    return bias_check(table, config, thresholds)


ABOUT = ReportAbout(
    dataset="credit",
    version="9f2c4e0a51b7d3e8c6a4f1b2d9e0c7a3",
    stage="pre-training",
    source="s3://data/datasets/credit/9f2c4e0a51b7/parquet/train/",
    created=datetime(2026, 12, 2, 5, 0, tzinfo=UTC),
)


def _text(html: str) -> str:
    html = re.sub(r"<title>.*?</title>", "", html)  # hover text does not count
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_header_says_what_the_report_covers() -> None:
    check = _check({})
    text = _text(render(check.analysis, check.gate, "Bias report", (), about=ABOUT))
    for shown in (
        "credit",
        "9f2c4e0a51b7d3e8c6a4f1b2d9e0c7a3",
        "pre-training",
        ABOUT.source,
        "2026-12-02 05:00",
    ):
        assert shown in text, shown
    assert re.search(r"Lockgate \d", text), text[:500]


def test_full_metric_names_are_text_and_kl_is_spelt_right() -> None:
    check = _check({})
    html = render(check.analysis, check.gate, "Bias report", (), about=ABOUT)
    text = _text(html)
    assert "Kullback-Leibler Divergence" in text and "Liebler" not in html
    assert "Class Imbalance" in text and "Jensen-Shannon Divergence" in text


def test_threshold_facets_are_labelled_like_the_cli() -> None:
    check = _check({})
    text = _text(render(check.analysis, check.gate, "Bias report", (), about=ABOUT))
    assert "age, sensitive group (40, 69]" in text, text


def test_values_near_a_threshold_are_marked() -> None:
    check = _check({})
    ci = next(
        m.value for r in check.analysis.pre_training if r.facet == "sex" for m in r.metrics if m.name == "CI"
    )
    assert ci is not None
    near = _check({"metrics": {"CI": {"min": ci - 0.001, "max": ci + 0.5}}})
    text = _text(render(near.analysis, near.gate, "Bias report", (), about=ABOUT))
    assert "near the threshold" in text
    far = _check({"metrics": {"CI": {"min": ci - 0.9, "max": ci + 0.9}}})
    assert "near the threshold" not in _text(render(far.analysis, far.gate, "Bias report", (), about=ABOUT))
