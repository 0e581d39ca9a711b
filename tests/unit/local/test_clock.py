import time

import pytest

from lockgate.local.clock import LocalClock


def test_scale_divides_by_speed() -> None:
    assert LocalClock(100).scale(60) == 0.6
    assert LocalClock(1).scale(2.5) == 2.5
    assert LocalClock(10).scale(-5) == 0.0


def test_sleep_is_compressed() -> None:
    began = time.perf_counter()
    LocalClock(1000).sleep(2)
    assert time.perf_counter() - began < 0.5


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        LocalClock(0)
