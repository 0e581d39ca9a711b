"""FlipTest (FT), separate from the count table: it needs row-level features and a kNN.

For each row of the sensitive group d, the k nearest rows of a (Euclidean distance over the feature
columns; k = 5, or 1 when a has at most 9 rows, as smclarify) vote on what the model would have
predicted had the row been in a; FT = (flips to negative - flips to positive) / n_d, smclarify's
sign: (model positive, neighbours negative) minus (model negative, neighbours positive).
Cost is O(n_a * n_d * features): meant for samples, not for 1e7 rows.
"""

from __future__ import annotations

import numpy as np

from lockgate.bias.metric_value import MetricValue, defined, undefined

DEFAULT_NEIGHBOURS, MIN_NEIGHBOURS, SMALL_A = 5, 1, 9
BLOCK_VALUES = 4_000_000  # d rows x a rows x features per distance block (32 MB of float64)


def flip_test(features: np.ndarray, in_d: np.ndarray, predicted_positive: np.ndarray) -> MetricValue:
    """FT from a float feature matrix [rows, features], the d mask and the model's positive mask."""
    x = np.asarray(features, dtype=np.float64)
    d_mask = np.asarray(in_d, dtype=bool)
    pred = np.asarray(predicted_positive, dtype=bool)
    if not np.isfinite(x).all():
        return undefined("FT", "features hold missing or infinite values")
    x_a, x_d = x[~d_mask], x[d_mask]
    y_a, y_d = pred[~d_mask], pred[d_mask]
    if len(x_d) == 0:
        return undefined("FT", "facet group d is empty (no rows in the sensitive group)")
    if len(x_a) == 0:
        return undefined("FT", "facet complement a is empty (every row is in the sensitive group)")
    k = DEFAULT_NEIGHBOURS if len(x_a) > SMALL_A else MIN_NEIGHBOURS
    k = min(k, len(x_a))
    rows = max(1, BLOCK_VALUES // max(1, len(x_a) * x.shape[1]))
    flips = 0
    for start in range(0, len(x_d), rows):
        block = x_d[start : start + rows]
        # exact squared differences (not |x|^2 + |y|^2 - 2xy), so near-ties rank as sklearn ranks them
        dist = np.square(block[:, None, :] - x_a[None, :, :]).sum(axis=2)
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k] if k < len(x_a) else np.argsort(dist, axis=1)
        votes = y_a[nearest].sum(axis=1)
        knn_positive = votes * 2 > k  # majority; k is odd, so no ties
        model = y_d[start : start + rows]
        flips += int(np.sum(model & ~knn_positive)) - int(np.sum(~model & knn_positive))
    return defined("FT", flips / len(x_d))
