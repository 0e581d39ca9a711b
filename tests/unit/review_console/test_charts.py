"""The small SVG charts: bias rows against their allowed range, the timeline, sparklines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lockgate.pipeline.run_history import StateVisit
from lockgate.review_console.charts import BiasCheck, bias_chart, sparkline, timeline

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_bias_row_per_check_coloured_by_its_verdict_with_its_range() -> None:
    checks = [
        BiasCheck(facet="sex", value_or_threshold="female", stage="post_training", metric="DPPL", value=0.02,
                  min=-0.1, max=0.1, status="pass", lower=-0.01, upper=0.05),
        BiasCheck(facet="sex", value_or_threshold="female", stage="post_training", metric="DI", value=0.7,
                  min=0.8, max=1.25, status="fail", lower=0.6, upper=0.78, reason="below 0.8"),
        BiasCheck(facet="sex", value_or_threshold="female", stage="post_training", metric="AD", value=None,
                  min=-0.1, max=0.1, status="needs-human"),
    ]  # fmt: skip
    svg = bias_chart("sex=female", checks)
    assert svg.count("<g>") == 3
    assert "allowed [-0.1, 0.1]" in svg and "allowed [0.8, 1.25]" in svg
    assert 'fill="#c62828"' in svg  # the failing DI's dot
    assert svg.count("<circle") == 2  # an undefined value draws no dot
    assert "below 0.8" in svg


def test_the_timeline_marks_a_state_waiting_for_a_person() -> None:
    visits = [
        StateVisit("Smoke", "Task", T0, T0 + timedelta(seconds=2), "ok"),
        StateVisit("RequestApproval", "Task", T0 + timedelta(seconds=2), None, "running"),
    ]
    svg = timeline(visits, T0 + timedelta(seconds=10), frozenset({"RequestApproval"}))
    assert "waiting for a person" in svg and "2.00 s" in svg and "10.00 s" in svg
    assert "running" not in timeline(visits[:1], T0 + timedelta(seconds=10))


def test_sparklines_span_their_window() -> None:
    window = (T0, T0 + timedelta(minutes=60))
    assert "no data in the window" in sparkline("5XX / min", [], window)
    svg = sparkline(
        "invocations / min", [(T0 + timedelta(minutes=30), 4.0), (T0 + timedelta(minutes=60), 8.0)], window
    )
    assert "max 8" in svg and svg.count("<circle") == 2
    assert 'cx="110.0"' in svg  # half way along a 220-pixel chart
