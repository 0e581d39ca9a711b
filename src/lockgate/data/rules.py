"""Per-batch column rules: type conversion (counting unparseable cells), nullability, range,
allowed values, regex. Each check adds its violations to a FailureCollector with example rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockgate.data.contract import Column, Contract
from lockgate.data.exact_sum import exact_sum_float, exact_sum_int
from lockgate.data.report import MAX_EXAMPLES, FailureCollector
from lockgate.data.stats import ColumnStats, value_key

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
}
_SYNTAX = {
    "integer": r"^[+-]?[0-9]+$",
    "float": r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[Nn]a[Nn]|NAN|[Ii]nf(?:inity)?|INF)$",
}
_TRUE = ["true", "1"]
_FALSE = ["false", "0"]


def _examples(mask: pa.Array | np.ndarray, values: pa.Array, first_row: int) -> list[tuple[int, Any]]:
    """Up to 5 (row number, value) pairs where `mask` is true; row numbers are 1-based data rows."""
    m = mask.to_numpy(zero_copy_only=False) if isinstance(mask, pa.Array) else mask
    idx = np.flatnonzero(m)[:MAX_EXAMPLES]
    return list(zip((first_row + idx + 1).tolist(), values.take(pa.array(idx)).to_pylist(), strict=True))


def _bound(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:g}"


def _count(mask: pa.Array) -> int:
    return int(pc.sum(mask, min_count=0).as_py())


def _parse_strings(arr: pa.Array, col_type: str) -> pa.Array:
    """Cast strings to `col_type`, making unparseable cells null (the caller counts them)."""
    target = ARROW_TYPES[col_type]
    if col_type == "boolean":
        lower = pc.utf8_lower(arr)
        return pc.if_else(
            pc.is_in(lower, pa.array(_TRUE)),
            True,
            pc.if_else(pc.is_in(lower, pa.array(_FALSE)), False, pa.scalar(None, pa.bool_())),
        )
    try:
        return pc.cast(arr, target)
    except pa.ArrowInvalid:
        pass
    ok = pc.match_substring_regex(arr, _SYNTAX[col_type])
    candidate = pc.if_else(ok, arr, pa.scalar(None, pa.string()))
    try:
        return pc.cast(candidate, target)
    except pa.ArrowInvalid:  # syntactically fine but out of int64 range: slow path, rare
        out = []
        for value in candidate.to_pylist():
            try:
                out.append(pc.cast(pa.array([value]), target)[0].as_py())
            except pa.ArrowInvalid:
                out.append(None)
        return pa.array(out, target)


def _compatible(raw: pa.DataType, col_type: str) -> bool:
    if col_type == "string":
        return bool(
            pa.types.is_string(raw)
            or pa.types.is_large_string(raw)
            or (
                pa.types.is_dictionary(raw)
                and (pa.types.is_string(raw.value_type) or pa.types.is_large_string(raw.value_type))
            )
        )
    if col_type == "integer":
        return bool(pa.types.is_integer(raw))
    if col_type == "float":
        return bool(pa.types.is_floating(raw) or pa.types.is_integer(raw) or pa.types.is_decimal(raw))
    return bool(pa.types.is_boolean(raw))


def convert(arr: pa.Array, col: Column, first_row: int, failures: FailureCollector) -> tuple[pa.Array, int]:
    """The column in its contract type and the number of cells that could not be converted."""
    target = ARROW_TYPES[col.type]
    if arr.type == target:
        return arr, 0
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        typed = _parse_strings(arr, col.type)
        bad = pc.and_(pc.is_valid(arr), pc.is_null(typed))
        invalid = _count(bad)
        if invalid:
            failures.add(
                "type",
                invalid,
                _examples(bad, arr, first_row),
                column=col.name,
                detail=f"values that are not {col.type}",
            )
        return typed, invalid
    if _compatible(arr.type, col.type):  # Parquet int32, float32, dictionary<string>...
        try:
            return pc.cast(arr, target), 0
        except pa.ArrowInvalid:
            pass
    bad = pc.is_valid(arr)
    failures.add(
        "type",
        _count(bad),
        _examples(bad, arr, first_row),
        column=col.name,
        detail=f"values of type {arr.type} that do not fit {col.type}",
    )
    return pa.nulls(len(arr), target), len(arr) - arr.null_count


def _range_violations(
    arr: pa.Array, col: Column, *, out_of_range: bool, first_row: int, failures: FailureCollector
) -> None:
    """Count values outside [min, max]; NaN and infinities are outside every range."""
    if (col.min is None and col.max is None) or not out_of_range:
        return
    conditions = []
    if col.min is not None:
        conditions.append(pc.less(arr, pa.scalar(float(col.min)) if col.type == "float" else int(col.min)))
    if col.max is not None:
        conditions.append(pc.greater(arr, pa.scalar(float(col.max)) if col.type == "float" else int(col.max)))
    if col.type == "float":
        conditions.append(pc.invert(pc.is_finite(arr)))
    bad = conditions[0]
    for extra in conditions[1:]:
        bad = pc.or_(bad, extra)
    bad = pc.fill_null(bad, False)
    failures.add(
        "range",
        _count(bad),
        _examples(bad, arr, first_row),
        column=col.name,
        detail=f"values outside [{_bound(col.min)}, {_bound(col.max)}]",
    )


def _profile_numeric(
    arr: pa.Array,
    col: Column,
    contract: Contract,
    first_row: int,
    failures: FailureCollector,
    *,
    stats: ColumnStats,
    invalid: int,
) -> None:
    nulls = arr.null_count
    values = (arr.drop_null() if nulls else arr).to_numpy(zero_copy_only=False)
    non_finite = 0
    if col.type == "float":
        finite = np.isfinite(values)
        if not finite.all():
            non_finite = int(len(values) - finite.sum())
            values = values[finite]
    lo = hi = None
    if len(values):
        lo, hi = values.min().item() + 0, values.max().item() + 0  # -0.0 + 0 is 0.0: min/max never -0.0
    out_of_range = bool(non_finite) or (
        lo is not None
        and hi is not None
        and ((col.min is not None and lo < col.min) or (col.max is not None and hi > col.max))
    )
    _range_violations(arr, col, out_of_range=out_of_range, first_row=first_row, failures=failures)
    if col.allowed is not None:
        bad = pc.and_(
            pc.is_valid(arr), pc.invert(pc.is_in(arr, pa.array(col.allowed, ARROW_TYPES[col.type])))
        )
        rule = "label_values" if col.name == contract.label.column else "allowed"
        failures.add(
            rule,
            _count(bad),
            _examples(bad, arr, first_row),
            column=col.name,
            detail=f"values not in {col.allowed}",
        )
    total = exact_sum_float(values) if col.type == "float" else exact_sum_int(values)
    counts = None
    if stats.histogram is not None and len(values):
        uniq, cnt = np.unique(values, return_counts=True) if len(values) < 4096 else _small_counts(values)
        counts = {value_key(u.item()): int(c) for u, c in zip(uniq, cnt, strict=True)}
    stats.add(
        count=len(values),
        nulls=nulls - invalid,
        invalid=invalid,
        non_finite=non_finite,
        lo=lo,
        hi=hi,
        total=total,
        counts=counts,
    )


def _small_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = pc.value_counts(pa.array(values))
    return counts.field("values").to_numpy(), counts.field("counts").to_numpy()


def _profile_categorical(
    arr: pa.Array,
    col: Column,
    contract: Contract,
    first_row: int,
    failures: FailureCollector,
    *,
    stats: ColumnStats,
    invalid: int,
) -> pa.Array:
    """String and boolean columns: work on the dictionary (distinct values) and its counts."""
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    dictionary = encoded.dictionary
    if pa.types.is_dictionary(arr.type):
        dictionary = dictionary.cast(ARROW_TYPES[col.type])
    n_dict = len(dictionary)
    indices = encoded.indices.fill_null(n_dict).to_numpy(zero_copy_only=False)
    per_entry = np.bincount(indices, minlength=n_dict + 1)[:n_dict]
    used = np.flatnonzero(per_entry)

    bad_entries = np.zeros(n_dict, dtype=bool)
    if col.allowed is not None:
        bad_entries |= ~pc.is_in(dictionary, pa.array(col.allowed, ARROW_TYPES[col.type])).to_numpy(
            zero_copy_only=False
        )
    rule = "label_values" if col.name == contract.label.column else "allowed"
    for name, pattern in ((rule, None), ("regex", col.regex)):
        if name == "regex":
            if pattern is None:
                continue
            bad = ~pc.match_substring_regex(dictionary, f"^(?:{pattern})$").to_numpy(zero_copy_only=False)
            detail = f"values not matching {pattern}"
        else:
            if col.allowed is None:
                continue
            bad = bad_entries
            detail = f"values not in {col.allowed}"
        bad = bad & (per_entry > 0)
        if bad.any():
            rows = np.flatnonzero(np.isin(indices, np.flatnonzero(bad)))[:MAX_EXAMPLES]
            values = dictionary.take(pa.array(indices[rows])).to_pylist()
            examples = list(zip((first_row + rows + 1).tolist(), values, strict=True))
            failures.add(name, int(per_entry[bad].sum()), examples, column=col.name, detail=detail)

    counts: dict[str, int] | None = None
    lo = hi = None
    if len(used):
        present = dictionary.take(pa.array(used))
        if col.type == "string":
            mm = pc.min_max(present)
            lo, hi = mm["min"].as_py(), mm["max"].as_py()
        if stats.tracks_values():
            found: dict[str, int] = {}
            counts = found
            for v, c in zip(present.to_pylist(), per_entry[used].tolist(), strict=True):
                k = value_key(v)
                found[k] = found.get(k, 0) + c
    stats.add(
        count=int(per_entry.sum()),
        nulls=arr.null_count - invalid,
        invalid=invalid,
        lo=lo,
        hi=hi,
        counts=counts,
    )
    return encoded


def profile(
    arr: pa.Array,
    col: Column,
    contract: Contract,
    first_row: int,
    failures: FailureCollector,
    *,
    stats: ColumnStats,
) -> pa.Array:
    """Convert one column batch to its contract type, check every rule of `col` and add the batch
    to `stats`. Returns the typed column (string columns dictionary-encoded)."""
    if (
        pa.types.is_dictionary(arr.type)
        and col.type == "string"
        and (pa.types.is_string(arr.type.value_type) or pa.types.is_large_string(arr.type.value_type))
    ):
        typed, invalid = arr, 0
    else:
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        typed, invalid = convert(arr, col, first_row, failures)
    if not col.nullable and typed.null_count > invalid:
        nulls = pc.and_(pc.is_null(typed), pc.is_null(arr)) if invalid else pc.is_null(typed)
        failures.add("not_null", _count(nulls), _examples(nulls, typed, first_row), column=col.name)
    if col.type in ("integer", "float"):
        _profile_numeric(typed, col, contract, first_row, failures, stats=stats, invalid=invalid)
        return typed
    return _profile_categorical(typed, col, contract, first_row, failures, stats=stats, invalid=invalid)
