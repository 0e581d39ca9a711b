"""Fixture handlers that fail in each of the ways Lambda reports."""

import decimal
import os
import sys
import time
from pathlib import Path


class DatasetRejected(Exception):
    """A custom error name that state machines match in Retry/Catch."""


def raise_custom(event, context):
    raise DatasetRejected("raw/x.csv: rule 'not_empty' failed (0)")


def not_serialisable(event, context):
    return {"ids": {1, 2}}


def decimals(event, context):
    return {"int": decimal.Decimal("3"), "float": decimal.Decimal("1.5")}


def sleep(event, context):
    print("going to sleep")
    time.sleep(event["seconds"])
    return {"pid": os.getpid()}


def pid(event, context):
    return {"pid": os.getpid()}


def exit_now(event, context):
    sys.exit(3)


def flaky(event, context):
    """Fails until the attempt counted in event['counter'] reaches event['succeed_on']."""
    counter = Path(event["counter"])
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    if attempt < event["succeed_on"]:
        raise RuntimeError(f"attempt {attempt} fails")
    return {"attempt": attempt}


def huge(event, context):
    return "x" * 6_300_000
