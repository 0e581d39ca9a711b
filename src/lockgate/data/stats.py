"""Mergeable per-column statistics.

Every field merges by addition (counts, exact sums, value counts), min or max, so statistics of parts
merged in any grouping and order equal, bit for bit, one pass over the concatenated data. Sums are
exact (`ExactSum`) and the mean is rounded once from the exact sum. Distinct values are counted up
to `DISTINCT_CAP`; beyond it the value counts are dropped (`distinct` becomes null) and a merge
with an overflowed part overflows too, which is exactly what one pass would do.

Key uniqueness merges through `KeyHashes` (sorted distinct 64-bit key hashes plus the duplicate
count): too big for a Step Functions result, so each part stores its hashes as bytes beside its
output and the reduce step merges them (`KeyHashes.merge`).
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import numpy as np

from lockgate.data.exact_sum import ExactSum

DISTINCT_CAP = 1000


type ColumnValue = str | int | float | bool
"""A value of a contract column (string, integer, float or boolean)."""


class ColumnStatsJson(TypedDict):
    """`ColumnStats.to_json()`, keys in this order; the typed keys only for the types named."""

    type: str
    count: int
    nulls: int
    invalid: int
    min: ColumnValue | None
    max: ColumnValue | None
    mean: NotRequired[float | None]  # integer and float columns
    sum_exact: NotRequired[list[str | int]]  # integer and float columns: ExactSum.to_json()
    non_finite: NotRequired[int]  # float columns
    distinct: NotRequired[int | None]  # string and boolean columns; None: over DISTINCT_CAP
    value_counts: NotRequired[dict[str, int] | None]
    histogram: NotRequired[dict[str, int]]  # counts of the contract's allowed values


class DatasetStatsJson(TypedDict):
    """`DatasetStats.to_json()`: the row count and each column's statistics, in contract order."""

    rows: int
    columns: dict[str, ColumnStatsJson]


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


