"""The training baseline of each feature: PSI bins and a quantile grid (for KS), from the train split.

The version manifest keeps per-column statistics of the raw columns (count, min, max, sums, value
counts) but no histograms or quantiles of the model's features, so the baseline is computed once
from the version's train split (the XGBoost CSV: label first, then the features in manifest order)
and cached as baseline.json beside the manifest.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

BINS = 10
GRID = 101  # quantile grid points kept per feature for KS
METHOD = 2  # 2: exact training CDF at the grid (baseline.json of method 1 is recomputed)


class FeatureBaseline(BaseModel):
    """One feature: interior bin edges, the training share of each bin, a quantile grid and the
    training CDF at its points (share of training rows <= each grid point)."""

    name: str
    numeric: bool  # False for one-hot columns ("<column>=<value>")
    edges: list[float]
    expected: list[float]
    quantiles: list[float]
    cdf: list[float] = Field(default_factory=list)


class Baseline(BaseModel):
    """baseline.json: the features of one dataset version's train split. With `inputs` (the
    model's feature names), `features` are the contract's columns (`monitoring.columns`) and the
    captured feature rows are mapped to them before measuring."""

    dataset: str
    version: str
    rows: int
    method: int = 1
    features: list[FeatureBaseline]
    inputs: list[str] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Measured names (contract columns, or features) in model order."""
        return [f.name for f in self.features]

    @property
    def input_names(self) -> list[str]:
        """The model's feature names: what captured rows hold."""
        return self.inputs or self.names


def build_baseline(
    dataset: str,
    version: str,
    names: list[str],
    values: np.ndarray,
    *,
    numeric: list[bool] | None = None,
    inputs: list[str] | None = None,
) -> Baseline:
    """Summarise `values[n, k]` (train features, or contract columns with `numeric` flags and the
    model's feature names `inputs`, in model order, k = len(names))."""
    features = []
    for j, name in enumerate(names):
        is_numeric = numeric[j] if numeric is not None else "=" not in name
        column = values[:, j]
        column = column[np.isfinite(column)]
        if column.size == 0:
            features.append(
                FeatureBaseline(name=name, numeric=is_numeric, edges=[], expected=[1.0], quantiles=[])
            )
            continue
        edges = np.unique(np.quantile(column, np.linspace(0, 1, BINS + 1)[1:-1]))
        counts = np.bincount(np.searchsorted(edges, column, side="right"), minlength=edges.size + 1)
        grid = np.quantile(column, np.linspace(0, 1, GRID))
        ordered = np.sort(column)
        features.append(
            FeatureBaseline(
                name=name,
                numeric=is_numeric,
                edges=edges.tolist(),
                expected=(counts / counts.sum()).tolist(),
                quantiles=grid.tolist(),
                cdf=(np.searchsorted(ordered, grid, side="right") / ordered.size).tolist(),
            )
        )
    return Baseline(
        dataset=dataset,
        version=version,
        rows=int(values.shape[0]),
        method=METHOD,
        features=features,
        inputs=inputs or [],
    )
