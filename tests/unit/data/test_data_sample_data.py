"""The synthetic credit dataset: deterministic, valid, and mildly biased (a finding, not a gate failure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lockgate.sample_data import PURPOSES, generate_credit, write_csv


def test_same_seed_same_table_other_seed_other_table() -> None:
    assert generate_credit(5000, 1).equals(generate_credit(5000, 1))
    assert not generate_credit(5000, 1).equals(generate_credit(5000, 2))


def test_columns_and_domains() -> None:
    table = generate_credit(20_000, 3)
    assert table.column_names == [
        "applicant_id", "age", "sex", "foreign_worker", "purpose", "credit_amount",
        "duration_months", "savings", "employment_years", "credit_risk",
    ]  # fmt: skip
    ids = table["applicant_id"].to_numpy()
    assert len(np.unique(ids)) == len(ids)
    assert set(pc.unique(table["purpose"]).to_pylist()) == set(PURPOSES)
    assert set(pc.unique(table["sex"]).to_pylist()) == {"female", "male"}
    assert pc.min(table["age"]).as_py() >= 18


def test_label_is_mildly_biased_against_the_sensitive_groups() -> None:
    table = generate_credit(200_000, 11)
    good = pc.equal(table["credit_risk"], "good").to_numpy(zero_copy_only=False)
    female = pc.equal(table["sex"], "female").to_numpy(zero_copy_only=False)
    young = table["age"].to_numpy() <= 25
    dpl_sex = good[~female].mean() - good[female].mean()
    dpl_age = good[~young].mean() - good[young].mean()
    assert 0.005 < dpl_sex < 0.1  # something to find, inside the default |DPL| <= 0.1 gate
    assert 0.005 < dpl_age < 0.1
    assert 0.5 < good.mean() < 0.85


def test_write_csv_round_trips(tmp_path: Path) -> None:
    table = generate_credit(1000, 4)
    write_csv(table, tmp_path / "credit.csv")
    assert pacsv.read_csv(tmp_path / "credit.csv").equals(table)
