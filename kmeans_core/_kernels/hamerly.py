"""Hamerly's accelerated Lloyd (Hamerly 2010): one lower bound per sample.

Each sample keeps an upper bound ``u`` on the distance to its own center and a
single lower bound ``l`` on the distance to every *other* center.  If ``u`` is
below both ``l`` and half the gap from its center to the nearest other center,
the sample cannot change cluster and no distance is computed.  Otherwise all k
distances are computed, comparing squared distances with ties to the lower
index, so the label is exactly Lloyd's.  Extra memory: two floats per sample.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH
from .common import accumulate_row
from .distances import squared_distance, squared_distances_to_four


@njit(inline="always", fastmath=FASTMATH)
def _full_search(X, i, centers):
    """Nearest and second-nearest centers of row i (distances, not squared).

    Centers are scored four at a time (``squared_distances_to_four``) and then
    taken in index order, so ties go to the lower index as in a plain scan.
    """
    n_clusters = centers.shape[0]
    best = 0
    best_sq = np.inf
    second_sq = np.inf
    j = 0
    while j < n_clusters:
        if j + 4 <= n_clusters:
            scores = squared_distances_to_four(X, i, centers, j)
            n_scored = 4
        else:
            sq = squared_distance(X, i, centers, j)
            scores = (sq, sq, sq, sq)
            n_scored = 1
        for q in range(n_scored):
            sq = scores[q]
            if sq < best_sq:
                second_sq = best_sq
                best_sq = sq
                best = j + q
            elif sq < second_sq:
                second_sq = sq
        j += n_scored
    return best, np.sqrt(best_sq), np.sqrt(second_sq)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def hamerly_init_bounds(X, centers, block_starts, labels, upper, lower):
    """First assignment: exhaustive search that also sets both bounds.

    IN X, centers, block_starts; OUT labels, upper (n,), lower (n,).
    """
    for b in prange(block_starts.shape[0] - 1):
        for i in range(block_starts[b], block_starts[b + 1]):
            label, first, second = _full_search(X, i, centers)
            labels[i] = label
            upper[i] = first
            lower[i] = second


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
    partial_sums,
    partial_weights,
    counts,
    accumulate,
):
    """One Hamerly assignment pass with per-block partial sums.

    IN X, sample_weight, centers, distance_next_center (k,) (half the distance
    to the nearest other center), block_starts, accumulate;
    INOUT labels, upper, lower; OUT partial_sums, partial_weights, counts.
    """
    n_clusters = centers.shape[0]
    for b in prange(block_starts.shape[0] - 1):
        block_sums = partial_sums[b]
        block_weights = partial_weights[b]
        if accumulate:
            block_sums[:] = 0.0
            block_weights[:] = 0.0
        evaluations = 0
        for i in range(block_starts[b], block_starts[b + 1]):
            label = labels[i]
            threshold = max(distance_next_center[label], lower[i])
            if upper[i] > threshold:
                # Tighten the upper bound first: one distance may be enough.
                upper[i] = np.sqrt(squared_distance(X, i, centers, label))
                evaluations += 1
                if upper[i] > threshold:
                    label, first, second = _full_search(X, i, centers)
                    evaluations += n_clusters
                    labels[i] = label
                    upper[i] = first
                    lower[i] = second
            if accumulate:
                accumulate_row(X, i, sample_weight[i], label, block_sums, block_weights)
        counts[b] = evaluations


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def hamerly_shift_bounds(labels, center_shift, upper, lower):
    """Loosen the bounds by how far the centers moved.

    The lower bound drops by the largest shift among the *other* centers: the
    largest shift overall, or the second largest for samples of the center
    that moved most.

    IN labels, center_shift (k,); INOUT upper, lower.
    """
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
        upper[i] += center_shift[label]
        drop = second if label == largest else center_shift[largest]
        value = lower[i] - drop
        lower[i] = value if value > 0.0 else 0.0
