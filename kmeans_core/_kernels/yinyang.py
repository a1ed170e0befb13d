"""Yinyang k-means (Ding et al., ICML 2015): bounds per group of centers.

The centers are split once into ``t`` groups (about k/10, by clustering the
initial centers).  Each sample keeps an upper bound on the distance to its own
center and one lower bound per group: the distance to the nearest center of
that group other than its own.  When centers move, the upper bound grows by
the own center's drift and each group bound shrinks by the group's largest
drift.  Three filters then skip work:

* global: the upper bound is below every group bound, so nothing changes;
* group: a group whose bound is not below the best distance so far is skipped;
* local: inside a group, a center whose own bound (old group bound minus its
  drift) is not below the best distance so far is skipped.

Every distance that decides a label is compared squared, with ties to the lower
index, so the labels are exactly Lloyd's.  Extra memory: n x t group bounds.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH
from .common import accumulate_row
from .distances import squared_distance, squared_distances_to_four


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_init_bounds(X, centers, group_of, block_starts, labels, upper, lower):
    """Exhaustive first assignment that also sets the group bounds.

    IN X, centers, group_of (k,) group of each center, block_starts;
    OUT labels, upper (n,), lower (n, t).
    """
    n_clusters = centers.shape[0]
    n_groups = lower.shape[1]
    for b in prange(block_starts.shape[0] - 1):
        dist = np.empty(n_clusters, dtype=X.dtype)
        for i in range(block_starts[b], block_starts[b + 1]):
            n_fours = n_clusters // 4 * 4
            for j in range(0, n_fours, 4):
                dist[j], dist[j + 1], dist[j + 2], dist[j + 3] = (
                    squared_distances_to_four(X, i, centers, j)
                )
            for j in range(n_fours, n_clusters):
                dist[j] = squared_distance(X, i, centers, j)
            best = 0
            best_sq = dist[0]
            for j in range(1, n_clusters):
                if dist[j] < best_sq:
                    best_sq = dist[j]
                    best = j
            for g in range(n_groups):
                lower[i, g] = np.inf
            for j in range(n_clusters):
                g = group_of[j]
                if j != best and dist[j] < lower[i, g]:
                    lower[i, g] = dist[j]
            for g in range(n_groups):
                lower[i, g] = np.sqrt(lower[i, g])
            labels[i] = best
            upper[i] = np.sqrt(best_sq)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_assign_accumulate(
    X,
    sample_weight,
    centers,
    center_shift,
    group_shift,
    group_ptr,
    group_members,
    group_of,
    block_starts,
    labels,
    upper,
    lower,
    partial_sums,
    partial_weights,
    counts,
    accumulate,
):
    """One Yinyang pass: loosen bounds by the last drift, filter, reassign.

    IN X, sample_weight, centers, center_shift (k,) and group_shift (t,) (the
    drifts since the bounds were last valid, rounded up), group_ptr (t + 1,) and
    group_members (k,) (the centers of group g are
    ``group_members[group_ptr[g]:group_ptr[g + 1]]``, ascending), group_of,
    block_starts, accumulate; INOUT labels, upper, lower (n, t);
    OUT partial_sums, partial_weights, counts.
    """
    n_groups = group_ptr.shape[0] - 1
    inf = X.dtype.type(np.inf)
    for b in prange(block_starts.shape[0] - 1):
        block_sums = partial_sums[b]
        block_weights = partial_weights[b]
        if accumulate:
            block_sums[:] = 0.0
            block_weights[:] = 0.0
        old_lower = np.empty(n_groups, dtype=X.dtype)
        first = np.empty(n_groups, dtype=X.dtype)  # smallest value in the group
        first_at = np.empty(n_groups, dtype=np.int64)
        second = np.empty(n_groups, dtype=X.dtype)  # second smallest
        examined = np.zeros(n_groups, dtype=np.bool_)
        evaluations = 0
        for i in range(block_starts[b], block_starts[b + 1]):
            label = labels[i]
            bound = upper[i] + center_shift[label]
            smallest_lower = inf
            for g in range(n_groups):
                old_lower[g] = lower[i, g]
                value = lower[i, g] - group_shift[g]
                lower[i, g] = value
                if value < smallest_lower:
                    smallest_lower = value
            if bound > smallest_lower:
                # Global filter failed: tighten the upper bound.
                best_sq = squared_distance(X, i, centers, label)
                bound = np.sqrt(best_sq)
                evaluations += 1
                if bound > smallest_lower:
                    best = label
                    best_dist = bound
                    for g in range(n_groups):
                        examined[g] = False
                        if lower[i, g] >= best_dist:
                            continue  # group filter
                        examined[g] = True
                        first[g] = inf
                        second[g] = inf
                        first_at[g] = -1
                        for m in range(group_ptr[g], group_ptr[g + 1]):
                            j = group_members[m]
                            if j == label:
                                value = bound
                            else:
                                value = old_lower[g] - center_shift[j]
                                if value < best_dist:  # local filter
                                    sq = squared_distance(X, i, centers, j)
                                    evaluations += 1
                                    value = np.sqrt(sq)
                                    if sq < best_sq or (sq == best_sq and j < best):
                                        best_sq = sq
                                        best = j
                                        best_dist = value
                            if value < first[g]:
                                second[g] = first[g]
                                first[g] = value
                                first_at[g] = j
                            elif value < second[g]:
                                second[g] = value
                    for g in range(n_groups):
                        if examined[g]:
                            lower[i, g] = second[g] if first_at[g] == best else first[g]
                    if best != label:
                        # The old center is now an "other" center of its group.
                        g = group_of[label]
                        if not examined[g] and bound < lower[i, g]:
                            lower[i, g] = bound
                    label = best
                    bound = best_dist
                    labels[i] = label
            upper[i] = bound
            if accumulate:
                accumulate_row(X, i, sample_weight[i], label, block_sums, block_weights)
        counts[b] = evaluations
