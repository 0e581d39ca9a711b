"""The contract's columns as the drift monitor measures them, from the model's feature rows.

A person reads drift per dataset column (`sex`, `credit_amount`), not per one-hot feature
(`sex=female`). The model's features (`lockgate.data.splitting.feature_names`) map back to the
contract's columns: a numeric or boolean feature is its column; the one-hot block `<column>=<value>`
is one categorical column whose value is the index of the hot feature in `allowed` order, or the
block's width when none is hot (a category training never had, or missing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ColumnView:
    """Contract columns in model order, each with the feature positions it comes from."""

    names: list[str]
    numeric: list[bool]
    sources: list[list[int]]

    def apply(self, features: np.ndarray) -> np.ndarray:
        """features[n, k] (model order) -> columns[n, len(names)]: values, or category codes."""
        out = np.empty((features.shape[0], len(self.names)))
        for j, (numeric, source) in enumerate(zip(self.numeric, self.sources, strict=True)):
            if numeric:
                out[:, j] = features[:, source[0]]
            else:
                block = np.nan_to_num(features[:, source]) > 0.5
                out[:, j] = np.where(block.any(axis=1), block.argmax(axis=1), len(source))
        return out


def column_view(feature_names: list[str]) -> ColumnView:
    """The view of a model's feature names (one-hot blocks are consecutive, as the data gate
    writes them)."""
    names: list[str] = []
    numeric: list[bool] = []
    sources: list[list[int]] = []
    for index, feature in enumerate(feature_names):
        column, hot, _ = feature.partition("=")
        if hot and names and not numeric[-1] and names[-1] == column:
            sources[-1].append(index)
            continue
        names.append(column)
        numeric.append(not hot)
        sources.append([index])
    return ColumnView(names, numeric, sources)
