"""The count table: one pass over the data, counts over [group, facet category, label, prediction].

Every bias metric derives from these counts. Tables from partitions of one dataset merge by
addition (categories and groups are aligned by value), and serialise to plain JSON, so a Step
Functions Distributed Map can build them per partition and reduce them in one small step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockgate.bias.row_bits import (
    above_bits,
    as_numeric,
    column_of,
    invert,
    numeric_values,
    one_of_bits,
    pack,
    popcount,
    positive_label_bits,
    positive_prediction_bits,
    unpack,
)
from lockgate.bias.specs import FacetJson, FacetSpec, LabelSpec, PredictionSpec, Scalar

D_CATEGORY = "d"  # the sensitive group of a values/threshold facet
A_CATEGORY = "a"  # its complement


class CountTableJson(TypedDict):
    """A CountTable as plain JSON (ints only in `counts`, nested [group][category][label][prediction])."""

    facet: FacetJson
    categories: list[Scalar]
    groups: list[Scalar] | None
    has_predictions: bool
    counts: list[list[list[list[int]]]]
    rows_skipped: int
    facet_max: float | None
    label_max: float | None


@dataclass
class CountTable:
    """counts[g, c, l, p]: rows in group g, facet category c, label l (0/1), prediction p (0/1).

    p has size 1 when there are no predictions. `groups` is None without a group variable.
    `facet_max` is the largest facet value (threshold facets: Clarify writes "(t, max]").
    """

    facet: FacetSpec
    categories: list[Scalar]
    groups: list[Scalar] | None
    has_predictions: bool
    counts: np.ndarray
    rows_skipped: int = 0
    facet_max: float | None = None
    label_max: float | None = None

    @property
    def rows(self) -> int:
        return int(self.counts.sum())

    def to_json(self) -> CountTableJson:
        """A plain, JSON-serialisable dict (ints only)."""
        return {
            "facet": {
                "name": self.facet.name,
                "kind": self.facet.kind,
                "values": list(self.facet.values),
                "threshold": self.facet.threshold,
            },
            "categories": list(self.categories),
            "groups": None if self.groups is None else list(self.groups),
            "has_predictions": self.has_predictions,
            "counts": cast(list[list[list[list[int]]]], self.counts.tolist()),
            "rows_skipped": self.rows_skipped,
            "facet_max": self.facet_max,
            "label_max": self.label_max,
        }

    @classmethod
    def from_json(cls, data: CountTableJson) -> CountTable:
        f = data["facet"]
        facet = FacetSpec(f["name"], f["kind"], tuple(f["values"]), f["threshold"])
        return cls(
            facet=facet,
            categories=list(data["categories"]),
            groups=None if data["groups"] is None else list(data["groups"]),
            has_predictions=bool(data["has_predictions"]),
            counts=np.asarray(data["counts"], dtype=np.int64),
            rows_skipped=int(data["rows_skipped"]),
            facet_max=data["facet_max"],
            label_max=data.get("label_max"),
        )


def merge(tables: list[CountTable]) -> CountTable:
    """Add count tables of the same facet; categories and groups are aligned by value."""
    if not tables:
        raise ValueError("merge needs at least one count table")
    first = tables[0]
    for t in tables[1:]:
        if t.facet != first.facet or t.has_predictions != first.has_predictions:
            raise ValueError("count tables of different facets or stages cannot merge")
        if (t.groups is None) != (first.groups is None):
            raise ValueError("count tables with and without a group variable cannot merge")
    categories = _union([t.categories for t in tables])
    groups = None if first.groups is None else _union([t.groups or [] for t in tables])
    shape = (len(groups) if groups else 1, len(categories), 2, first.counts.shape[3])
    total = np.zeros(shape, dtype=np.int64)
    c_pos = {_key(c): i for i, c in enumerate(categories)}
    g_pos = {_key(g): i for i, g in enumerate(groups)} if groups else None
    for t in tables:
        ci = np.array([c_pos[_key(c)] for c in t.categories], dtype=np.intp)
        gi = np.array([g_pos[_key(g)] for g in t.groups], dtype=np.intp) if g_pos and t.groups else [0]
        np.add.at(total, np.ix_(gi, ci), t.counts)
    maxima = [t.facet_max for t in tables if t.facet_max is not None]
    label_maxima = [t.label_max for t in tables if t.label_max is not None]
    return CountTable(
        facet=first.facet,
        categories=categories,
        groups=groups,
        has_predictions=first.has_predictions,
        counts=total,
        rows_skipped=sum(t.rows_skipped for t in tables),
        facet_max=max(maxima) if maxima else None,
        label_max=max(label_maxima) if label_maxima else None,
    )


def _key(value: Scalar) -> tuple[str, Scalar]:
    # 1 and True and 1.0 compare equal in Python; keep them apart by type.
    return (type(value).__name__, value)


def _union(lists: list[list[Scalar]]) -> list[Scalar]:
    """All values, sorted like a single table's (so partitioning never changes the order of sums)."""
    seen: dict[tuple[str, Scalar], Scalar] = {}
    for values in lists:
        for v in values:
            seen.setdefault(_key(v), v)
    try:
        return sorted(seen.values())
    except TypeError:  # mixed types: keep first-seen order
        return list(seen.values())


