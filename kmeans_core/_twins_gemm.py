"""NumPy twins of the kernels of Lloyd's BLAS path and of the iteration loop.

A fit on data larger than one block goes through ``drivers.loop``; where
``dispatch.use_gemm`` says so, its passes go through BLAS slabs
(``drivers.gemm``), whose dot products are already NumPy's.  The kernels that
turn them into labels and block sums, and those that reduce the sums into
centers, take 6 s to compile together; these twins give their results bit for
bit (``_twins`` explains the techniques) and are called through ``_jit.call``
on the "gemm" path until that time is spent.

* ``argmin_accumulate_from_dots``: each row's best score and the rows whose
  runner-up lies within the rounding margin are found with whole-slab
  operations; a row with a single score within the margin takes that center
  (its index is the dot product of the row's mask with ``0, 1, ..., k-1``,
  exact in float64), the others are settled by direct differences over their
  candidates, as the kernel settles them.  Per-block sums come from
  ``np.bincount`` over the index ``block * k + label``, which adds each row in
  row order from 0.0, as ``common.accumulate_row`` does.
* ``finish_centers`` and ``weighted_rows_t`` are ``_twins``' (the small-data
  run uses them too).
* ``distances_to_reference`` is the one exception: its kernel may reorder its
  sum (``SCORE_FASTMATH``), so the twin's radii agree to rounding only.  They
  only scale the error margins, and the labels stay exact either way.
"""

from __future__ import annotations

import numpy as np

from ._twins import squared_distances_to_labels, weighted_rows_t


def nearest_from_dots(
    X: np.ndarray,
    centers: np.ndarray,
    dots_t: np.ndarray,
    half_center_norms: np.ndarray,
    tie_margin: float,
    row_radius: np.ndarray,
    slab_start: int,
) -> np.ndarray:
    """Twin of ``lloyd.nearest_from_dots``'s labels (int32, one per slab row)."""
    n_clusters, n_rows = dots_t.shape
    scores = half_center_norms[:, np.newaxis] - dots_t
    best = scores.min(axis=0)
    # ``settle_near_ties``: the same float64 operations, in the same order.
    largest_half = max(0.0, float(half_center_norms.astype(np.float64).max()))
    center_radius = np.sqrt(2.0 * largest_half * (1.0 + 0.5 * tie_margin))
    radius = row_radius[slab_start : slab_start + n_rows]
    error_bound = tie_margin * (
        radius * center_radius + (radius + center_radius) * (radius + center_radius)
    )
    threshold = (best.astype(np.float64) + error_bound).astype(dots_t.dtype)
    within = np.empty(scores.shape, dtype=np.float32)
    np.less_equal(scores, threshold, out=within)
    # Per row: how many centers score within the margin, and (when one does)
    # which: integers below 2^24 where they are used, so exact in float32.
    count_and_index = np.stack(
        (np.ones(n_clusters), np.arange(n_clusters)), dtype=np.float32
    )
    count, index = count_and_index @ within
    labels = index.astype(np.int32)
    doubtful = np.flatnonzero(count > 1.0)
    if doubtful.shape[0]:
        # Every center within the margin, by direct differences; the first
        # of the smallest wins (a strict ``<`` from inf, as in the kernel),
        # and the best score's center when none is below inf.
        candidates = within[:, doubtful] > 0.0
        columns, which = np.nonzero(candidates)
        exact = np.full((n_clusters, doubtful.shape[0]), np.inf, dtype=X.dtype)
        exact[columns, which] = squared_distances_to_labels(
            X[slab_start + doubtful[which]], centers, columns
        )
        settled = np.argmin(exact, axis=0)
        finite = exact[settled, np.arange(doubtful.shape[0])] < np.inf
        by_score = np.argmin(scores[:, doubtful], axis=0)
        labels[doubtful] = np.where(finite, settled, by_score)
    return labels


