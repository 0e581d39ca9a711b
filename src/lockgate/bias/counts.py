"""The count table: one pass over the data, counts over [group, facet category, label, prediction].

Every bias metric derives from these counts. Tables from partitions of one dataset merge by
addition (categories and groups are aligned by value), and serialise to plain JSON, so a Step
Functions Distributed Map can build them per partition and reduce them in one small step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockgate.bias.specs import FacetSpec, LabelSpec, PredictionSpec, Scalar
from lockgate.errors import InputRejected

D_CATEGORY = "d"  # the sensitive group of a values/threshold facet
A_CATEGORY = "a"  # its complement


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

    def to_json(self) -> dict[str, Any]:
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
            "counts": self.counts.tolist(),
            "rows_skipped": self.rows_skipped,
            "facet_max": self.facet_max,
            "label_max": self.label_max,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CountTable:
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
    seen: dict[tuple[str, Scalar], Scalar] = {}
    for values in lists:
        for v in values:
            seen.setdefault(_key(v), v)
    return list(seen.values())


# ---------------------------------------------------------------- building from data


def _column(table: pa.Table, name: str, source: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        raise InputRejected(source, "column present", 1, f"column '{name}' not in {table.column_names}")
    return table.column(name)


def _typed_values(column: pa.ChunkedArray, values: tuple[Scalar, ...], what: str, source: str) -> pa.Array:
    """The configured values, cast to the column's type (Clarify accepts [1] for a "1" column)."""
    target = column.type
    if pa.types.is_dictionary(target):
        target = target.value_type
    try:
        if pa.types.is_string(target) or pa.types.is_large_string(target):
            return pa.array([v if isinstance(v, str) else _num_str(v) for v in values], type=target)
        return pa.array(list(values)).cast(target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InputRejected(source, f"{what} values match column type", len(values), str(exc)) from exc


def _num_str(v: Scalar) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _as_numeric(column: pa.ChunkedArray, what: str, source: str) -> pa.ChunkedArray:
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return column
    try:
        return pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputRejected(source, f"{what} is numeric for a threshold", 1, str(exc)) from exc


def above(column: pa.ChunkedArray, threshold: float, what: str, source: str) -> pa.ChunkedArray:
    """column > threshold, compared in the column's own type where that is exact (much faster)."""
    numeric = _as_numeric(column, what, source)
    if pa.types.is_integer(numeric.type):
        try:  # for integers, x > 40.5 is x > 40
            return pc.greater(numeric, pa.scalar(math.floor(threshold)).cast(numeric.type))
        except (pa.ArrowInvalid, OverflowError):
            pass
    elif pa.types.is_floating(numeric.type) and numeric.type != pa.float64():
        as_float = pa.scalar(threshold).cast(numeric.type)
        if as_float.as_py() == threshold:
            return pc.greater(numeric, as_float)
    return pc.greater(numeric, threshold)


def is_one_of(column: pa.ChunkedArray, values: tuple[Scalar, ...], what: str, source: str) -> pa.ChunkedArray:
    """column in values: OR of typed equalities for a few values (hash lookups cost 15x more)."""
    typed = _typed_values(column, values, what, source)
    if len(typed) > 8 or pa.types.is_dictionary(column.type):
        return pc.is_in(column, value_set=typed)
    result = None
    for i in range(len(typed)):
        eq = pc.equal(column, typed[i])
        result = eq if result is None else pc.or_(result, eq)
    return result


def positive_labels(table: pa.Table, spec: LabelSpec, source: str = "data") -> pa.ChunkedArray:
    """Boolean column: the label is positive."""
    column = _column(table, spec.name, source)
    if spec.threshold is not None:
        return above(column, spec.threshold, "label", source)
    return is_one_of(column, spec.values, "label", source)


def positive_predictions(
    table: pa.Table, spec: PredictionSpec, label: LabelSpec, source: str = "data"
) -> pa.ChunkedArray:
    """Boolean column: the prediction is positive (scores above the threshold, or labels judged like
    the label column)."""
    column = _column(table, spec.name, source)
    if spec.kind == "scores":
        return above(column, spec.probability_threshold, "prediction score", source)
    return positive_labels(table, LabelSpec(spec.name, label.values, label.threshold), source)


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
        _column(table, name, source)
    skipped = 0
    if any(_has_missing(table.column(n)) for n in used):
        before = table.num_rows
        table = table.select(list(dict.fromkeys(used))).drop_null()
        for name in used:
            if pa.types.is_floating(table.column(name).type):
                table = table.filter(pc.invert(pc.is_nan(table.column(name))))
        skipped = before - table.num_rows
    lab = positive_labels(table, label, source)
    pred = positive_predictions(table, prediction, label, source) if prediction else None
    col = table.column(facet.name)
    facet_max: float | None = None
    if facet.kind == "one_vs_rest":
        categories: list[Scalar] = _distinct(col)
        masks: list[pa.ChunkedArray] | None = None
    else:
        categories = [D_CATEGORY, A_CATEGORY]
        if facet.kind == "threshold":
            if facet.threshold is None:
                raise ValueError(f"facet {facet.name}: threshold kind needs a threshold")
            in_d = above(col, facet.threshold, f"facet {facet.name}", source)
            facet_max = pc.max(_as_numeric(col, f"facet {facet.name}", source)).as_py()
        else:
            in_d = is_one_of(col, facet.values, f"facet {facet.name}", source)
        masks = [in_d, pc.invert(in_d)]
    groups = _distinct(table.column(group_variable)) if group_variable else None
    n_groups = len(groups) if groups else 1
    if n_groups * len(categories) <= MAX_MASK_CELLS:
        if masks is None:
            masks = [_equal(col, c) for c in categories]
        group_masks = (
            [_equal(table.column(group_variable), g) for g in groups] if group_variable and groups else [None]
        )
        counts = _mask_cells(group_masks, masks, lab, pred)
    else:
        g_codes = _codes(table.column(group_variable), groups) if group_variable and groups else None
        c_codes = _codes(col, categories) if masks is None else 1 - _to_numpy_bool(masks[0]).astype(np.int32)
        counts = _bincount_cells(
            g_codes=g_codes,
            c_codes=c_codes,
            n_categories=len(categories),
            lab=lab,
            pred=pred,
            n_groups=n_groups,
        )
    label_max = None
    if label.threshold is not None:
        label_max = pc.max(_as_numeric(table.column(label.name), "label", source)).as_py()
    return CountTable(
        facet, categories, groups, prediction is not None, counts, skipped, facet_max, label_max
    )


MAX_MASK_CELLS = 64  # up to this many (group, category) pairs, count by bit-packed masks


def _has_missing(column: pa.ChunkedArray) -> bool:
    if column.null_count:
        return True
    return pa.types.is_floating(column.type) and bool(pc.any(pc.is_nan(column)).as_py())


def _distinct(column: pa.ChunkedArray) -> list[Scalar]:
    """Distinct values, sorted (so every partition lists them in the same order)."""
    values = pc.unique(column)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values.take(pc.array_sort_indices(values)).to_pylist()


def _equal(column: pa.ChunkedArray, value: Scalar) -> pa.ChunkedArray:
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    return pc.equal(column, pa.scalar(value, type=kind))


def _codes(column: pa.ChunkedArray, values: list[Scalar]) -> np.ndarray:
    """int32 position of each row's value in `values`."""
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    index = pc.index_in(column, value_set=pa.array(values, type=kind))
    return index.to_numpy().astype(np.int32, copy=False)


def _mask_cells(
    group_masks: list[pa.ChunkedArray | None],
    category_masks: list[pa.ChunkedArray],
    lab: pa.ChunkedArray,
    pred: pa.ChunkedArray | None,
) -> np.ndarray:
    """Cells [g, c, l, p] by bit-packed boolean algebra: a few popcounts per cell, no per-row codes."""
    p_size = 2 if pred is not None else 1
    out = np.zeros((len(group_masks), len(category_masks), 2, p_size), dtype=np.int64)
    lab_pred = pc.and_(lab, pred) if pred is not None else None
    for gi, g_mask in enumerate(group_masks):
        for ci, c_mask in enumerate(category_masks):
            m = c_mask if g_mask is None else pc.and_(g_mask, c_mask)
            n, n_l = _true_count(m), _true_count(pc.and_(m, lab))
            if pred is None or lab_pred is None:
                out[gi, ci, :, 0] = (n - n_l, n_l)
                continue
            n_p, n_lp = _true_count(pc.and_(m, pred)), _true_count(pc.and_(m, lab_pred))
            out[gi, ci] = ((n - n_l - n_p + n_lp, n_p - n_lp), (n_l - n_lp, n_lp))
    return out


def _to_numpy_bool(arr: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _true_count(arr: pa.ChunkedArray) -> int:
    total = pc.sum(arr).as_py()
    return int(total or 0)


def _bincount_cells(
    *,
    g_codes: np.ndarray | None,
    c_codes: np.ndarray,
    n_categories: int,
    lab: pa.ChunkedArray,
    pred: pa.ChunkedArray | None,
    n_groups: int,
) -> np.ndarray:
    """Cells [g, c, l, p] with one bincount over a combined code."""
    p_size = 2 if pred is not None else 1
    code = c_codes.astype(np.int64) * (2 * p_size)
    code += _to_numpy_bool(lab).astype(np.int64) * p_size
    if pred is not None:
        code += _to_numpy_bool(pred)
    if g_codes is not None:
        code += g_codes.astype(np.int64) * (n_categories * 2 * p_size)
    flat = np.bincount(code, minlength=n_groups * n_categories * 2 * p_size)
    return flat.astype(np.int64).reshape(n_groups, n_categories, 2, p_size)
