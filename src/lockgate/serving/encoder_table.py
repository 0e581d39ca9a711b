"""The encoder's vectorised path (pyarrow): a whole CSV of raw records read and encoded at once,
each bad row named (row and column) and left out, the rest encoded exactly as `Encoder.encode`
does. Batch-predict checks a file with it, the monitor encodes captured rows, and the offline
batch transform scores with it.

Shipped beside the encoder script in every model's artifact (`lockgate_encoder_table.py`, which the
offline batch transform loads, so an old model keeps its own encoding); like the script it imports
only the standard library, numpy and pyarrow, and takes the encoding's rules and error type from
the `Encoder` it is given (`Encoder.number`, `Encoder.Error`), so it needs no import of the script.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # for the type checker only: the shipped file imports nothing of Lockgate
    from lockgate.serving.encoder import Encoder
    from lockgate.serving.encoder_spec import ColumnSpec


def encode_table(
    encoder: Encoder, table: Any, first_row: int = 1
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A pyarrow table of raw records (`read_csv_table`: typed columns, or strings when a value
    did not parse) -> (float32 matrix of the good rows, good-row mask, problems).

    Problems name the row (`first_row` is the table's first) and the column; a bad row is left
    out of the matrix."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    unknown = [n for n in table.column_names if n not in encoder.by_name]
    if unknown:
        raise encoder.Error(f"column(s) {', '.join(repr(n) for n in unknown)} are not in the contract")
    columns: list[np.ndarray] = []  # float32, one per feature: stacked once at the end (one pass)
    good = np.ones(rows, dtype=bool)
    problems: list[str] = []
    for column in encoder.features:
        name = column["name"]
        if name not in table.column_names:
            raise encoder.Error(f"row 1: column {name!r} is missing")
        arr = table.column(name).combine_chunks()
        if pa.types.is_dictionary(arr.type) or pa.types.is_string(arr.type):
            blank = pc.equal(arr.dictionary if pa.types.is_dictionary(arr.type) else arr, pa.scalar(""))
            if pa.types.is_dictionary(arr.type):
                blank = pc.take(blank, arr.indices)
            empty = pc.fill_null(blank, True).to_numpy(zero_copy_only=False)
        else:
            empty = arr.is_null().to_numpy(zero_copy_only=False)
        if column["type"] == "string":
            allowed = column.get("allowed") or []
            encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
            position = pc.index_in(encoded.dictionary, pa.array([str(v) for v in allowed], pa.string()))
            lookup = pc.fill_null(position, len(allowed)).to_numpy(zero_copy_only=False)
            indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
            codes = lookup[indices] if len(lookup) else np.full(rows, len(allowed))
            codes = np.where(empty, len(allowed), codes)  # null or "": all zeros, as in training
            # a value outside `allowed` (code len(allowed)): all zeros too
            columns += [(codes == k).astype(np.float32) for k in range(len(allowed))]
        elif pa.types.is_string(arr.type):
            columns.append(
                _numbers(
                    encoder, arr, column, empty, problems=problems, good=good, first_row=first_row
                ).astype(np.float32)
            )
        else:
            values = arr.cast(pa.float64()).to_numpy(zero_copy_only=False)
            for row in np.flatnonzero(~np.isfinite(values) & ~empty)[:1000]:
                good[row] = False
                problems.append(
                    f"row {row + first_row}: column {name!r}: {values[row]!r} is not a finite number"
                )
            columns.append(values.astype(np.float32))
        if not column.get("nullable") and empty.any():
            for row in np.flatnonzero(empty & good)[:100]:
                problems.append(f"row {row + first_row}: column {name!r} is empty (not nullable)")
            good &= ~empty
    if not good.all():
        columns = [c[good] for c in columns]
    kept = int(good.sum())
    matrix = np.stack(columns, axis=1) if columns else np.zeros((kept, 0), dtype=np.float32)
    return matrix, good, problems


_ARROW_TYPES = {"integer": "int64", "float": "float64", "boolean": "bool"}


def read_csv_table(
    encoder: Encoder, body: bytes, keep: list[str] | None = None, *, use_threads: bool = True
) -> Any:
    """A CSV body of raw records (header line optional, as `Encoder.records` takes it) as a
    pyarrow table: each feature column parsed as its contract type (strings dictionary-encoded);
    when a value does not parse, every column as text (`encode_table` then names the bad rows).
    With `keep`, only the feature columns and these are read (the others are skipped unparsed)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    first = body.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    fields = [f.strip().strip('"') for f in first.split(",")]
    named = [f for f in fields if f in encoder.by_name]
    header = bool(named) and 2 * len(named) >= len(fields)
    names = fields if header else encoder.inputs
    read = pacsv.ReadOptions(column_names=names, skip_rows=1 if header else 0, use_threads=use_threads)
    include = None
    if keep is not None:
        wanted = {c["name"] for c in encoder.features} | set(keep)
        include = [n for n in names if n in wanted or n not in encoder.by_name]  # unknown: refused later
    typed: dict[str, pa.DataType] = {n: pa.string() for n in names}
    for column in encoder.features:
        if column["name"] in typed:
            kind = column["type"]
            typed[column["name"]] = (
                pa.dictionary(pa.int32(), pa.string())
                if kind == "string"
                else pa.type_for_alias(_ARROW_TYPES[kind])
            )
    options = {"strings_can_be_null": False, "quoted_strings_can_be_null": False, "include_columns": include}
    try:
        convert = pacsv.ConvertOptions(column_types=typed, **options)
        return pacsv.read_csv(pa.BufferReader(body), read_options=read, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass
    try:
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, **options)
        return pacsv.read_csv(pa.BufferReader(body), read_options=read, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise encoder.Error(f"the CSV body does not read as the contract's columns: {error}") from None


def _numbers(
    encoder: Encoder,
    arr: Any,
    column: ColumnSpec,
    empty: np.ndarray,
    *,
    problems: list[str],
    good: np.ndarray,
    first_row: int,
) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    name, kind = column["name"], column["type"]
    if kind != "boolean":
        try:
            values = pc.cast(
                pc.if_else(pc.equal(arr, pa.scalar("")), pa.scalar(None, pa.string()), arr), pa.float64()
            ).to_numpy(zero_copy_only=False)
            finite = np.isfinite(values) | empty
            integral = (
                (kind != "integer") | empty | (np.floor(np.nan_to_num(values)) == np.nan_to_num(values))
            )
            if finite.all() and integral.all():
                return values
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    values = np.full(len(arr), math.nan)  # the exact per-value rules, to name each bad row
    for row, value in enumerate(arr.to_pylist()):
        try:
            values[row] = encoder.number(value, kind, True, row + first_row, name)
        except encoder.Error as error:
            good[row] = False
            if len(problems) < 1000:
                problems.append(error.message)
    return values
