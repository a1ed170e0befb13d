"""k-means++ over CSR rows: candidates' potentials and the nearest-seed distances.

The distance is the expanded form ``|x|^2 + |c|^2 - 2 x . c`` (clipped at 0),
which scikit-learn's seeding computes on sparse data too, from the rows'
squared norms; the products gather each row's nonzeros from the candidates
stored features x candidates (``sparse.sparse_dots``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH
from .sparse import sparse_dots


@njit(inline="always")
def expanded_distance(row_sq_norm, point_sq_norm, dot):
    """``max(|x|^2 + |c|^2 - 2 x . c, 0)``: k-means++'s distance, as scikit-learn's."""
    return max(row_sq_norm + point_sq_norm - 2.0 * dot, 0.0)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def sparse_candidate_potentials(
    data,
    indices,
    indptr,
    row_sq_norms,
    sample_weight,
    candidates_t,
    candidate_sq_norms,
    closest,
    block_starts,
    partial,
    distances,
):
    """Per-block k-means++ potentials of L candidate centers.

    Row i contributes ``w_i * min(closest_i, D(x_i, candidate))`` to each
    candidate's potential, with D the expanded form (``expanded_distance``,
    what scikit-learn's seeding computes on sparse data).  Blocks are summed
    in row order; the caller adds them in block order.

    IN data, indices, indptr, row_sq_norms (n,) float64 (``|x|^2``),
    sample_weight (n,), candidates_t (d, L) in the data dtype,
    candidate_sq_norms (L,) float64, closest (n,) float64, block_starts;
    OUT partial (n_blocks, L) float64, distances (n, L) float64 (each row's
    D to each candidate, for lowering ``closest`` afterwards) or (0, L) to
    keep none.
    """
    n_candidates = candidates_t.shape[1]
    keep = distances.shape[0] > 0
    for b in prange(block_starts.shape[0] - 1):
        dots = np.empty(n_candidates)
        acc = partial[b]
        acc[:] = 0.0
        for i in range(block_starts[b], block_starts[b + 1]):
            sparse_dots(data, indices, indptr[i], indptr[i + 1], candidates_t, dots)
            w = np.float64(sample_weight[i])
            for t in range(n_candidates):
                distance = expanded_distance(
                    row_sq_norms[i], candidate_sq_norms[t], dots[t]
                )
                if keep:
                    distances[i, t] = distance
                acc[t] += w * min(closest[i], distance)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def sparse_lower_closest(
    data, indices, indptr, row_sq_norms, point, point_sq_norm, closest
):
    """``closest_i = min(closest_i, D(x_i, point))`` with k-means++'s distance.

    IN data, indices, indptr, row_sq_norms (n,) float64, point (d,) in the
    data dtype, point_sq_norm (float64); INOUT closest (n,) float64.
    """
    for i in prange(indptr.shape[0] - 1):
        dot = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            dot += np.float64(data[p]) * np.float64(point[indices[p]])
        closest[i] = min(
            closest[i], expanded_distance(row_sq_norms[i], point_sq_norm, dot)
        )
