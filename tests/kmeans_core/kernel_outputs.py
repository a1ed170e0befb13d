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
