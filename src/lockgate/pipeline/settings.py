"""Handler settings from the environment the template gives each function: typed, checked once."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


class MissingSetting(RuntimeError):
    """An environment variable the template must set is absent."""


@dataclass(frozen=True)
class Settings:
    """Every variable a Lockgate function may read; each handler uses the ones it needs."""

    data_bucket: str = ""
    artifact_bucket: str = ""
    idempotency_table: str = ""
    topic_arn: str = ""
    ingest_state_machine_arn: str = ""

    @classmethod
    def from_env(cls, *required: str) -> Settings:
        """Read UPPER_CASE variables; raise MissingSetting naming any required one that is empty."""
        values = {f.name: os.environ.get(f.name.upper(), f.default) for f in fields(cls)}
        missing = [name.upper() for name in required if not values.get(name)]
        if missing:
            raise MissingSetting(f"environment variables not set: {', '.join(missing)}")
        return cls(**values)  # type: ignore[arg-type]
