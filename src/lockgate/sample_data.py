"""A deterministic synthetic credit dataset (shaped like the German credit data) for the demo.

The label depends on the features and mildly on `sex` and on `age`, so a bias check finds a
difference while the default gate (contracts/credit.yaml) still passes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

PURPOSES = ("car", "furniture", "radio_tv", "education", "business", "repairs")
SAVINGS = ("none", "little", "moderate", "rich", "very_rich")


def _categorical(codes: np.ndarray, values: tuple[str, ...]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), pa.array(values)).cast(pa.string())


def generate_credit(n_rows: int, seed: int) -> pa.Table:
    """`n_rows` applicants; the same (n_rows, seed) always gives the same table. Vectorized."""
    rng = np.random.default_rng(seed)
    age = np.clip(rng.gamma(2.2, 7.0, n_rows) + 19, 18, 75).astype(np.int64)
    female = rng.random(n_rows) < 0.35
    foreign = rng.random(n_rows) < 0.08
    purpose = rng.choice(len(PURPOSES), n_rows, p=[0.30, 0.18, 0.25, 0.07, 0.12, 0.08]).astype(np.int8)
    savings = rng.choice(len(SAVINGS), n_rows, p=[0.18, 0.55, 0.12, 0.08, 0.07]).astype(np.int8)
    duration = rng.choice(np.arange(6, 73, 6), n_rows).astype(np.int64)
    amount = np.round(np.exp(rng.normal(7.8, 0.75, n_rows)) * (0.6 + duration / 48), 2)
    employment = np.minimum(rng.poisson(np.maximum(age - 20, 0) / 6.0), 40).astype(np.int64)

    score = (
        1.1
        + 0.25 * savings
        + 0.04 * np.minimum(employment, 10)
        - 0.025 * (duration - 24)
        - 0.00004 * (amount - 3000)
        + np.where(purpose == PURPOSES.index("business"), -0.2, 0.0)
        + np.where(age < 26, -0.2, 0.0)
        - 0.12 * female
        - 0.1 * foreign
    )
    good = rng.random(n_rows) < 1.0 / (1.0 + np.exp(-score))

    return pa.table(
        {
            "applicant_id": pa.array(np.arange(1, n_rows + 1, dtype=np.int64)),
            "age": pa.array(age),
            "sex": _categorical(female.astype(np.int8), ("male", "female")),
            "foreign_worker": _categorical(foreign.astype(np.int8), ("no", "yes")),
            "purpose": _categorical(purpose, PURPOSES),
            "credit_amount": pa.array(amount),
            "duration_months": pa.array(duration),
            "savings": _categorical(savings, SAVINGS),
            "employment_years": pa.array(employment),
            "credit_risk": _categorical(good.astype(np.int8), ("bad", "good")),
        }
    )


def write_csv(table: pa.Table, path: str | Path) -> None:
    """Write `table` as CSV with a header row (the demo's upload format)."""
    pacsv.write_csv(table, str(path))
