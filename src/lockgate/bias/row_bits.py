"""Row masks as packed bits (one bit per row, little-endian bit order as Arrow's, zero padding
after the last row): which rows are in a facet group, have a positive label or a positive
prediction. Counting is a popcount over ANDs of these: a few passes over n/8 bytes, no per-row codes.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockgate.bias.specs import LabelSpec, PredictionSpec, Scalar
from lockgate.errors import InputRejected


def column_of(table: pa.Table, name: str, source: str) -> pa.ChunkedArray:
    """The named column (InputRejected naming the columns when it is not there)."""
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


def as_numeric(column: pa.ChunkedArray, what: str, source: str) -> pa.ChunkedArray:
    """The column as numbers (InputRejected when it is not numeric, as a threshold needs)."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return column
    try:
        return pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputRejected(source, f"{what} is numeric for a threshold", 1, str(exc)) from exc


def _above_arrow(column: pa.ChunkedArray, threshold: float, what: str, source: str) -> pa.ChunkedArray:
    return pc.greater(as_numeric(column, what, source), threshold)


def _one_of_arrow(
    column: pa.ChunkedArray, values: tuple[Scalar, ...], what: str, source: str
) -> pa.ChunkedArray:
    return pc.is_in(column, value_set=_typed_values(column, values, what, source))


def pack(mask: np.ndarray) -> np.ndarray:
    """A bool mask as packed bits."""
    return np.packbits(mask, bitorder="little")


def _arrow_bits(mask: pa.ChunkedArray) -> np.ndarray:
    return pack(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))


def numeric_values(column: pa.ChunkedArray) -> np.ndarray | None:
    """The column as a numpy array when that is cheap and exact (ints and floats, no nulls)."""
    kind = column.type
    if column.null_count or not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        return None
    values: np.ndarray = column.to_numpy()
    return values


def above_bits(column: pa.ChunkedArray, threshold: float, what: str, source: str) -> np.ndarray:
    """Rows where column > threshold, compared exactly (ints: x > 40.5 is x > 40)."""
    x = numeric_values(column)
    if x is None:
        return _arrow_bits(_above_arrow(column, threshold, what, source))
    if np.issubdtype(x.dtype, np.integer):
        info = np.iinfo(x.dtype)
        floor = math.floor(threshold)
        if floor < info.min:
            return pack(np.ones(len(x), dtype=bool))
        if floor >= info.max:
            return pack(np.zeros(len(x), dtype=bool))
        return pack(x > x.dtype.type(floor))
    if float(x.dtype.type(threshold)) == threshold:
        return pack(x > x.dtype.type(threshold))
    return pack(x.astype(np.float64) > threshold)


def one_of_bits(column: pa.ChunkedArray, values: tuple[Scalar, ...], what: str, source: str) -> np.ndarray:
    """Rows whose value is one of `values` (cast to the column's type)."""
    x = numeric_values(column)
    if x is None or len(values) > 8:
        return _arrow_bits(_one_of_arrow(column, values, what, source))
    typed = _typed_values(column, values, what, source).to_numpy()
    mask = x == typed[0]
    for v in typed[1:]:
        mask |= x == v
    return pack(mask)


def positive_label_bits(table: pa.Table, spec: LabelSpec, source: str = "data") -> np.ndarray:
    """Packed bits: the label is positive."""
    column = column_of(table, spec.name, source)
    if spec.threshold is not None:
        return above_bits(column, spec.threshold, "label", source)
    return one_of_bits(column, spec.values, "label", source)


def positive_prediction_bits(
    table: pa.Table, spec: PredictionSpec, label: LabelSpec, source: str = "data"
) -> np.ndarray:
    """Packed bits: the prediction is positive (a score above probability_threshold, or a predicted
    label judged like the label column)."""
    if spec.kind == "scores":
        return above_bits(
            column_of(table, spec.name, source), spec.probability_threshold, "prediction score", source
        )
    return positive_label_bits(table, LabelSpec(spec.name, label.values, label.threshold), source)


def invert(bits: np.ndarray, n: int) -> np.ndarray:
    """The other rows (the padding after row n stays zero)."""
    out = np.invert(bits)
    if n % 8:
        out[-1] &= (1 << (n % 8)) - 1
    return out


def popcount(bits: np.ndarray) -> int:
    """How many rows are set."""
    return int(np.bitwise_count(bits).sum(dtype=np.int64))


def unpack(bits: np.ndarray, n: int) -> np.ndarray:
    """Packed bits of n rows as a bool mask."""
    return np.unpackbits(bits, count=n, bitorder="little").astype(bool)
