"""Run a fused Lloyd kernel on fresh outputs, for the kernel tests."""

from __future__ import annotations

import numpy as np


def fused_pass(kernel, X, weights, centers, starts):
    """``(labels, partial_sums, partial_weights)`` of one fused Lloyd pass.

    The partials start as NaN, so an entry the kernel fails to write shows up
    in any comparison.
    """
    n_samples, n_features = X.shape
    n_blocks, n_clusters = len(starts) - 1, centers.shape[0]
    labels = np.empty(n_samples, dtype=np.int32)
    sums = np.full((n_blocks, n_clusters, n_features), np.nan)
    sum_weights = np.full((n_blocks, n_clusters), np.nan)
    kernel(X, weights, centers, starts, labels, sums, sum_weights)
    return labels, sums, sum_weights


def near_tie_data(n, d, k, dtype, seed):
    """``(X, centers)``: rows on the perpendicular bisector of two centers, up
    to float noise, a third of ordinary rows, and a duplicated center (exact
    ties, which go to index 0)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d))
    centers[k - 1] = centers[0]  # an exact duplicate: ties go to index 0
    mid = 0.5 * (centers[0] + centers[1])
    normal = rng.normal(size=(n, d))
    normal -= np.outer(normal @ (centers[1] - centers[0]), centers[1] - centers[0]) / (
        (centers[1] - centers[0]) @ (centers[1] - centers[0])
    )
    X = mid + normal * 0.1
    X[: n // 3] = rng.normal(size=(n // 3, d))  # ordinary rows too
    return X.astype(dtype), centers.astype(dtype)
