"""FlipTest: a kNN over a's rows votes on d's predictions (value parity with smclarify in tests/oracle)."""

from __future__ import annotations

import numpy as np

from lockgate.bias.fliptest import flip_test


def test_a_d_row_whose_neighbours_in_a_are_negative_counts_as_a_flip() -> None:
    x = np.array([[0.0], [0.1], [0.2], [5.0], [5.1]])
    in_d = np.array([False, False, False, True, True])
    pred = np.array([False, False, True, True, False])
    # a has 3 rows, so k = 1: d row 5.0 and 5.1 both see a's 0.2 (positive)
    assert flip_test(x, in_d, pred).value == (0 - 1) / 2


def test_empty_sides_and_missing_features_are_undefined() -> None:
    x = np.zeros((3, 2))
    assert flip_test(x, np.zeros(3, bool), np.ones(3, bool)).value is None
    assert flip_test(x, np.ones(3, bool), np.ones(3, bool)).value is None
    x[0, 0] = np.nan
    assert "missing" in (flip_test(x, np.array([True, False, False]), np.ones(3, bool)).reason or "")


def test_blocks_give_the_same_answer_as_one_block(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 2))
    in_d, pred = rng.random(300) < 0.3, rng.random(300) < 0.5
    whole = flip_test(x, in_d, pred).value
    monkeypatch.setattr("lockgate.bias.fliptest.BLOCK_VALUES", 50)
    assert flip_test(x, in_d, pred).value == whole
