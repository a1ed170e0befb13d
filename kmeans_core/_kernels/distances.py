"""Squared distances, nearest-center search and point-to-center distances."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, TILE_ROWS


@njit(inline="always", fastmath=FASTMATH)
def squared_distance(X, i, centers, j):
    """Squared Euclidean distance between row ``i`` of X and row ``j`` of centers.

    Computed from direct differences, summed over features in index order, in the
    dtype of X.  Every kernel that compares distances goes through this function
    (or the tiled form below, which sums in the same order), so all algorithms see
    the same numbers.
    """
    acc = X.dtype.type(0.0)
    for f in range(X.shape[1]):
        diff = X[i, f] - centers[j, f]
        acc += diff * diff
    return acc


@njit(inline="always")
def transpose_rows(X, start, stop, xt):
    """Copy rows ``start:stop`` of X into ``xt`` as features x rows.

    With the features of a tile side by side, the loops over samples below have
    unit stride and vectorise.  The rows are read through a flat view: offsets
    from 0 let LLVM drop the negative-index checks that made the strided copy
    slow.

    IN X (n, d), start, stop (at most TILE_ROWS apart); OUT xt (d, TILE_ROWS).
    """
    n_features = X.shape[1]
    rows = X.reshape(-1)[start * n_features : stop * n_features]
    for f in range(n_features):
        column = xt[f]
        for t in range(stop - start):
            column[t] = rows[t * n_features + f]


@njit(inline="always")
def gather_rows_transposed(X, rows, first, n_rows, xt):
    """Copy the rows ``rows[first:first + n_rows]`` of X into ``xt`` as features x rows.

    The scattered-row form of ``transpose_rows``, for the pruning kernels, which
    search only the rows whose bounds failed.

    IN X (n, d), rows (int64 row indices), first, n_rows (at most TILE_ROWS);
    OUT xt (d, TILE_ROWS).
    """
    for t in range(n_rows):
        i = rows[first + t]
        for f in range(X.shape[1]):
            xt[f, t] = X[i, f]


@njit(inline="always", fastmath=FASTMATH)
def squared_distances_to_labels(X, rows, first, n_rows, centers, labels, dist):
    """``dist[t]`` = squared distance from row ``rows[first + t]`` to its own center.

    The pruning kernels tighten many upper bounds per pass, one distance per
    row.  Row by row, each distance is one chain of d dependent additions that
    waits on the latency of every addition; here eight rows run side by side,
    so eight independent chains keep the CPU busy.  Each is still summed over
    features in index order and equals ``squared_distance(X, i, centers,
    labels[i])`` bit for bit.

    IN X, rows (int64 row indices), first, n_rows, centers, labels;
    OUT dist (the first ``n_rows`` entries).
    """
    n_features = X.shape[1]
    n_eights = n_rows // 8 * 8
    for t in range(0, n_eights, 8):
        i0, i1, i2, i3 = (
            rows[first + t],
            rows[first + t + 1],
            rows[first + t + 2],
            rows[first + t + 3],
        )
        i4, i5, i6, i7 = (
            rows[first + t + 4],
            rows[first + t + 5],
            rows[first + t + 6],
            rows[first + t + 7],
        )
        j0, j1, j2, j3 = labels[i0], labels[i1], labels[i2], labels[i3]
        j4, j5, j6, j7 = labels[i4], labels[i5], labels[i6], labels[i7]
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = X.dtype.type(0.0)
        for f in range(n_features):
            d0 = X[i0, f] - centers[j0, f]
            s0 += d0 * d0
            d1 = X[i1, f] - centers[j1, f]
            s1 += d1 * d1
            d2 = X[i2, f] - centers[j2, f]
            s2 += d2 * d2
            d3 = X[i3, f] - centers[j3, f]
            s3 += d3 * d3
            d4 = X[i4, f] - centers[j4, f]
            s4 += d4 * d4
            d5 = X[i5, f] - centers[j5, f]
            s5 += d5 * d5
            d6 = X[i6, f] - centers[j6, f]
            s6 += d6 * d6
            d7 = X[i7, f] - centers[j7, f]
            s7 += d7 * d7
        dist[t], dist[t + 1], dist[t + 2], dist[t + 3] = s0, s1, s2, s3
        dist[t + 4], dist[t + 5], dist[t + 6], dist[t + 7] = s4, s5, s6, s7
    for t in range(n_eights, n_rows):
        i = rows[first + t]
        dist[t] = squared_distance(X, i, centers, labels[i])


@njit(inline="always", fastmath=FASTMATH)
def squared_distances_in_tile(xt, n_rows, points, j, dist):
    """``dist[t]`` = squared distance from column ``t`` of ``xt`` to ``points[j]``.

    Summed over features in index order, in the dtype of ``xt``, so each value
    equals ``squared_distance`` for that row and point.

    IN xt (d, TILE_ROWS) from ``transpose_rows``, n_rows, points (m, d), j;
    OUT dist (the first ``n_rows`` entries).
    """
    n_features = xt.shape[0]
    for t in range(n_rows):
        dist[t] = 0.0
    # Eight features per pass over the tile: with a fixed trip count the inner
    # loop unrolls and each sample's running sum stays in a register for eight
    # additions instead of going through memory after each one.
    n_eights = n_features // 8 * 8
    for f in range(0, n_eights, 8):
        for t in range(n_rows):
            acc = dist[t]
            for q in range(8):
                diff = xt[f + q, t] - points[j, f + q]
                acc += diff * diff
            dist[t] = acc
    for f in range(n_eights, n_features):
        c = points[j, f]
        column = xt[f]
        for t in range(n_rows):
            diff = column[t] - c
            dist[t] += diff * diff


@njit(inline="always", fastmath=FASTMATH)
def squared_distances_in_tile_to_two(xt, n_rows, points, j, j_next, dist, dist_next):
    """``squared_distances_in_tile`` for ``points[j]`` and ``points[j_next]`` at once.

    Each loaded value of the tile serves both points, and the two running sums
    of a sample are independent chains.  Each distance is summed exactly as
    ``squared_distances_in_tile`` sums it, so the values are the same.  Scoring
    k-means++ candidates in pairs took 0.32-0.41 against 0.46-0.55 ms per pass
    at 20000 x 128 with 8 candidates (float32; 0.65-0.84 against 1.01-1.41 in
    float64) and 1.54-1.80 against 1.72-2.06 at 200000 x 32 with 6, with the
    same outputs.

    IN xt (d, TILE_ROWS), n_rows, points (m, d), j, j_next; OUT dist,
    dist_next (the first ``n_rows`` entries).
    """
    n_features = xt.shape[0]
    for t in range(n_rows):
        dist[t] = 0.0
        dist_next[t] = 0.0
    n_eights = n_features // 8 * 8
    for f in range(0, n_eights, 8):
        for t in range(n_rows):
            acc = dist[t]
            acc_next = dist_next[t]
            for q in range(8):
                x = xt[f + q, t]
                diff = x - points[j, f + q]
                acc += diff * diff
                diff_next = x - points[j_next, f + q]
                acc_next += diff_next * diff_next
            dist[t] = acc
            dist_next[t] = acc_next
    for f in range(n_eights, n_features):
        c = points[j, f]
        c_next = points[j_next, f]
        column = xt[f]
        for t in range(n_rows):
            diff = column[t] - c
            dist[t] += diff * diff
            diff_next = column[t] - c_next
            dist_next[t] += diff_next * diff_next


@njit(inline="always")
def keep_two_smallest(values, n_rows, index, best, best_at, second):
    """Fold ``values[:n_rows]``, all belonging to ``index``, into running minima.

    Per row, ``best`` and ``best_at`` hold the smallest value so far and its
    index, and ``second`` the second smallest (an equal value counts).  The
    caller passes indices in increasing order and only a strictly smaller value
    takes ``best``, so ties keep the lower index, as in Lloyd.

    IN values, n_rows, index; INOUT best, best_at, second (first n_rows).
    """
    for t in range(n_rows):
        value = values[t]
        if value < best[t]:
            second[t] = best[t]
            best[t] = value
            best_at[t] = index
        elif value < second[t]:
            second[t] = value


@njit(inline="always")
def tile_scratch(X):
    """Scratch for ``nearest_in_tile``: ``(xt, dist, best_dist, best_label)``."""
    xt = np.empty((X.shape[1], TILE_ROWS), dtype=X.dtype)
    dist = np.empty(TILE_ROWS, dtype=X.dtype)
    best_dist = np.empty(TILE_ROWS, dtype=X.dtype)
    best_label = np.empty(TILE_ROWS, dtype=np.int32)
    return xt, dist, best_dist, best_label


@njit(inline="always", fastmath=FASTMATH)
def nearest_in_tile(X, start, stop, centers, xt, dist, best_dist, best_label):
    """Nearest center for the rows ``start:stop`` of X (at most TILE_ROWS rows).

    IN X, centers; OUT (scratch) xt, dist; OUT best_dist, best_label
    (the first ``stop - start`` entries).  Ties go to the lower center index.
    """
    m = stop - start
    transpose_rows(X, start, stop, xt)
    for t in range(m):
        best_dist[t] = np.inf
        best_label[t] = 0
    for j in range(centers.shape[0]):
        squared_distances_in_tile(xt, m, centers, j, dist)
        # Unconditional stores: with the stores under ``if``, the loop stayed
        # scalar and branched on every row (see ``unrolled``'s search).
        for t in range(m):
            closer = dist[t] < best_dist[t]
            best_dist[t] = dist[t] if closer else best_dist[t]
            best_label[t] = j if closer else best_label[t]


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def assign_nearest(X, centers, block_starts, labels, min_sq_dist):
    """Label every row of X with its nearest center (no center update).

    The search keeps its running minima in the outputs themselves instead of
    tile buffers copied out afterwards: a pass took 0.47-0.56 against
    0.64-0.69 ms at 100000 x 16 k=8 and 0.25-0.31 against 0.36-0.45 at 50000
    x 24 k=4 in float32 (best of 100 calls, two rounds; float64 the same
    within noise).

    IN X (n, d), centers (k, d), block_starts (n_blocks + 1,);
    OUT labels (n,) int32, min_sq_dist (n,) in X's dtype.
    """
    for b in prange(block_starts.shape[0] - 1):
        xt = np.empty((X.shape[1], TILE_ROWS), dtype=X.dtype)
        dist = np.empty(TILE_ROWS, dtype=X.dtype)
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            nearest_in_tile(
                X,
                start,
                stop,
                centers,
                xt,
                dist,
                min_sq_dist[start:stop],
                labels[start:stop],
            )


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def pairwise_euclidean(X, centers, out):
    """Euclidean (not squared) distance from every row of X to every center.

    IN X (n, d), centers (k, d); OUT out (n, k).  Used by ``transform``, whose
    result is n x k by definition; Lloyd never calls it.
    """
    for i in prange(X.shape[0]):
        for j in range(centers.shape[0]):
            out[i, j] = np.sqrt(squared_distance(X, i, centers, j))


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def distance_to_assigned(X, centers, labels, out):
    """Squared distance from each row to the center it is assigned to.

    IN X (n, d), centers (k, d), labels (n,); OUT out (n,) float64.
    """
    for i in prange(X.shape[0]):
        out[i] = squared_distance(X, i, centers, labels[i])
