"""Pieces shared by every algorithm: reductions, center update, exact inertia."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, RESUM_BY_CLUSTER_MIN_FEATURES
from .distances import squared_distance


@njit(inline="always")
def copy_row(source, i, target, j):
    """``target[j] = source[i]``, one entry at a time.

    Numba compiles an array assignment (``target[j] = source[i]``,
    ``target[:] = source``) with a shape check whose error message pulls in its
    string formatting: 3-4 s of compile time on first use in a process, for a
    copy that this loop does in the same time.

    IN source (m, d), i; OUT target (k, d), row j.
    """
    for f in range(source.shape[1]):
        target[j, f] = source[i, f]


@njit(inline="always")
def accumulate_row(X, i, weight, label, sums, weights):
    """Add row i of X, times its weight, to the running sums of cluster ``label``.

    The product is formed in float64: two float32 numbers multiply exactly in
    float64, so a cluster of one point gets exactly that point back as its mean.

    IN X, i, weight, label; INOUT sums (k, d) float64, weights (k,) float64.
    """
    w = np.float64(weight)
    weights[label] += w
    for f in range(X.shape[1]):
        sums[label, f] += w * np.float64(X[i, f])


@njit(inline="always")
def sum_block(X, sample_weight, labels, start, stop, sums, weights):
    """The partial sums of rows ``start:stop``, added in row order.

    IN X, sample_weight, labels, start, stop; OUT sums (k, d), weights (k,).
    """
    sums[:] = 0.0
    weights[:] = 0.0
    for i in range(start, stop):
        accumulate_row(X, i, sample_weight[i], labels[i], sums, weights)


@njit(inline="always")
def accumulate_block(
    X, sample_weight, labels, start, stop, previous_labels, block_sums, block_weights
):
    """Bring a block's partial sums up to date with its labels.

    ``previous_labels`` holds the labels of the pass that last wrote these
    partial sums (the driver's copy from the previous iteration), or is empty
    when there is no such pass.  Only the clusters that gained or lost a row
    since then are summed again (``sum_block``'s additions, restricted to
    them): the others have the very same rows in the same order, so their sums
    would come out the same.  Near convergence, when few rows move, this spares
    the pruning algorithms most of the accumulation, which is otherwise their
    largest cost per pass.

    IN X, sample_weight, labels, start, stop, previous_labels (n,) or (0,);
    INOUT block_sums (k, d), block_weights (k,).
    """
    if previous_labels.shape[0] == 0:
        sum_block(X, sample_weight, labels, start, stop, block_sums, block_weights)
        return
    n_clusters = block_weights.shape[0]
    # Narrow rows are summed about as fast as the changes can be found.  For
    # wider ones, finding the changed clusters' rows costs about what summing
    # twelve features does, so it pays off while they own less than a share
    # 1 - 12 / d of the block (a quarter at d = 16), and measured no better
    # beyond three fifths (one pass over every block, 16 <= d <= 128: 0.1-0.6
    # of a full re-sum when a hundredth of the rows moved, 0.9-1.2 when a
    # fifth did).
    n_features = X.shape[1]
    by_cluster = n_features >= RESUM_BY_CLUSTER_MIN_FEATURES
    max_changed = min(n_clusters * (n_features - 12) // n_features, 3 * n_clusters // 5)
    changed = np.zeros(n_clusters, dtype=np.bool_)
    n_changed = 0
    for i in range(start, stop):
        old, new = previous_labels[i], labels[i]
        if old == new:
            continue
        if old < 0 or not by_cluster:  # no previous pass for this row, or narrow
            n_changed = n_clusters
            break
        if not changed[old]:
            changed[old] = True
            n_changed += 1
        if not changed[new]:
            changed[new] = True
            n_changed += 1
        if n_changed > max_changed:
            break
    if n_changed == 0:
        return
    if n_changed > max_changed:
        # Too many rows belong to changed clusters: one plain pass is cheaper.
        sum_block(X, sample_weight, labels, start, stop, block_sums, block_weights)
        return
    for label in range(n_clusters):
        if changed[label]:
            block_sums[label] = 0.0
            block_weights[label] = 0.0
    # The changed clusters' rows first, without a branch per row (it would
    # mispredict), then their sums in row order.
    rows = np.empty(stop - start, dtype=np.int64)
    n_rows = 0
    for i in range(start, stop):
        rows[n_rows] = i
        n_rows += changed[labels[i]]
    for r in range(n_rows):
        i = rows[r]
        accumulate_row(X, i, sample_weight[i], labels[i], block_sums, block_weights)


@njit(parallel=True, cache=CACHE)
def accumulate_blocks(
    X,
    sample_weight,
    labels,
    block_starts,
    previous_labels,
    partial_sums,
    partial_weights,
):
    """``accumulate_block`` for every block, in parallel.

    The partial sums of a pass whose labels other kernels set.

    IN X, sample_weight, labels, block_starts, previous_labels (see
    ``accumulate_block``); INOUT partial_sums (n_blocks, k, d), partial_weights
    (n_blocks, k).
    """
    for b in prange(block_starts.shape[0] - 1):
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


@njit(fastmath=FASTMATH, cache=CACHE)
def relocate_empty_clusters(X, sample_weight, centers_old, labels, sums, weights):
    """Move each empty cluster onto one of the points farthest from their center.

    The i-th empty cluster (in index order) takes the i-th farthest point
    (squared distance to its assigned old center; ties to the lower row index);
    that point's weighted coordinates and weight leave its old cluster's sums.
    When every point sits on its center (more clusters than distinct points),
    nothing moves, as in scikit-learn: a relocated cluster would only take a
    duplicate of a point that another cluster keeps.

    IN X, sample_weight, centers_old, labels; INOUT sums (k, d) float64,
    weights (k,) float64.  Returns the number of clusters relocated.
    """
    n_clusters = weights.shape[0]
    n_empty = 0
    for j in range(n_clusters):
        if weights[j] == 0.0:
            n_empty += 1
    if n_empty == 0:
        return 0
    # The empty clusters before any moves (a move can empty another cluster).
    empty = np.empty(n_empty, dtype=np.int64)
    n_empty = 0
    for j in range(n_clusters):
        if weights[j] == 0.0:
            empty[n_empty] = j
            n_empty += 1
    distances = np.empty(X.shape[0])
    largest = 0.0
    for i in range(X.shape[0]):
        distances[i] = squared_distance(X, i, centers_old, labels[i])
        largest = max(largest, distances[i])
    if largest == 0.0:
        return 0
    for rank in range(n_empty):
        new_cluster = empty[rank]
        point = take_farthest(distances)
        weight = np.float64(sample_weight[point])
        old_cluster = labels[point]
        for f in range(X.shape[1]):
            contribution = np.float64(X[point, f]) * weight
            sums[old_cluster, f] -= contribution
            sums[new_cluster, f] = contribution
        weights[new_cluster] = weight
        weights[old_cluster] -= weight
    return n_empty


@njit(inline="always")
def take_farthest(distances):
    """The index of the largest entry (ties to the lower index), then marked taken.

    Successive calls return the rows in the order of a stable sort by
    decreasing distance, one at a time: relocation takes as many rows as
    there are empty clusters, usually a handful, and a full sort (Numba's
    ``argsort``) cost 2-5 s of compile time.  A taken entry is set to -1,
    below every distance.

    INOUT distances (n,) float64, non-negative.  Returns the index.
    """
    best = 0
    for i in range(1, distances.shape[0]):
        if distances[i] > distances[best]:
            best = i
    distances[best] = -1.0
    return best


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def reduce_block_partials(partial_sums, partial_weights, sums, weights):
    """Add the per-block partial sums in block order.

    The order of additions is fixed (block 0, 1, 2, ...) whatever the thread
    count; parallelism runs over clusters, never over blocks.

    IN partial_sums (n_blocks, k, d), partial_weights (n_blocks, k);
    OUT sums (k, d), weights (k,).
    """
    n_blocks, n_clusters, n_features = partial_sums.shape
    for j in prange(n_clusters):
        w = 0.0
        for f in range(n_features):
            sums[j, f] = 0.0
        for b in range(n_blocks):
            w += partial_weights[b, j]
            for f in range(n_features):
                sums[j, f] += partial_sums[b, j, f]
        weights[j] = w


@njit(cache=CACHE)
def finish_centers(sums, weights, centers_old, centers_new, center_shift):
    """Turn weighted sums into means and measure how far each center moved.

    A cluster whose weight is zero keeps its old center (the caller relocates
    empty clusters before this runs, so that only happens with all-zero weights).

    IN sums (k, d) float64, weights (k,) float64, centers_old (k, d);
    OUT centers_new (k, d) in the data dtype, center_shift (k,) float64 (the
    Euclidean distance between old and new center).
    """
    n_clusters, n_features = sums.shape
    for j in range(n_clusters):
        if weights[j] > 0.0:
            # Divide (rather than multiply by a reciprocal): a cluster of one
            # point then gets exactly that point back.
            for f in range(n_features):
                centers_new[j, f] = sums[j, f] / weights[j]
        else:
            for f in range(n_features):
                centers_new[j, f] = centers_old[j, f]
        shift = 0.0
        for f in range(n_features):
            diff = np.float64(centers_new[j, f]) - np.float64(centers_old[j, f])
            shift += diff * diff
        center_shift[j] = np.sqrt(shift)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def weighted_inertia(X, sample_weight, centers, labels, block_starts):
    """Sum of weighted squared distances to the assigned centers.

    Direct differences (never the expanded ``|x|^2 - 2x.c + |c|^2``, which
    cancels), accumulated in float64 per block and added in block order.

    IN X, sample_weight, centers, labels, block_starts.  Returns a float64.
    """
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros(n_blocks, dtype=np.float64)
    for b in prange(n_blocks):
        acc = 0.0
        for i in range(block_starts[b], block_starts[b + 1]):
            acc += sample_weight[i] * np.float64(
                squared_distance(X, i, centers, labels[i])
            )
        partial[b] = acc
    total = 0.0
    for b in range(n_blocks):
        total += partial[b]
    return total


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def weighted_total(values, sample_weight, block_starts):
    """Sum of ``sample_weight[i] * values[i]`` in float64, per block, in block order.

    ``weighted_inertia``'s additions, in its order, for distances that a pass
    has already computed: given each row's ``squared_distance`` to its center,
    it returns ``weighted_inertia``'s value bit for bit while reading two
    n-vectors instead of X.

    IN values (n,), sample_weight (n,), block_starts.  Returns a float64.
    """
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros(n_blocks, dtype=np.float64)
    for b in prange(n_blocks):
        acc = 0.0
        for i in range(block_starts[b], block_starts[b + 1]):
            acc += sample_weight[i] * np.float64(values[i])
        partial[b] = acc
    total = 0.0
    for b in range(n_blocks):
        total += partial[b]
    return total


@njit(parallel=True, cache=CACHE)
def update_previous_labels(labels, previous):
    """Count the rows whose label changed, and copy the new labels into ``previous``.

    One pass instead of ``np.array_equal`` (which builds an n-element boolean
    array) followed by a full copy; only changed entries are written.

    IN labels (n,); INOUT previous (n,).  Returns the number of changed rows.
    """
    changed = 0
    for i in prange(labels.shape[0]):
        if labels[i] != previous[i]:
            previous[i] = labels[i]
            changed += 1
    return changed
