"""The local clock: Wait states and Retry intervals run `speed` times faster than real time."""

from __future__ import annotations

import time
from dataclasses import dataclass

DEFAULT_SPEED = 100.0


@dataclass(frozen=True)
class LocalClock:
    """`speed=1` is real time; `speed=100` turns a 60 s Wait into 0.6 s."""

    speed: float = DEFAULT_SPEED

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError(f"clock speed must be > 0, got {self.speed}")

    def scale(self, seconds: float) -> float:
        """Real seconds to wait for `seconds` of state-machine time."""
        return max(0.0, float(seconds)) / self.speed

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of state-machine time."""
        time.sleep(self.scale(seconds))
