"""Yinyang k-means (Ding et al., ICML 2015): bounds per group of centers.

The centers are split once into ``t`` groups (about k/20, by clustering the
initial centers).  Each sample keeps an upper bound on the distance to its own
center and one lower bound per group: the distance to the nearest center of
that group other than its own.  When centers move, the upper bound grows by
the own center's drift and each group bound shrinks by the group's largest
drift.  Two filters then skip work:

* global: the upper bound is strictly below every group bound, so nothing
  changes;
* group: a group whose bound is above the best distance so far is skipped.

Equality passes neither filter: another center may be exactly as near, and a
tie must go to the lower index, as in Lloyd.

The searches that remain are done group by group, not sample by sample: per
block, the rows that need group g are gathered into tiles and their distances to
g's centers are computed vectorised over samples, as in Lloyd's direct kernel.
(The paper's third, per-center "local" filter is left out: it decides center by
center and sample by sample, which does not vectorise, and a group has only
about twenty centers.)

On Lloyd's BLAS shapes the driver may instead score the rows in doubt against
every center through BLAS, or all rows: those kernels are in ``yinyang_blas``
(see ``drivers.yinyang.YinyangSteps``).

Every distance that decides a label is compared squared, summed exactly as in
``squared_distance``, with ties to the lower index, so the labels are exactly
Lloyd's.  Extra memory: n x t group bounds, plus three row-sized arrays per
block in flight.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, TILE_ROWS
from .common import accumulate_block, sum_block
from .distances import (
    gather_rows_transposed,
    keep_two_smallest,
    squared_distances_in_tile,
    squared_distances_in_tile_to_two,
    squared_distances_to_labels,
    transpose_rows,
)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_init_bounds(
    X,
    sample_weight,
    centers,
    group_of,
    block_starts,
    labels,
    upper,
    lower,
    partial_sums,
    partial_weights,
):
    """Exhaustive first assignment that also sets the group bounds and sums.

    A tile of rows at a time, every center in index order: per group the nearest
    and second-nearest; the nearest overall is the nearest of the groups'
    nearest, and each group's bound can then leave out the sample's own center.
    The rows are then accumulated in row order, as every assignment kernel does.

    IN X, sample_weight, centers, group_of (k,) group of each center,
    block_starts; OUT labels, upper (n,), lower (n, t), partial_sums,
    partial_weights.
    """
    n_clusters = centers.shape[0]
    n_groups = lower.shape[1]
    n_features = X.shape[1]
    for b in prange(block_starts.shape[0] - 1):
        xt = np.empty((n_features, TILE_ROWS), dtype=X.dtype)
        dist = np.empty(TILE_ROWS, dtype=X.dtype)
        first = np.empty((n_groups, TILE_ROWS), dtype=X.dtype)
        first_at = np.empty((n_groups, TILE_ROWS), dtype=np.int32)
        second = np.empty((n_groups, TILE_ROWS), dtype=X.dtype)
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            m = min(TILE_ROWS, block_starts[b + 1] - start)
            transpose_rows(X, start, start + m, xt)
            first[:] = np.inf
            first_at[:] = -1
            second[:] = np.inf
            for j in range(n_clusters):
                squared_distances_in_tile(xt, m, centers, j, dist)
                g = group_of[j]
                keep_two_smallest(dist, m, j, first[g], first_at[g], second[g])
            for t in range(m):
                # The nearest of the groups' nearest, ties to the lower index
                # (an empty group keeps inf and never wins).
                best_group = 0
                for g in range(1, n_groups):
                    value = first[g, t]
                    if value < first[best_group, t] or (
                        value == first[best_group, t]
                        and first_at[g, t] < first_at[best_group, t]
                    ):
                        best_group = g
                i = start + t
                labels[i] = first_at[best_group, t]
                upper[i] = np.sqrt(first[best_group, t])
                for g in range(n_groups):
                    # The best center's group leaves it out: its second.
                    if g == best_group:
                        lower[i, g] = np.sqrt(second[g, t])
                    else:
                        lower[i, g] = np.sqrt(first[g, t])
        sum_block(
            X,
            sample_weight,
            labels,
            block_starts[b],
            block_starts[b + 1],
            partial_sums[b],
            partial_weights[b],
        )


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_filter(
    X,
    centers,
    center_shift,
    group_shift,
    group_ptr,
    block_starts,
    labels,
    upper,
    lower,
    best_sq,
    counts,
    estimates,
    estimate_searches,
    slack,
):
    """First half of a Yinyang pass: loosen the bounds, apply the global filter.

    Row by row: the bounds are loosened by the drifts (and widened by the
    relative ``slack``, ``drivers.bounds.bound_slack``, so they stay bounds of the
    distances as the kernels round them); a row whose upper bound is strictly
    below all its group bounds keeps its label.  For the others the upper
    bound is tightened with the distance to the own center (eight rows side
    by side, see ``squared_distances_to_labels``), and if the filter still
    fails the row is left in doubt for ``yinyang_search_accumulate`` (or for
    a full pass).

    IN X, centers, center_shift (k,) and group_shift (t,) (the drifts since the
    bounds were last valid, rounded up), group_ptr (t + 1,), block_starts,
    labels, estimate_searches, slack; INOUT upper, lower (n, t); OUT best_sq
    (n,) (the squared distance to the own center for rows in doubt, -1 for
    the others), counts (distances computed, per block), estimates (per
    block, only with ``estimate_searches``: how many distances the group
    searches would compute at most, the sizes of the groups each row in
    doubt fails against its tightened bound; the caller uses it to choose a
    full BLAS pass).
    """
    grow = upper.dtype.type(1.0 + slack)
    shrink = upper.dtype.type(1.0 - slack)
    n_groups = group_ptr.shape[0] - 1
    for b in prange(block_starts.shape[0] - 1):
        start, stop = block_starts[b], block_starts[b + 1]
        doubtful = np.empty(stop - start, dtype=np.int64)
        smallest = np.empty(stop - start, dtype=X.dtype)  # per doubtful row
        n_doubtful = 0
        for i in range(start, stop):
            bound = (upper[i] + center_shift[labels[i]]) * grow
            upper[i] = bound
            best_sq[i] = -1.0
            smallest_lower = X.dtype.type(np.inf)
            for g in range(n_groups):
                value = (lower[i, g] - group_shift[g]) * shrink
                lower[i, g] = value
                if value < smallest_lower:
                    smallest_lower = value
            if bound >= smallest_lower:
                doubtful[n_doubtful] = i
                smallest[n_doubtful] = smallest_lower
                n_doubtful += 1
        dist = np.empty(n_doubtful, dtype=X.dtype)
        squared_distances_to_labels(X, doubtful, 0, n_doubtful, centers, labels, dist)
        estimate = 0
        for t in range(n_doubtful):
            i = doubtful[t]
            bound = np.sqrt(dist[t])
            upper[i] = bound
            if bound >= smallest[t]:
                best_sq[i] = dist[t]
                if estimate_searches:
                    for g in range(n_groups):
                        if lower[i, g] <= bound:
                            estimate += group_ptr[g + 1] - group_ptr[g]
        counts[b] = n_doubtful
        estimates[b] = estimate


@njit(inline="always", fastmath=FASTMATH)
def _search_group(
    X,
    g,
    pending,
    best_sq,
    centers,
    group_ptr,
    group_members,
    group_of,
    scratch,
    labels,
    upper,
    lower,
):
    """Search group ``g`` for the pending rows whose bound on it fails.

    ``pending`` holds the rows still in doubt and ``best_sq[i]`` the squared
    distance from row i to its current best center (its label so far).  The
    rows are gathered a tile at a time; each member of the group (in index
    order) is scored against the whole tile, keeping per row the group's
    nearest member and the second-smallest distance.  Then, per row: a nearer
    member (or an equally near one with a lower index) becomes the label; the
    group's bound becomes the distance to its nearest member other than the
    label; and when the label moved away from a center of another group, that
    center's distance lowers that group's bound (it is now an "other" center
    there).

    IN X, g, pending, centers, group_ptr, group_members, group_of; scratch
    (tile, two distance rows, group best, its index, group second, selected
    rows);
    INOUT best_sq, labels, upper, lower.  Returns the number of distances
    computed.
    """
    xt, dist, group_best, group_best_at, group_second, selected = scratch
    n_selected = 0
    for p in range(pending.shape[0]):
        if lower[pending[p], g] <= upper[pending[p]]:
            selected[n_selected] = pending[p]
            n_selected += 1
    start, stop = group_ptr[g], group_ptr[g + 1]
    for first in range(0, n_selected, TILE_ROWS):
        m = min(TILE_ROWS, n_selected - first)
        gather_rows_transposed(X, selected, first, m, xt)
        group_best[:m] = np.inf
        group_best_at[:m] = -1
        group_second[:m] = np.inf
        # Two members per pass over the tile, folded in in member order.
        n_pairs = start + (stop - start) // 2 * 2
        for member in range(start, n_pairs, 2):
            j, j_next = group_members[member], group_members[member + 1]
            squared_distances_in_tile_to_two(
                xt, m, centers, j, j_next, dist[0], dist[1]
            )
            keep_two_smallest(dist[0], m, j, group_best, group_best_at, group_second)
            keep_two_smallest(
                dist[1], m, j_next, group_best, group_best_at, group_second
            )
        for member in range(n_pairs, stop):
            j = group_members[member]
            squared_distances_in_tile(xt, m, centers, j, dist[0])
            keep_two_smallest(dist[0], m, j, group_best, group_best_at, group_second)
        for t in range(m):
            i = selected[first + t]
            current = labels[i]
            candidate = group_best_at[t]
            candidate_sq = group_best[t]
            if candidate_sq < best_sq[i] or (
                candidate_sq == best_sq[i] and candidate < current
            ):
                lower[i, g] = np.sqrt(group_second[t])
                old_group = group_of[current]
                if old_group != g and upper[i] < lower[i, old_group]:
                    lower[i, old_group] = upper[i]
                labels[i] = candidate
                best_sq[i] = candidate_sq
                upper[i] = np.sqrt(candidate_sq)
            elif candidate == current:
                lower[i, g] = np.sqrt(group_second[t])
            else:
                lower[i, g] = np.sqrt(candidate_sq)
    return n_selected * (stop - start)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_search_accumulate(
    X,
    sample_weight,
    centers,
    group_ptr,
    group_members,
    group_of,
    block_starts,
    labels,
    upper,
    lower,
    best_sq,
    previous_labels,
    partial_sums,
    partial_weights,
    counts,
    accumulate,
):
    """Second half of a Yinyang pass: the group searches, then accumulate.

    Per block: the rows left in doubt by ``yinyang_filter`` (``best_sq >= 0``)
    are searched group by group in index order, each group with the best
    distance found so far, so later groups are filtered harder; then the rows
    are accumulated in row order, so the sums are added exactly as Lloyd's
    kernels add them (skipped for blocks whose labels did not change: see
    ``common.accumulate_block``).

    IN X, sample_weight, centers, group_ptr (t + 1,) and group_members (k,)
    (the centers of group g are ``group_members[group_ptr[g]:group_ptr[g + 1]]``,
    ascending), group_of (k,), block_starts, previous_labels, accumulate;
    INOUT labels, upper, lower (n, t), best_sq, partial_sums, partial_weights;
    OUT counts (distances computed, per block).
    """
    n_groups = group_ptr.shape[0] - 1
    n_features = X.shape[1]
    for b in prange(block_starts.shape[0] - 1):
        start, stop = block_starts[b], block_starts[b + 1]
        pending = np.empty(stop - start, dtype=np.int64)
        n_pending = 0
        for i in range(start, stop):
            if best_sq[i] >= 0.0:
                pending[n_pending] = i
                n_pending += 1
        evaluations = 0
        if n_pending > 0:
            scratch = (
                np.empty((n_features, TILE_ROWS), dtype=X.dtype),
                np.empty((2, TILE_ROWS), dtype=X.dtype),
                np.empty(TILE_ROWS, dtype=X.dtype),
                np.empty(TILE_ROWS, dtype=np.int32),
                np.empty(TILE_ROWS, dtype=X.dtype),
                np.empty(n_pending, dtype=np.int64),
            )
            for g in range(n_groups):
                evaluations += _search_group(
                    X,
                    g,
                    pending[:n_pending],
                    best_sq,
                    centers,
                    group_ptr,
                    group_members,
                    group_of,
                    scratch,
                    labels,
                    upper,
                    lower,
                )
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