# ---------------------------------------------------------------- building from data


def _usable_rows(table: pa.Table, used: list[str]) -> tuple[pa.Table, int]:
    """The rows with a value (not null, not NaN) in every used column, dictionaries decoded, and how
    many rows were dropped."""
    skipped = 0
    if any(_has_missing(table.column(n)) for n in used):
        before = table.num_rows
        table = table.select(list(dict.fromkeys(used))).drop_null()
        for name in used:
            if pa.types.is_floating(table.column(name).type):
                table = table.filter(pc.invert(pc.is_nan(table.column(name))))
        skipped = before - table.num_rows
    for name in dict.fromkeys(used):  # categorical columns (Parquet dictionaries) compare by value
        kind = table.column(name).type
        if pa.types.is_dictionary(kind):
            index = table.column_names.index(name)
            table = table.set_column(index, name, pc.cast(table.column(name), kind.value_type))
    return table, skipped


def build_counts(
    table: pa.Table,
    facet: FacetSpec,
    label: LabelSpec,
    *,
    prediction: PredictionSpec | None = None,
    group_variable: str | None = None,
    source: str = "data",
) -> CountTable:
    """One pass over `table` for one facet. Rows with a null in a used column are skipped and counted."""
    used = [facet.name, label.name] + ([prediction.name] if prediction else [])
    used += [group_variable] if group_variable else []
    for name in used:
        column_of(table, name, source)
    table, skipped = _usable_rows(table, used)
    n = table.num_rows
    lab = positive_label_bits(table, label, source)
    pred = positive_prediction_bits(table, prediction, label, source) if prediction else None
    col = table.column(facet.name)
    facet_max: float | None = None
    masks: list[np.ndarray] | None = None
    facet_values = _ColumnValues(col) if facet.kind == "one_vs_rest" else None
    if facet_values is not None:
        categories: list[Scalar] = facet_values.values
    else:
        categories = [D_CATEGORY, A_CATEGORY]
        if facet.kind == "threshold":
            if facet.threshold is None:
                raise ValueError(f"facet {facet.name}: threshold kind needs a threshold")
            in_d = above_bits(col, facet.threshold, f"facet {facet.name}", source)
            facet_max = pc.max(as_numeric(col, f"facet {facet.name}", source)).as_py()
        else:
            in_d = one_of_bits(col, facet.values, f"facet {facet.name}", source)
        masks = [in_d, invert(in_d, n)]
    group_values = _ColumnValues(table.column(group_variable)) if group_variable else None
    groups = None if group_values is None else group_values.values
    n_groups = len(groups) if groups else 1
    if n_groups * len(categories) <= MAX_MASK_CELLS:
        if masks is None and facet_values is not None:
            masks = [facet_values.bits(i) for i in range(len(categories))]
        group_masks: list[np.ndarray | None] = [None]
        if group_values is not None and groups:
            group_masks = [group_values.bits(i) for i in range(len(groups))]
        counts = _mask_cells(group_masks, masks or [], lab, pred)
    else:
        g_codes = group_values.codes() if group_values is not None and groups else None
        c_codes = (
            facet_values.codes()
            if facet_values is not None
            else 1 - unpack(cast(list[np.ndarray], masks)[0], n).astype(np.int32)
        )
        counts = _bincount_cells(
            g_codes=g_codes,
            c_codes=c_codes,
            n_categories=len(categories),
            lab=unpack(lab, n),
            pred=None if pred is None else unpack(pred, n),
            n_groups=n_groups,
        )
    label_max = None
    if label.threshold is not None:
        label_max = pc.max(as_numeric(table.column(label.name), "label", source)).as_py()
    return CountTable(
        facet, categories, groups, prediction is not None, counts, skipped, facet_max, label_max
    )


