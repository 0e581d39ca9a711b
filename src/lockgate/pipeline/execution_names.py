"""Deterministic Step Functions execution names: one upload gives one execution.

Standard workflows accept a name once (per 90 days), so the name must be a pure function of the
object's identity: bucket, decoded key, and version id (or ETag when versioning is off).

A train execution named `retrain-<dataset>-<reason>` retrains its dataset version on purpose (the
drift reaction, `lockgate retrain`): PlanTraining gives it its own claim, job names and model
prefix instead of ending it as a duplicate of the version's first run. The same retrain name is
still started once (Step Functions refuses a second execution of that name).
"""

from __future__ import annotations

import hashlib
import re

from lockgate.layout import RAW

_MAX_LENGTH = 80  # Step Functions limit
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def execution_name(bucket: str, key: str, version: str) -> str:
    """A readable, valid, collision-resistant name: '<dataset-ish>-<sha256 prefix>'."""
    digest = hashlib.sha256(f"{bucket}\n{key}\n{version}".encode()).hexdigest()[:32]
    readable = _UNSAFE.sub("-", key.removeprefix(RAW)).strip("-")[: _MAX_LENGTH - len(digest) - 1]
    return f"{readable}-{digest}" if readable else digest


RETRAIN_PREFIX = "retrain-"


def retrain_name(dataset: str, reason: str) -> str:
    """The execution name of a deliberate retrain: `retrain-<dataset>-<reason>`, valid, <= 80 chars."""
    return _UNSAFE.sub("-", f"{RETRAIN_PREFIX}{dataset}-{reason}")[:_MAX_LENGTH].rstrip("-")


def retrain_of(execution: str) -> str | None:
    """The retrain name when the execution (ARN or name) is a deliberate retrain, else None."""
    name = execution.rsplit(":", 1)[-1]
    return name if name.startswith(RETRAIN_PREFIX) else None
