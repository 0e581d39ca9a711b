"""Deterministic Step Functions execution names: one upload gives one execution.

Standard workflows accept a name once (per 90 days), so the name must be a pure function of the
object's identity: bucket, decoded key, and version id (or ETag when versioning is off).
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