MAX_MASK_CELLS = 64  # up to this many (group, category) pairs, count by bit masks; beyond, one bincount


def _has_missing(column: pa.ChunkedArray) -> bool:
    if column.null_count:
        return True
    return pa.types.is_floating(column.type) and bool(pc.any(pc.is_nan(column)).as_py())


def _distinct(column: pa.ChunkedArray) -> list[Scalar]:
    """Distinct values, sorted (so every partition lists them in the same order)."""
    values = pc.unique(column)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    distinct: list[Scalar] = values.take(pc.array_sort_indices(values)).to_pylist()
    return distinct


class _ColumnValues:
    """A column's distinct values (sorted) and, per value, the rows holding it: numeric columns
    compare in numpy; others are dictionary-encoded once (a string compare per value costs ~10x)."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        self._x = numeric_values(column)
        self._codes: np.ndarray | None = None
        if self._x is not None:
            self.values = _distinct(column)
            return
        encoded = pc.dictionary_encode(column).unify_dictionaries()
        raw = encoded.chunk(0).dictionary.to_pylist() if encoded.num_chunks else []
        order = sorted(range(len(raw)), key=raw.__getitem__)
        rank = np.empty(len(raw), dtype=np.int32)
        rank[order] = np.arange(len(raw), dtype=np.int32)
        indices = [c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks]
        self._codes = rank[np.concatenate(indices)] if indices else np.zeros(0, dtype=np.int32)
        self.values = [raw[i] for i in order]

    def bits(self, i: int) -> np.ndarray:
        """Packed bits: rows whose value is values[i]."""
        if self._codes is not None:
            return pack(self._codes == i)
        assert self._x is not None
        return pack(self._x == self.values[i])

    def codes(self) -> np.ndarray:
        """int32 position of each row's value in `values`."""
        if self._codes is not None:
            return self._codes
        assert self._x is not None
        return np.searchsorted(np.asarray(self.values), self._x).astype(np.int32)


def _mask_cells(
    group_masks: list[np.ndarray | None],
    category_masks: list[np.ndarray],
    lab: np.ndarray,
    pred: np.ndarray | None,
) -> np.ndarray:
    """Cells [g, c, l, p] by popcounts of ANDed bit masks."""
    p_size = 2 if pred is not None else 1
    out = np.zeros((len(group_masks), len(category_masks), 2, p_size), dtype=np.int64)
    lab_pred = None if pred is None else lab & pred
    for gi, g_mask in enumerate(group_masks):
        for ci, c_mask in enumerate(category_masks):
            m = c_mask if g_mask is None else g_mask & c_mask
            n, n_l = popcount(m), popcount(m & lab)
            if pred is None or lab_pred is None:
                out[gi, ci, :, 0] = (n - n_l, n_l)
                continue
            n_p, n_lp = popcount(m & pred), popcount(m & lab_pred)
            out[gi, ci] = ((n - n_l - n_p + n_lp, n_p - n_lp), (n_l - n_lp, n_lp))
    return out


def _bincount_cells(
    *,
    g_codes: np.ndarray | None,
    c_codes: np.ndarray,
    n_categories: int,
    lab: np.ndarray,
    pred: np.ndarray | None,
    n_groups: int,
) -> np.ndarray:
    """Cells [g, c, l, p] with one bincount over a combined code (many groups or categories)."""
    p_size = 2 if pred is not None else 1
    code = c_codes.astype(np.int64) * (2 * p_size)
    code += lab.astype(np.int64) * p_size
    if pred is not None:
        code += pred
    if g_codes is not None:
        code += g_codes.astype(np.int64) * (n_categories * 2 * p_size)
    flat = np.bincount(code, minlength=n_groups * n_categories * 2 * p_size)
    return flat.astype(np.int64).reshape(n_groups, n_categories, 2, p_size)
