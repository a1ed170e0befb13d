"""One Lloyd step: assign every sample and accumulate per-block partial sums.

Two kernels cover the two regimes.  ``lloyd_assign_accumulate`` computes the
distances itself, tile by tile, and is the fastest when k*d is small.
``argmin_accumulate_from_dots`` receives ``X_slab @ centers.T`` computed by BLAS
and only does the argmin and the accumulation; it wins when k*d is large.
Neither builds an n x k distance matrix: the GEMM path holds one slab at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, TILE_ROWS
from .common import accumulate_row
from .distances import nearest_in_tile


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def lloyd_assign_accumulate(
    X, sample_weight, centers, block_starts, labels, partial_sums, partial_weights
):
    """Fused assignment and accumulation, parallel over fixed blocks of rows.

    IN X (n, d), sample_weight (n,), centers (k, d), block_starts (n_blocks + 1,);
    OUT labels (n,) int32, partial_sums (n_blocks, k, d) float64,
    partial_weights (n_blocks, k) float64.
    """
    n_features = X.shape[1]
    for b in prange(block_starts.shape[0] - 1):
        block_sums = partial_sums[b]
        block_weights = partial_weights[b]
        block_sums[:] = 0.0
        block_weights[:] = 0.0
        xt = np.empty((n_features, TILE_ROWS), dtype=X.dtype)
        dist = np.empty(TILE_ROWS, dtype=X.dtype)
        best_dist = np.empty(TILE_ROWS, dtype=X.dtype)
        best_label = np.empty(TILE_ROWS, dtype=np.int32)
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            nearest_in_tile(X, start, stop, centers, xt, dist, best_dist, best_label)
            for t in range(stop - start):
                label = best_label[t]
                labels[start + t] = label
                accumulate_row(
                    X,
                    start + t,
                    sample_weight[start + t],
                    label,
                    block_sums,
                    block_weights,
                )


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def argmin_accumulate_from_dots(
    X,
    sample_weight,
    dots,
    half_center_norms,
    slab_start,
    block_starts,
    first_block,
    labels,
    partial_sums,
    partial_weights,
    accumulate,
):
    """Nearest center from precomputed dot products, then accumulate.

    ``dots[r, j]`` holds ``(x - m) . (c_j - m)`` for row ``slab_start + r`` (m is a
    reference point, the data mean, subtracted so the expanded form does not
    cancel); the nearest center minimises ``|c_j - m|^2 / 2 - dots[r, j]``.
    The slab covers whole blocks ``first_block ...``; each block writes its own
    partial sums, so results do not depend on the thread count.

    IN X, sample_weight, dots (rows, k), half_center_norms (k,), slab_start,
    block_starts, first_block, accumulate (bool); OUT labels, partial_sums,
    partial_weights (only the slab's blocks).
    """
    n_clusters = dots.shape[1]
    slab_stop = slab_start + dots.shape[0]
    n_blocks = block_starts.shape[0] - 1
    last_block = first_block
    while last_block < n_blocks and block_starts[last_block + 1] <= slab_stop:
        last_block += 1
    for b in prange(first_block, last_block):
        block_sums = partial_sums[b]
        block_weights = partial_weights[b]
        if accumulate:
            block_sums[:] = 0.0
            block_weights[:] = 0.0
        for i in range(block_starts[b], block_starts[b + 1]):
            r = i - slab_start
            best = half_center_norms[0] - dots[r, 0]
            label = 0
            for j in range(1, n_clusters):
                score = half_center_norms[j] - dots[r, j]
                if score < best:
                    best = score
                    label = j
            labels[i] = label
            if accumulate:
                accumulate_row(X, i, sample_weight[i], label, block_sums, block_weights)
