"""Elkan's accelerated Lloyd (Elkan 2003): triangle-inequality bounds.

Each sample keeps an upper bound on the distance to its own center and a lower
bound on the distance to every center; a center is skipped when the bounds prove
it cannot be closer.  Distances are the square roots of ``squared_distance``, so
a pruned search returns the same nearest center as Lloyd's exhaustive one.
Extra memory: n x k lower bounds.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH
from .common import accumulate_block
from .distances import squared_distance


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def elkan_init_bounds(
    X, centers, center_half_distances, block_starts, labels, upper, lower, counts
):
    """First assignment with bounds.

    IN X, centers, center_half_distances (k, k), block_starts;
    OUT labels, upper (n,), lower (n, k), counts (n_blocks,) int64 distance
    evaluations per block.
    """
    n_clusters = centers.shape[0]
    for b in prange(block_starts.shape[0] - 1):
        evaluations = 0
        for i in range(block_starts[b], block_starts[b + 1]):
            for j in range(n_clusters):
                lower[i, j] = 0.0
            best = 0
            best_sq = squared_distance(X, i, centers, 0)
            best_dist = np.sqrt(best_sq)
            lower[i, 0] = best_dist
            evaluations += 1
            for j in range(1, n_clusters):
                if best_dist > center_half_distances[best, j]:
                    sq = squared_distance(X, i, centers, j)
                    dist = np.sqrt(sq)
                    evaluations += 1
                    lower[i, j] = dist
                    # Compare squared distances, exactly as Lloyd does.
                    if sq < best_sq:
                        best_sq = sq
                        best_dist = dist
                        best = j
            labels[i] = best
            upper[i] = best_dist
        counts[b] = evaluations


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def elkan_assign_accumulate(
    X,
    sample_weight,
    centers,
    center_half_distances,
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
    """One Elkan assignment pass, with per-block partial sums when ``accumulate``.

    Per block the rows are assigned first and then accumulated in row order
    (skipped for blocks whose labels did not change: see
    ``common.accumulate_block``).

    IN X, sample_weight, centers, center_half_distances (k, k),
    distance_next_center (k,) (half the distance to the nearest other center),
    block_starts, previous_labels, accumulate; INOUT labels, upper, lower,
    partial_sums, partial_weights; OUT counts.
    """
    n_clusters = centers.shape[0]
    for b in prange(block_starts.shape[0] - 1):
        evaluations = 0
        for i in range(block_starts[b], block_starts[b + 1]):
            bound = upper[i]
            bound_sq = bound * bound
            label = labels[i]
            tight = False
            # Lemma 1: no center can be closer if half the gap to the nearest
            # other center exceeds the upper bound.  Every test here is strict:
            # with equality another center may be exactly as near, and the tie
            # must go to the lower index, so the distance is computed.
            if not (distance_next_center[label] > bound):
                for j in range(n_clusters):
                    if (
                        j != label
                        and bound >= lower[i, j]
                        and bound >= center_half_distances[label, j]
                    ):
                        if not tight:
                            bound_sq = squared_distance(X, i, centers, label)
                            bound = np.sqrt(bound_sq)
                            lower[i, label] = bound
                            tight = True
                            evaluations += 1
                        if (
                            bound >= lower[i, j]
                            or bound >= center_half_distances[label, j]
                        ):
                            sq = squared_distance(X, i, centers, j)
                            dist = np.sqrt(sq)
                            evaluations += 1
                            lower[i, j] = dist
                            # Squared distances decide, with ties to the lower
                            # index, so the result is exactly Lloyd's argmin.
                            if sq < bound_sq or (sq == bound_sq and j < label):
                                label = j
                                bound = dist
                                bound_sq = sq
                labels[i] = label
                upper[i] = bound
        if accumulate:
            accumulate_block(
                X,
                sample_weight,
                labels,
                block_starts[b],
                block_starts[b + 1],
                previous_labels,
                partial_sums[b],
                partial_weights[b],
            )
        counts[b] = evaluations


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def elkan_shift_bounds(labels, center_shift, upper, lower, slack):
    """Loosen the bounds by how far the centers moved.

    Then widen them by the relative ``slack`` (``drivers.bounds.bound_slack``), so
    they stay bounds of the distances as the kernels round them.

    IN labels, center_shift (k,), slack; INOUT upper (n,), lower (n, k).
    """
    grow = upper.dtype.type(1.0 + slack)
    shrink = upper.dtype.type(1.0 - slack)
    n_clusters = lower.shape[1]
    for i in prange(labels.shape[0]):
        upper[i] = (upper[i] + center_shift[labels[i]]) * grow
        for j in range(n_clusters):
            value = (lower[i, j] - center_shift[j]) * shrink
            lower[i, j] = value if value > 0.0 else 0.0