class ColumnStats:
    """Statistics of one column: count (valid non-null values), nulls, invalid (unparseable),
    non_finite (NaN/inf floats, excluded from min/max/mean), min, max, exact sum, value counts
    (string and boolean columns, capped) and a histogram of the contract's allowed values."""

    def __init__(self, column_type: str, allowed: list[Any] | None = None) -> None:
        self.type = column_type
        self.count = 0
        self.nulls = 0
        self.invalid = 0
        self.non_finite = 0
        self.min: Any = None
        self.max: Any = None
        self.sum = ExactSum()
        self.value_counts: dict[str, int] | None = {} if column_type in ("string", "boolean") else None
        self.allowed = allowed
        self.histogram: dict[str, int] | None = (
            {value_key(v): 0 for v in allowed} if allowed is not None else None
        )

    # -- one batch ---------------------------------------------------------------------------
    def add(
        self,
        *,
        count: int,
        nulls: int,
        invalid: int = 0,
        non_finite: int = 0,
        lo: Any = None,
        hi: Any = None,
        total: ExactSum | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        """Add the summary of one batch (computed by `rules.profile`): `count` valid non-null
        values, their min `lo`, max `hi`, exact `total`, and per-value `counts` (keys by `value_key`)."""
        self.count += count
        self.nulls += nulls
        self.invalid += invalid
        self.non_finite += non_finite
        self._extend(lo, hi)
        if total is not None:
            self.sum = self.sum + total
        if counts:
            if self.value_counts is not None:
                for k, c in counts.items():
                    self.value_counts[k] = self.value_counts.get(k, 0) + c
                if len(self.value_counts) > DISTINCT_CAP:
                    self.value_counts = None
            if self.histogram is not None:
                for k, c in counts.items():
                    if k in self.histogram:
                        self.histogram[k] += c

    def tracks_values(self) -> bool:
        """Whether per-value counts are still wanted (value counts not overflowed, or a histogram)."""
        return self.value_counts is not None or self.histogram is not None

    def _extend(self, lo: Any, hi: Any) -> None:
        if lo is not None and (self.min is None or _lt(lo, self.min)):
            self.min = lo
        if hi is not None and (self.max is None or _lt(self.max, hi)):
            self.max = hi

    # -- merging -----------------------------------------------------------------------------
    def merge(self, other: ColumnStats) -> ColumnStats:
        """Fold `other` into self (in place) and return self."""
        self.count += other.count
        self.nulls += other.nulls
        self.invalid += other.invalid
        self.non_finite += other.non_finite
        self._extend(other.min, other.max)
        self.sum = self.sum + other.sum
        if self.value_counts is not None:
            if other.value_counts is None:
                self.value_counts = None
            else:
                for k, c in other.value_counts.items():
                    self.value_counts[k] = self.value_counts.get(k, 0) + c
                if len(self.value_counts) > DISTINCT_CAP:
                    self.value_counts = None
        if self.histogram is not None and other.histogram is not None:
            for k, c in other.histogram.items():
                self.histogram[k] = self.histogram.get(k, 0) + c
        return self

    # -- JSON --------------------------------------------------------------------------------
    def to_json(self) -> ColumnStatsJson:
        """A JSON-ready dict; key order and value-count order are canonical."""
        out: ColumnStatsJson = {
            "type": self.type,
            "count": self.count,
            "nulls": self.nulls,
            "invalid": self.invalid,
            "min": self.min,
            "max": self.max,
        }
        if self.type in ("integer", "float"):
            out["mean"] = self.sum.divided_by(self.count) if self.count else None
            out["sum_exact"] = self.sum.to_json()
        if self.type == "float":
            out["non_finite"] = self.non_finite
        if self.type in ("string", "boolean"):
            vc = self.value_counts
            out["distinct"] = len(vc) if vc is not None else None
            out["value_counts"] = dict(sorted(vc.items())) if vc is not None else None
        if self.histogram is not None:
            out["histogram"] = dict(self.histogram)
        return out

    @staticmethod
    def from_json(data: ColumnStatsJson, allowed: list[Any] | None = None) -> ColumnStats:
        """Inverse of `to_json`."""
        stats = ColumnStats(data["type"], allowed)
        stats.count, stats.nulls, stats.invalid = data["count"], data["nulls"], data["invalid"]
        stats.min, stats.max = data["min"], data["max"]
        stats.non_finite = data.get("non_finite", 0)
        if "sum_exact" in data:
            stats.sum = ExactSum.from_json(data["sum_exact"])
        if "value_counts" in data:
            vc = data["value_counts"]
            stats.value_counts = dict(vc) if vc is not None else None
        if "histogram" in data:
            stats.histogram = dict(data["histogram"])
        return stats


def value_key(value: Any) -> str:
    """Value-count keys are strings in JSON: booleans as true/false, numbers by repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.sort + a mask: far faster than np.unique on large uint64 arrays)."""
    if not len(values):
        return values
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


class KeyHashes:
    """Sorted distinct 64-bit hashes of the key columns, and how many rows repeated a key."""

    def __init__(self, hashes: np.ndarray | None = None, duplicates: int = 0) -> None:
        self.hashes = hashes if hashes is not None else np.zeros(0, np.uint64)
        self.duplicates = duplicates

    @staticmethod
    def of(row_hashes: np.ndarray) -> KeyHashes:
        """From the key hashes of every row of one part."""
        unique = sorted_unique(row_hashes)
        return KeyHashes(unique, len(row_hashes) - len(unique))

    def merge(self, other: KeyHashes) -> KeyHashes:
        """Union of two parts: duplicates add, plus every key both parts hold."""
        both = np.concatenate([self.hashes, other.hashes])
        union = sorted_unique(both)
        return KeyHashes(union, self.duplicates + other.duplicates + len(both) - len(union))

    def to_bytes(self) -> bytes:
        """8 bytes of duplicate count (little-endian) then the sorted hashes as little-endian u64."""
        return int(self.duplicates).to_bytes(8, "little") + self.hashes.astype("<u8").tobytes()

    @staticmethod
    def from_bytes(data: bytes) -> KeyHashes:
        """Inverse of `to_bytes`."""
        return KeyHashes(np.frombuffer(data[8:], "<u8").astype(np.uint64), int.from_bytes(data[:8], "little"))


class DatasetStats:
    """Row count and per-column statistics of a file, a part, or a merge of parts."""

    def __init__(self, columns: dict[str, ColumnStats], rows: int = 0) -> None:
        self.rows = rows
        self.columns = columns

    @staticmethod
    def for_contract(contract: Any) -> DatasetStats:
        """Empty statistics for every declared column of `contract`."""
        return DatasetStats({c.name: ColumnStats(c.type, c.allowed) for c in contract.columns})

    def merge(self, other: DatasetStats) -> DatasetStats:
        """Fold `other` into self (in place) and return self."""
        self.rows += other.rows
        for name, col in other.columns.items():
            if name in self.columns:
                self.columns[name].merge(col)
            else:
                self.columns[name] = ColumnStats.from_json(col.to_json(), col.allowed)
        return self

    def to_json(self) -> DatasetStatsJson:
        """A JSON-ready dict (columns in contract order)."""
        return {"rows": self.rows, "columns": {n: c.to_json() for n, c in self.columns.items()}}

    @staticmethod
    def from_json(data: DatasetStatsJson, contract: Any = None) -> DatasetStats:
        """Inverse of `to_json`; pass the contract to keep tracking its allowed values."""
        allowed = {c.name: c.allowed for c in contract.columns} if contract is not None else {}
        cols = {n: ColumnStats.from_json(c, allowed.get(n)) for n, c in data["columns"].items()}
        return DatasetStats(cols, data["rows"])


def merge_stats(parts: list[DatasetStats], contract: Any) -> DatasetStats:
    """Merge the statistics of parts, in order, into fresh statistics."""
    total = DatasetStats.for_contract(contract)
    for part in parts:
        total.merge(part)
    return total
