"""A metric's value (or None with the reason it is undefined) and its confidence interval, and the
per-facet-value counts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """[lower, upper] at `level` by `method`; both None with `reason` when it is undefined."""

    level: float
    method: str
    lower: float | None = None
    upper: float | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.lower is None) != (self.upper is None):
            raise ValueError("an interval has both bounds or neither")
        if self.lower is None and not self.reason:
            raise ValueError("an undefined interval needs a reason")
        bad = (
            self.lower is not None
            and self.upper is not None
            and not (math.isfinite(self.lower) and math.isfinite(self.upper) and self.lower <= self.upper)
        )
        if bad:
            raise ValueError(f"bad interval [{self.lower}, {self.upper}]")

    @property
    def defined(self) -> bool:
        return self.lower is not None

    def text(self) -> str:
        """`[l, u] (95%)`, or `undefined (reason)`."""
        if self.lower is None or self.upper is None:
            return f"undefined ({self.reason})"
        return f"[{self.lower:.4g}, {self.upper:.4g}] ({self.level:.4g} {self.method})"

    def to_json(self) -> dict[str, float | str | None]:
        """analysis.json's extra field: {"lower", "upper", "level", "method"} (+ "error" if null)."""
        out: dict[str, float | str | None] = {
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "method": self.method,
        }
        if self.reason:
            out["error"] = self.reason
        return out


@dataclass(frozen=True)
class MetricValue:
    """value is a finite float, or None with `reason` saying why the metric is undefined; `interval`
    its confidence interval when computed."""

    name: str
    value: float | None
    reason: str | None = None
    interval: Interval | None = None  # None: not computed (the gate then judges the value alone)

    def __post_init__(self) -> None:
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"{self.name}: non-finite value {self.value}")
        if self.value is None and not self.reason:
            raise ValueError(f"{self.name}: an undefined metric needs a reason")


def defined(name: str, value: float) -> MetricValue:
    return MetricValue(name, float(value))


def undefined(name: str, reason: str) -> MetricValue:
    return MetricValue(name, None, reason)


@dataclass(frozen=True)
class FacetCells:
    """Counts for one facet value: d[g, l, p] (sensitive group) and a[g, l, p] (the rest).

    g runs over the group variable's values (size 1 without one); p has size 1 without predictions.
    """

    d: np.ndarray
    a: np.ndarray
    has_groups: bool

    @property
    def n_d(self) -> int:
        return int(self.d.sum())

    @property
    def n_a(self) -> int:
        return int(self.a.sum())

    def label_counts(self, side: np.ndarray) -> tuple[int, int]:
        """(negatives, positives) by observed label."""
        by_label = side.sum(axis=(0, 2))
        return int(by_label[0]), int(by_label[1])

    def prediction_counts(self, side: np.ndarray) -> tuple[int, int]:
        """(negatives, positives) by predicted label."""
        by_pred = side.sum(axis=(0, 1))
        return int(by_pred[0]), int(by_pred[1])

    def confusion(self, side: np.ndarray) -> tuple[int, int, int, int]:
        """(TP, FP, FN, TN) of one side."""
        m = side.sum(axis=0)
        return int(m[1, 1]), int(m[0, 1]), int(m[1, 0]), int(m[0, 0])


def empty_side_reason(cells: FacetCells) -> str | None:
    """The reason every metric of this facet value is undefined, if a side is empty."""
    if cells.n_d == 0:
        return "facet group d is empty (no rows in the sensitive group)"
    if cells.n_a == 0:
        return "facet complement a is empty (every row is in the sensitive group)"
    return None
