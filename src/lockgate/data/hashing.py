"""Deterministic 64-bit hashes of column values and rows, vectorized with numpy.

Used for key uniqueness (hash sets that merge across parts) and for the split assignment. A value's
hash depends only on its typed value (never on the batch, the file, the process or PYTHONHASHSEED):
integers by their int64 bits, floats by their float64 bits (-0.0 as 0.0, one NaN), booleans as
0/1, strings by their UTF-8 bytes (sum over bytes of a mix of (byte, position), then mixed with
the length), null by a constant. Mixing is splitmix64's finalizer.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NULL = np.uint64(0x6A09E667F3BCC909)
_TAGS = {"integer": 1, "float": 2, "boolean": 3, "string": 4}


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer on a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _string_hashes(arr: pa.Array) -> np.ndarray:
    """Hash of each string's bytes (nulls hash as empty here; the caller overrides them)."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.uint64)
    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    offsets = np.frombuffer(arr.buffers()[1], np.int64)[arr.offset : arr.offset + n + 1]
    data_buf = arr.buffers()[2]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    start, end = int(offsets[0]), int(offsets[-1])
    out = np.zeros(n, np.uint64)
    if end > start:
        body = data[start:end].astype(np.uint64)
        pos = np.arange(end - start, dtype=np.int64) - np.repeat(offsets[:-1] - start, lengths)
        contrib = mix64(body | (pos.astype(np.uint64) << np.uint64(8)))
        nonempty = lengths > 0
        out[nonempty] = np.add.reduceat(contrib, (offsets[:-1] - start)[nonempty])
    with np.errstate(over="ignore"):
        return mix64(out ^ (lengths.astype(np.uint64) * _GOLDEN))


def column_hashes(arr: pa.Array | pa.ChunkedArray, column_type: str) -> np.ndarray:
    """One uint64 per value of a column already cast to its contract type."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    n = len(arr)
    if column_type == "string":
        encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
        if (
            pa.types.is_dictionary(arr.type) or len(encoded.dictionary) * 4 < n
        ):  # few distinct values: hash the dictionary only
            indices = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            raw = _string_hashes(encoded.dictionary)[indices] if n else np.zeros(0, np.uint64)
        else:
            raw = _string_hashes(arr)
    elif column_type == "float":
        values = arr.fill_null(0.0).to_numpy(zero_copy_only=False).astype(np.float64)
        values = np.where(values == 0.0, 0.0, values)  # -0.0 -> 0.0
        values = np.where(np.isnan(values), np.nan, values)
        raw = values.view(np.uint64)
    elif column_type == "boolean":
        raw = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint64)
    else:
        raw = arr.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64).view(np.uint64)
    hashed = mix64(raw ^ np.uint64(_TAGS[column_type]))
    if arr.null_count:
        hashed[arr.is_null().to_numpy(zero_copy_only=False)] = _NULL
    return hashed


def row_hashes(columns: list[tuple[pa.Array | pa.ChunkedArray, str]], n_rows: int) -> np.ndarray:
    """Combine column hashes, in the given order, into one uint64 per row."""
    h = np.zeros(n_rows, np.uint64)
    with np.errstate(over="ignore"):
        for arr, column_type in columns:
            h = mix64(h * np.uint64(31) + column_hashes(arr, column_type))
    return h


def unit_interval(hashes: np.ndarray, seed: int) -> np.ndarray:
    """Map row hashes and a seed to floats uniform in [0, 1) (53 random bits each)."""
    seed_hash = mix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], np.uint64))[0]
    return (mix64(hashes ^ seed_hash) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
