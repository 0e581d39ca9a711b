"""The pure alarm evaluation and schedule expressions of the CloudWatch twin."""

from __future__ import annotations

import pytest

from lockgate.local.cloudwatch.evaluation import AlarmRule, Datapoint, evaluate, statistic
from lockgate.local.cloudwatch.schedules import ScheduleError, period_seconds


def _rule(**kw: object) -> AlarmRule:
    base: dict[str, object] = dict(
        statistic="Sum",
        period=60,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        threshold=5,
        comparison="GreaterThanThreshold",
    )
    return AlarmRule(**(base | kw))  # type: ignore[arg-type]


def _at(*values: float | None) -> list[Datapoint]:
    """One datapoint per period, oldest first, inside periods of 60 s ending at now=180."""
    return [Datapoint(30 + 60 * i, v) for i, v in enumerate(values) if v is not None]


@pytest.mark.parametrize(
    ("values", "treat", "current", "expected"),
    [
        ((6, 6, 1), "missing", "OK", "ALARM"),  # 2 of 3 breach
        ((6, 1, 1), "missing", "ALARM", "OK"),
        ((None, None, None), "missing", "OK", "INSUFFICIENT_DATA"),
        ((None, None, None), "ignore", "ALARM", "ALARM"),
        ((None, None, None), "breaching", "OK", "ALARM"),
        ((None, None, None), "notBreaching", "ALARM", "OK"),
        ((6, None, None), "breaching", "OK", "ALARM"),
        ((6, None, None), "notBreaching", "OK", "OK"),
        ((6, None, None), "missing", "OK", "OK"),
    ],
)
def test_m_of_n_and_missing_data(
    values: tuple[float | None, ...], treat: str, current: str, expected: str
) -> None:
    verdict = evaluate(
        _rule(treat_missing_data=treat), _at(*values), now=180, period_seconds=60, current=current
    )
    assert verdict.state == expected


def test_statistics_and_percentiles() -> None:
    points = [Datapoint(0, v) for v in (1, 2, 3, 4, 10)]
    assert [statistic(points, s) for s in ("SampleCount", "Sum", "Average", "Minimum", "Maximum")] == [
        5,
        20,
        4,
        1,
        10,
    ]
    assert statistic(points, "p50") == 3 and statistic(points, "p99") == 10
    aggregated = [Datapoint(0, 2.0, count=4, minimum=1, maximum=5, total=8)]
    assert statistic(aggregated, "Average") == 2 and statistic(aggregated, "SampleCount") == 4


def test_less_than_operator_for_idle_endpoints() -> None:
    rule = _rule(
        comparison="LessThanOrEqualToThreshold",
        threshold=0,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="breaching",
    )
    assert evaluate(rule, [], now=60, period_seconds=60, current="INSUFFICIENT_DATA").state == "ALARM"
    assert evaluate(rule, [Datapoint(30, 1)], now=60, period_seconds=60, current="ALARM").state == "OK"


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("cron(0/15 * * * ? *)", 900),
        ("cron(0 * * * ? *)", 3600),
        ("cron(0 12 * * ? *)", 86400),
    ],
)
def test_schedule_periods(expression: str, seconds: float) -> None:
    assert period_seconds(expression) == seconds


@pytest.mark.parametrize("bad", ["rate(1 minutes)", "rate(5 minute)", "every 5 minutes", "cron(0 * *)"])
def test_bad_schedules_are_rejected(bad: str) -> None:
    with pytest.raises(ScheduleError):
        period_seconds(bad)
