"""EventBridge schedule expressions on the local clock, pure.

rate(N minute|minutes|hour|hours|day|days) is exact. cron(min hour dom month dow year) is reduced to
its period: fixed minute and `*` hour fires hourly, fixed hour fires daily, `*` or `0/N` minutes
fire every minute or every N minutes (a divergence: the first firing is one period after the rule
is seen, not at the wall-clock instant the expression names).
"""

from __future__ import annotations

import re

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """A schedule expression this twin (or EventBridge) does not accept."""


def period_seconds(expression: str) -> float:
    """The interval in local-clock seconds between two firings of a schedule expression."""
    text = expression.strip()
    if match := _RATE.match(text):
        count, unit = int(match.group(1)), match.group(2).rstrip("s")
        if count < 1 or (count == 1) != (not match.group(2).endswith("s")):
            raise ScheduleError(f"{expression!r}: rate value and unit disagree (1 minute, 2 minutes)")
        return float(count * _UNIT[unit])
    if text.startswith("cron(") and text.endswith(")"):
        fields = text[5:-1].split()
        if len(fields) != 6:
            raise ScheduleError(f"{expression!r}: cron() takes 6 fields")
        minute, hour = fields[0], fields[1]
        if minute == "*":
            return 60.0
        if step := re.fullmatch(r"(?:\d+|\*)/(\d+)", minute):
            return 60.0 * int(step.group(1))
        if hour == "*":
            return 3600.0
        if step := re.fullmatch(r"(?:\d+|\*)/(\d+)", hour):
            return 3600.0 * int(step.group(1))
        return 86400.0
    raise ScheduleError(f"{expression!r}: expected rate(...) or cron(...)")
