"""Exact, order-independent sums of float64 and int64 arrays.

Float addition is not associative, so a sum merged from parts could differ in the last bit from one
pass. Here every finite double is split by `np.frexp` into an integer mantissa (53 bits) and an
exponent; mantissas are summed exactly per exponent (as two 27-bit halves, whose float64 bincount
sums stay exact below 2**26 values per call) and folded into one Python integer scaled by a power of
two. The sum is therefore an exact rational number, identical for any split and any merge order,
rounded once (correctly, by Python's int division) when read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

_MANT_BITS = 53
_HALF = 26
_EXP_OFFSET = 1100  # frexp exponents of finite doubles lie in [-1073, 1024]
_MAX_CHUNK = 1 << 25  # values per bincount: keeps every float64 partial sum exact


@dataclass(frozen=True)
class ExactSum:
    """The exact value `mantissa * 2**exponent`, normalized (mantissa odd, or zero with exponent 0)."""

    mantissa: int = 0
    exponent: int = 0

    @staticmethod
    def of(mantissa: int, exponent: int) -> ExactSum:
        """Normalized constructor: strip trailing zero bits so equal values compare equal."""
        if mantissa == 0:
            return ExactSum(0, 0)
        shift = (mantissa & -mantissa).bit_length() - 1
        return ExactSum(mantissa >> shift, exponent + shift)

    def __add__(self, other: ExactSum) -> ExactSum:
        if self.mantissa == 0:
            return other
        if other.mantissa == 0:
            return self
        low = min(self.exponent, other.exponent)
        total = (self.mantissa << (self.exponent - low)) + (other.mantissa << (other.exponent - low))
        return ExactSum.of(total, low)

    def as_fraction(self) -> Fraction:
        """The exact value."""
        return Fraction(self.mantissa) * Fraction(2) ** self.exponent

    def divided_by(self, count: int) -> float:
        """`sum / count` rounded once to the nearest double (the exact mean)."""
        value = self.as_fraction() / count
        return value.numerator / value.denominator

    def __float__(self) -> float:
        value = self.as_fraction()
        try:
            return value.numerator / value.denominator
        except OverflowError:
            return math.inf if value > 0 else -math.inf

    def to_json(self) -> list[str | int]:
        """`[mantissa as decimal string, exponent]`: JSON numbers would lose the big integer."""
        return [str(self.mantissa), self.exponent]

    @staticmethod
    def from_json(data: list[str | int]) -> ExactSum:
        """Inverse of `to_json`."""
        return ExactSum.of(int(data[0]), int(data[1]))


def exact_sum_float(values: np.ndarray) -> ExactSum:
    """Exact sum of the finite float64 `values` (callers drop NaN and infinities first)."""
    total = ExactSum()
    for start in range(0, len(values), _MAX_CHUNK):
        chunk = values[start : start + _MAX_CHUNK]
        mant, exp = np.frexp(chunk)
        ints = (mant * float(1 << _MANT_BITS)).astype(np.int64)  # exact: |mant| < 1, 53 bits
        hi = (ints >> _HALF).astype(np.float64)
        lo = (ints & ((1 << _HALF) - 1)).astype(np.float64)
        idx = exp.astype(np.int64) + _EXP_OFFSET
        hi_sums = np.bincount(idx, weights=hi)
        lo_sums = np.bincount(idx, weights=lo)
        (used,) = np.nonzero((hi_sums != 0) | (lo_sums != 0))
        if not len(used):
            continue
        low = int(used[0])
        acc = 0
        for e in used.tolist():
            acc += ((int(hi_sums[e]) << _HALF) + int(lo_sums[e])) << (e - low)
        total = total + ExactSum.of(acc, low - _EXP_OFFSET - _MANT_BITS)
    return total


def exact_sum_int(values: np.ndarray) -> ExactSum:
    """Exact sum of int64 `values` (no overflow: summed as two 32-bit halves)."""
    if not len(values):
        return ExactSum()
    v = values.astype(np.int64, copy=False)
    hi = int(np.sum(v >> 32, dtype=np.int64))
    lo = int(np.sum(v & 0xFFFFFFFF, dtype=np.int64))
    return ExactSum.of((hi << 32) + lo, 0)
