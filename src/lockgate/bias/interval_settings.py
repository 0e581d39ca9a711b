"""The confidence intervals' settings, apart from the intervals' numpy code: a contract (bias.policy)
names them, and handlers that only read a contract load no numpy."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LEVEL = 0.95
DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 0


@dataclass(frozen=True)
class IntervalSettings:
    """Level of the intervals, and the bootstrap's size and seed."""

    level: float = DEFAULT_LEVEL
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"confidence level {self.level} is not in (0, 1)")
        if self.resamples < 1:
            raise ValueError("resamples must be positive")
