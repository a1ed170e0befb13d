"""Hamerly's accelerated Lloyd (Hamerly 2010): one lower bound per sample.

Each sample keeps an upper bound ``u`` on the distance to its own center and a
single lower bound ``l`` on the distance to every *other* center.  If ``u`` is
strictly below both ``l`` and half the gap from its center to the nearest other
center, the sample cannot change cluster and no distance is computed (with
equality another center may be exactly as near, and a tie must go to the lower
index, so that row is searched).  Otherwise all k distances are computed,
comparing squared distances with ties to the lower index, so the label is
exactly Lloyd's.  Those full searches are gathered per block and done a tile
of rows at a time, vectorised over samples, as Lloyd's direct kernel does.
Extra memory: two floats per sample, plus one row index per sample of the
blocks in flight.

On Lloyd's BLAS shapes, a pass in which many rows are in doubt goes through
BLAS instead (``hamerly_bounds_from_dots``): the same labels as Lloyd's BLAS
path, and both bounds from the same scores.  There the run also holds what
Lloyd's BLAS path holds: each row's distance from the data mean and, with
``copy_x``, a transposed copy of X.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, TILE_ROWS
from .common import accumulate_block
from .distances import (
    gather_rows_transposed,
    keep_two_smallest,
    squared_distances_in_tile,
    squared_distances_in_tile_to_two,
    squared_distances_to_labels,
)
from .lloyd import accumulate_slab, best_two_scores, settle_near_ties


@njit(inline="always", fastmath=FASTMATH)
def _search_tile(X, rows, first, n_rows, centers, scratch, labels, upper, lower):
    """Full search for the rows ``rows[first:first + n_rows]`` (at most a tile).

    The rows are gathered into a features x rows tile, so the distance loop runs
    over samples and vectorises; each distance is summed in feature order and
    equals ``squared_distance``.  Centers are taken in index order and a center
    wins only when strictly closer, so ties go to the lower index as in Lloyd.
    Sets each row's label, upper bound (distance to the nearest center) and
    lower bound (distance to the second nearest).

    IN X, rows (int64 row indices), first, n_rows, centers; scratch from
    ``_tile_scratch``; OUT labels, upper, lower at those rows.
    """
    xt, dist, best, second, best_label = scratch
    gather_rows_transposed(X, rows, first, n_rows, xt)
    for t in range(n_rows):
        best[t] = np.inf
        second[t] = np.inf
        best_label[t] = 0
    # Two centers per pass over the tile, folded in in index order.
    n_clusters = centers.shape[0]
    n_pairs = n_clusters // 2 * 2
    for j in range(0, n_pairs, 2):
        squared_distances_in_tile_to_two(
            xt, n_rows, centers, j, j + 1, dist[0], dist[1]
        )
        keep_two_smallest(dist[0], n_rows, j, best, best_label, second)
        keep_two_smallest(dist[1], n_rows, j + 1, best, best_label, second)
    for j in range(n_pairs, n_clusters):
        squared_distances_in_tile(xt, n_rows, centers, j, dist[0])
        keep_two_smallest(dist[0], n_rows, j, best, best_label, second)
    for t in range(n_rows):
        i = rows[first + t]
        labels[i] = best_label[t]
        upper[i] = np.sqrt(best[t])
        lower[i] = np.sqrt(second[t])


@njit(inline="always")
def _tile_scratch(X):
    """Buffers for ``_search_tile``: tile, two distance rows, best, second, labels."""
    return (
        np.empty((X.shape[1], TILE_ROWS), dtype=X.dtype),
        np.empty((2, TILE_ROWS), dtype=X.dtype),
        np.empty(TILE_ROWS, dtype=X.dtype),
        np.empty(TILE_ROWS, dtype=X.dtype),
        np.empty(TILE_ROWS, dtype=np.int32),
    )


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def hamerly_init_bounds(X, centers, block_starts, labels, upper, lower):
    """First assignment: exhaustive search that also sets both bounds.

    IN X, centers, block_starts; OUT labels, upper (n,), lower (n,).
    """
    for b in prange(block_starts.shape[0] - 1):
        scratch = _tile_scratch(X)
        rows = np.arange(block_starts[b], block_starts[b + 1])
        for first in range(0, rows.shape[0], TILE_ROWS):
            n_rows = min(TILE_ROWS, rows.shape[0] - first)
            _search_tile(X, rows, first, n_rows, centers, scratch, labels, upper, lower)


@njit(inline="always")
def _bound_test(i, labels, upper, lower, distance_next_center):
    """Hamerly's test for row i: ``(threshold, in_doubt)``.

    The row is settled only if its upper bound is strictly below the threshold,
    the larger of its lower bound and half the gap from its center to the
    nearest other center; with equality another center may be exactly as near.
    """
    threshold = max(distance_next_center[labels[i]], lower[i])
    return threshold, upper[i] >= threshold


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def hamerly_assign_accumulate(
    X,
    sample_weight,
    centers,
    distance_next_center,
    block_starts,
    labels,
    upper,
    lower,
    previous_labels,
    partial_sums,
    partial_weights,
    counts,
    accumulate,
):
    """One Hamerly assignment pass with per-block partial sums.

    Per block: first the bound tests, row by row, collecting the rows whose
    bounds fail; then their upper bounds are tightened (eight rows side by
    side), keeping the rows whose bounds fail even so; then the full searches
    for those rows, a tile at a time (vectorised over samples); then the
    accumulation, in row order, so the sums are added exactly as Lloyd's
    kernels add them (skipped for blocks whose labels did not change: see
    ``common.accumulate_block``).

    IN X, sample_weight, centers, distance_next_center (k,) (half the distance
    to the nearest other center), block_starts, previous_labels, accumulate;
    INOUT labels, upper, lower, partial_sums, partial_weights; OUT counts.
    """
    n_clusters = centers.shape[0]
    for b in prange(block_starts.shape[0] - 1):
        start, stop = block_starts[b], block_starts[b + 1]
        doubtful = np.empty(stop - start, dtype=np.int64)
        thresholds = np.empty(stop - start, dtype=X.dtype)  # per doubtful row
        n_doubtful = 0
        for i in range(start, stop):
            # Written whether or not the row is in doubt, and kept only if it
            # is: no branch for the CPU to mispredict.
            threshold, in_doubt = _bound_test(
                i, labels, upper, lower, distance_next_center
            )
            doubtful[n_doubtful] = i
            thresholds[n_doubtful] = threshold
            n_doubtful += in_doubt
        # Tighten those upper bounds first: one distance may be enough.
        dist = np.empty(n_doubtful, dtype=X.dtype)
        squared_distances_to_labels(X, doubtful, 0, n_doubtful, centers, labels, dist)
        pending = np.empty(n_doubtful, dtype=np.int64)
        n_pending = 0
        for t in range(n_doubtful):
            i = doubtful[t]
            bound = np.sqrt(dist[t])
            upper[i] = bound
            pending[n_pending] = i  # kept only if still in doubt, as above
            n_pending += bound >= thresholds[t]
        evaluations = n_doubtful
        scratch = _tile_scratch(X)
        for first in range(0, n_pending, TILE_ROWS):
            n_rows = min(TILE_ROWS, n_pending - first)
            _search_tile(
                X, pending, first, n_rows, centers, scratch, labels, upper, lower
            )
        evaluations += n_pending * n_clusters
        if accumulate:
            accumulate_block(
                X,
                sample_weight,
                labels,
                start,
                stop,
                previous_labels,
                partial_sums[b],
                partial_weights[b],
            )
        counts[b] = evaluations


@njit(parallel=True, cache=CACHE)
def hamerly_count_doubtful(labels, upper, lower, distance_next_center):
    """How many rows the next pass's bound test will not settle.

    The first test of ``hamerly_assign_accumulate``, counted only: the driver
    sends a pass through BLAS when many rows would need it.

    IN labels, upper, lower, distance_next_center (k,).  Returns the count.
    """
    n_doubtful = 0
    for i in prange(labels.shape[0]):
        n_doubtful += _bound_test(i, labels, upper, lower, distance_next_center)[1]
    return n_doubtful


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def hamerly_shift_bounds(labels, center_shift, upper, lower, slack):
    """Loosen the bounds by how far the centers moved.

    The lower bound drops by the largest shift among the *other* centers: the
    largest shift overall, or the second largest for samples of the center
    that moved most.  Both are then widened by the relative ``slack``
    (``drivers.bounds.bound_slack``), so they stay bounds of the distances as the
    kernels round them.

    IN labels, center_shift (k,), slack; INOUT upper, lower.
    """
    grow = upper.dtype.type(1.0 + slack)
    shrink = upper.dtype.type(1.0 - slack)
    n_clusters = center_shift.shape[0]
    largest = 0
    for j in range(1, n_clusters):
        if center_shift[j] > center_shift[largest]:
            largest = j
    second = 0.0
    for j in range(n_clusters):
        if j != largest and center_shift[j] > second:
            second = center_shift[j]
    for i in prange(labels.shape[0]):
        label = labels[i]
        upper[i] = (upper[i] + center_shift[label]) * grow
        drop = second if label == largest else center_shift[largest]
        value = (lower[i] - drop) * shrink
        lower[i] = value if value > 0.0 else 0.0


@njit(nogil=True, fastmath=FASTMATH, cache=CACHE)
def hamerly_bounds_from_dots(
    X,
    sample_weight,
    centers,
    dots_t,
    half_center_norms,
    tie_margin,
    row_radius,
    slab_start,
    block_starts,
    first_block,
    last_block,
    labels,
    upper,
    lower,
    previous_labels,
    partial_sums,
    partial_weights,
    accumulate,
):
    """A Hamerly pass for one GEMM slab: Lloyd's labels and fresh bounds.

    For the passes in which many rows are in doubt, where BLAS scores every
    row against every center at a fraction of the cost of the direct searches.
    The labels are exactly Lloyd's (``lloyd.nearest_from_dots``).  With s_j
    the score ``|c_j - m|^2 / 2 - (x - m) . (c_j - m)`` and r = |x - m|, the
    squared distance to c_j is ``r^2 + 2 s_j``; the bounds take the label's
    score and the best other score, widened by three times the row's error
    bound (as ``yinyang_blas.labels_and_bounds_from_dots`` does: twice for the
    score and r, once for the rounding of the direct distance they are
    compared with).  No direct distance is needed for them.

    Serial and ``nogil``, one slab per worker thread, like
    ``lloyd.argmin_accumulate_from_dots``.

    IN X, sample_weight, centers, dots_t, half_center_norms, tie_margin,
    row_radius, slab_start (see ``lloyd.nearest_from_dots``), block_starts,
    first_block, last_block, previous_labels (see ``lloyd.accumulate_slab``),
    accumulate; OUT labels, upper, lower (the slab's rows); INOUT
    partial_sums, partial_weights (the slab's blocks).
    """
    n_clusters, n_rows = dots_t.shape
    best, second, scored_label = best_two_scores(dots_t, half_center_norms)
    best_label = scored_label.copy()
    error_bound = settle_near_ties(
        X,
        centers,
        dots_t,
        half_center_norms,
        tie_margin,
        row_radius,
        slab_start,
        best,
        second,
        best_label,
    )
    for r in range(n_rows):
        label = best_label[r]
        own = np.float64(best[r])
        other = np.float64(second[r])
        if label != scored_label[r]:
            # A near-tie that direct differences settled the other way (rare):
            # the label's own score, and the best of the rest.
            own = np.float64(half_center_norms[label] - dots_t[label, r])
            other = np.inf
            for j in range(n_clusters):
                score = np.float64(half_center_norms[j] - dots_t[j, r])
                if j != label and score < other:
                    other = score
        i = slab_start + r
        radius_sq = row_radius[i] * row_radius[i]
        slack = 3.0 * error_bound[r]
        upper_sq = radius_sq + 2.0 * own + slack  # at least the slack / 3
        upper[i] = np.sqrt(upper_sq) if upper_sq > 0.0 else 0.0
        bound_sq = radius_sq + 2.0 * other - slack
        lower[i] = np.sqrt(bound_sq) if bound_sq > 0.0 else 0.0
    accumulate_slab(
        X,
        sample_weight,
        best_label,
        slab_start,
        block_starts,
        first_block,
        last_block,
        labels,
        previous_labels,
        partial_sums,
        partial_weights,
        accumulate,
    )
