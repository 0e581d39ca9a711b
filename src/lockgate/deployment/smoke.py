"""The smoke test's comparison: the endpoint's predictions against the batch transform's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SmokeResult:
    """How far the endpoint strayed from the transform output on the same rows."""

    rows: int
    max_abs_diff: float
    mismatches: int
    tolerance: float

    @property
    def passed(self) -> bool:
        """True when every row is within the tolerance."""
        return self.rows > 0 and self.mismatches == 0


def parse_predictions(text: str) -> list[float]:
    """One prediction per line (the built-in XGBoost's text/csv output); blank lines skipped."""
    return [float(line.split(",")[0]) for line in text.splitlines() if line.strip()]


def compare(endpoint: list[float], transform: list[float], tolerance: float) -> SmokeResult:
    """Compare row by row; a length difference counts as mismatches."""
    pairs = list(zip(endpoint, transform, strict=False))
    diffs = [abs(a - b) for a, b in pairs]
    mismatches = sum(d > tolerance for d in diffs) + abs(len(endpoint) - len(transform))
    return SmokeResult(len(pairs), max(diffs, default=0.0), mismatches, tolerance)
