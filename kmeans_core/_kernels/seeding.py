"""Distance updates for k-means++ seeding.

The random draws happen in Python (``kmeans_core.init``); these kernels only
score candidates and update each sample's distance to its nearest chosen seed.
Nothing here stores an n x n_candidates matrix: scoring and updating each read X
once.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH
from .distances import squared_distance


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def distances_to_point(X, point, out):
    """Squared distance from every row of X to one point.

    IN X (n, d), point (1, d); OUT out (n,) float64.
    """
    for i in prange(X.shape[0]):
        out[i] = squared_distance(X, i, point, 0)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def candidate_potentials(X, sample_weight, candidates, closest, block_starts, out):
    """Weighted potential that each candidate seed would leave.

    ``out[c] = sum_i w_i * min(closest_i, |x_i - candidate_c|^2)``, accumulated
    per block and added in block order, so the choice does not depend on the
    thread count.

    IN X (n, d), sample_weight (n,), candidates (L, d), closest (n,) float64,
    block_starts; OUT out (L,) float64.
    """
    n_candidates = candidates.shape[0]
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros((n_blocks, n_candidates), dtype=np.float64)
    for b in prange(n_blocks):
        for i in range(block_starts[b], block_starts[b + 1]):
            w = sample_weight[i]
            current = closest[i]
            for c in range(n_candidates):
                dist = np.float64(squared_distance(X, i, candidates, c))
                partial[b, c] += w * (dist if dist < current else current)
    for c in range(n_candidates):
        total = 0.0
        for b in range(n_blocks):
            total += partial[b, c]
        out[c] = total


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def update_closest(X, point, closest):
    """Lower each sample's nearest-seed distance with a newly chosen seed.

    IN X (n, d), point (1, d); INOUT closest (n,) float64.
    """
    for i in prange(X.shape[0]):
        dist = np.float64(squared_distance(X, i, point, 0))
        if dist < closest[i]:
            closest[i] = dist