def accumulate_blocks(
    X: np.ndarray,
    sample_weight: np.ndarray,
    labels: np.ndarray,
    block_starts: np.ndarray,
    first_block: int,
    last_block: int,
    previous_labels: np.ndarray,
    partial_sums: np.ndarray,
    partial_weights: np.ndarray,
    weighted_rows: np.ndarray | None = None,
) -> None:
    """``common.accumulate_block`` for blocks ``first_block:last_block``.

    Sums in row order from 0.0.  Without previous labels every cluster of
    every block is summed; with them, only the clusters that gained or lost
    a row in a block (the others have the same rows in the same order, so
    the same sums), as the kernel does for wide rows.

    IN X (n, d), sample_weight (n,), labels (n,), block_starts, first_block,
    last_block, previous_labels (n,) or (0,), weighted_rows (d, n) from
    ``weighted_rows_t`` or None; INOUT partial_sums (n_blocks, k, d) and
    partial_weights (n_blocks, k) (those blocks' entries).
    """
    n_clusters, n_features = partial_sums.shape[1:]
    start, stop = int(block_starts[first_block]), int(block_starts[last_block])
    n_blocks = last_block - first_block
    sizes = np.diff(block_starts[first_block : last_block + 1])
    local = np.repeat(np.arange(n_blocks), sizes)
    new = labels[start:stop]
    index = local * n_clusters + new
    size = n_blocks * n_clusters
    if previous_labels.shape[0] == 0:
        rows = np.arange(start, stop)
        redo = np.ones(size, dtype=bool)
    else:
        old = previous_labels[start:stop]
        moved = np.flatnonzero(new != old)
        if not moved.shape[0]:
            return
        redo = np.zeros(size, dtype=bool)
        redo[index[moved]] = True
        redo[local[moved] * n_clusters + np.maximum(old[moved], 0)] = True
        # A row without a previous label (-1) puts its whole block in doubt.
        unlabelled = local[moved[old[moved] < 0]]
        redo.reshape(n_blocks, n_clusters)[unlabelled] = True
        rows = start + np.flatnonzero(redo[index])
    index = index[rows - start]
    if weighted_rows is None:
        terms = weighted_rows_t(X[rows], sample_weight[rows])
    else:
        terms = weighted_rows[:, rows]
    weights = sample_weight[rows].astype(np.float64)
    sums = np.empty((size, n_features))
    for f in range(n_features):
        sums[:, f] = np.bincount(index, terms[f], size)
    redo = redo.reshape(n_blocks, n_clusters)
    partial_sums[first_block:last_block][redo] = sums.reshape(
        -1, n_clusters, n_features
    )[redo]
    block_weights = np.bincount(index, weights, size).reshape(n_blocks, n_clusters)
    partial_weights[first_block:last_block][redo] = block_weights[redo]


def argmin_accumulate_from_dots(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    dots_t: np.ndarray,
    half_center_norms: np.ndarray,
    tie_margin: float,
    row_radius: np.ndarray,
    slab_start: int,
    block_starts: np.ndarray,
    first_block: int,
    last_block: int,
    labels: np.ndarray,
    previous_labels: np.ndarray,
    partial_sums: np.ndarray,
    partial_weights: np.ndarray,
    accumulate: bool,
    weighted_rows: np.ndarray | None = None,
) -> None:
    """Twin of ``lloyd.argmin_accumulate_from_dots`` (same arguments and outputs).

    The slab covers blocks ``first_block:last_block`` from row ``slab_start``.
    ``weighted_rows`` (``weighted_rows_t(X, sample_weight)``) may be passed
    to spare computing ``w * x`` on every pass.
    """
    slab_labels = nearest_from_dots(
        X, centers, dots_t, half_center_norms, tie_margin, row_radius, slab_start
    )
    labels[slab_start : slab_start + dots_t.shape[1]] = slab_labels
    if accumulate:
        accumulate_blocks(
            X,
            sample_weight,
            labels,
            block_starts,
            first_block,
            last_block,
            previous_labels,
            partial_sums,
            partial_weights,
            weighted_rows,
        )


def distances_to_reference(
    X: np.ndarray, reference: np.ndarray, out: np.ndarray
) -> None:
    """Twin of ``lloyd.distances_to_reference`` (to rounding: see the module doc).

    IN X (n, d), reference (d,); OUT out (n,) float64.
    """
    diff = X.astype(np.float64) - reference.astype(np.float64)
    np.sqrt(np.einsum("ij,ij->i", diff, diff), out=out)


def transposed_rows(
    X: np.ndarray, reference: np.ndarray, centred: bool, out: np.ndarray
) -> None:
    """Twin of ``lloyd.transposed_rows``: X (less the reference) as d x n."""
    if centred:
        np.subtract(X.T, reference[:, np.newaxis], out=out)
    else:
        out[:] = X.T


def reduce_block_partials(
    partial_sums: np.ndarray,
    partial_weights: np.ndarray,
    sums: np.ndarray,
    weights: np.ndarray,
) -> None:
    """Twin of ``common.reduce_block_partials``: from 0.0, in block order."""
    sums[:] = 0.0
    weights[:] = 0.0
    for b in range(partial_sums.shape[0]):
        sums += partial_sums[b]
        weights += partial_weights[b]


def update_previous_labels(labels: np.ndarray, previous: np.ndarray) -> int:
    """Twin of ``common.update_previous_labels``: the count of changed labels."""
    changed = int(np.count_nonzero(labels != previous))
    previous[:] = labels
    return changed
