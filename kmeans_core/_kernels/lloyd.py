"""One Lloyd step: assign every sample and accumulate per-block partial sums.

Two kernels cover the two regimes.  ``lloyd_assign_accumulate`` computes the
distances itself, tile by tile, for any d; it serves when k*d is small and
d is above 8, where ``drivers.dispatch.direct_kernels`` stops preferring the
kernels compiled per d in ``unrolled.py``.
``argmin_accumulate_from_dots`` receives ``X_slab @ centers.T`` computed by BLAS
and only does the argmin (re-checking near-ties with direct differences) and the
accumulation; it wins when k*d is large.
Neither builds an n x k distance matrix: the GEMM path holds one slab at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, SCORE_FASTMATH, TILE_ROWS
from .common import accumulate_block, accumulate_row
from .distances import (
    keep_two_smallest,
    nearest_in_tile,
    squared_distance,
    tile_scratch,
)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def lloyd_assign_accumulate(
    X, sample_weight, centers, block_starts, labels, partial_sums, partial_weights
):
    """Fused assignment and accumulation, parallel over fixed blocks of rows.

    IN X (n, d), sample_weight (n,), centers (k, d), block_starts (n_blocks + 1,);
    OUT labels (n,) int32, partial_sums (n_blocks, k, d) float64,
    partial_weights (n_blocks, k) float64.
    """
    for b in prange(block_starts.shape[0] - 1):
        block_sums = partial_sums[b]
        block_weights = partial_weights[b]
        block_sums[:] = 0.0
        block_weights[:] = 0.0
        xt, dist, best_dist, best_label = tile_scratch(X)
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


@njit(inline="always", fastmath=FASTMATH)
def fold_four_scores(dots_t, half_center_norms, j0, j1, j2, j3, best, second, label):
    """Fold the scores of centers j0 < j1 < j2 < j3 into each row's best two.

    One pass over the rows: a row's best, runner-up and label stay in
    registers for the four centers, which are compared in order with a strict
    ``<``, so ties go to the lower index as in a one-center-at-a-time scan.
    Each score is ``half_center_norms[j] - dots_t[j, r]``.

    IN dots_t (k, rows), half_center_norms (k,), j0, j1, j2, j3; INOUT best,
    second (rows,) in the dtype of ``dots_t``, label (rows,) int32.
    """
    h0, h1 = half_center_norms[j0], half_center_norms[j1]
    h2, h3 = half_center_norms[j2], half_center_norms[j3]
    for r in range(dots_t.shape[1]):
        top, runner_up, at = best[r], second[r], label[r]
        for j, h in ((j0, h0), (j1, h1), (j2, h2), (j3, h3)):
            score = h - dots_t[j, r]
            if score < top:
                runner_up, top, at = top, score, j
            elif score < runner_up:
                runner_up = score
        best[r], second[r], label[r] = top, runner_up, at


@njit(inline="always", fastmath=FASTMATH)
def best_two_scores(dots_t, half_center_norms):
    """Each row's best and runner-up score ``|c_j - m|^2 / 2 - dots_t[j, r]``.

    Scores four centers per pass over the rows, so each row's best, runner-up
    and label are loaded and stored once per four centers instead of once per
    center (the scan took 0.04 against 0.065 ms on a slab of 8163 rows with
    k=64, float32, and 0.10-0.17 against 0.10-0.23 on 1250 rows with k=1024,
    float32 and float64).
    Within a pass the centers are compared in order with a strict
    ``<``, so ties go to the lower index as in a one-center-at-a-time scan.
    Returns ``(best, second, best_label)``, the first two in the dtype of
    ``dots_t``.
    """
    n_clusters, n_rows = dots_t.shape
    best = np.full(n_rows, np.inf, dtype=dots_t.dtype)
    second = np.full(n_rows, np.inf, dtype=dots_t.dtype)
    best_label = np.zeros(n_rows, dtype=np.int32)
    n_fours = n_clusters // 4 * 4
    for j in range(0, n_fours, 4):
        fold_four_scores(
            dots_t, half_center_norms, j, j + 1, j + 2, j + 3, best, second, best_label
        )
    # The last k % 4 centers one at a time: a loop over a run-time number of
    # centers per row would not vectorise.
    for j in range(n_fours, n_clusters):
        scores = half_center_norms[j] - dots_t[j]
        keep_two_smallest(scores, n_rows, j, best, best_label, second)
    return best, second, best_label


@njit(inline="always", fastmath=FASTMATH)
def nearest_from_dots(
    X,
    centers,
    dots_t,
    half_center_norms,
    tie_margin,
    row_radius,
    slab_start,
):
    """Exact nearest center for every row of a slab, from precomputed dot products.

    ``dots_t[j, r]`` holds ``(c_j - m) . (x - m)`` for row ``slab_start + r`` (m is
    the reference point, the data mean, subtracted so the expanded form does not
    cancel); the nearest center minimises the score
    ``|c_j - m|^2 / 2 - dots_t[j, r]``.  The layout (centers x rows) lets every
    loop run over rows, element-wise, so it vectorises.

    Scores carry rounding errors that direct differences do not.  A row whose
    runner-up scores within ``error_bound[r]`` (``tie_margin``, a bound on those
    errors per unit, scaled by the row's and the centers' distance from m) of the
    best is re-checked with ``squared_distance`` over all its candidates: the
    label is then exactly the direct argmin that the other kernels and the
    pruning variants compute.

    IN X, centers (k, d), dots_t (k, rows), half_center_norms (k,),
    tie_margin, row_radius (n,) (|x - m| of every row, from
    ``distances_to_reference``), slab_start.  Returns ``(best_label (rows,)
    int32, error_bound (rows,) float64)``: the labels and each row's bound on
    the scores' rounding errors.
    """
    best, second, best_label = best_two_scores(dots_t, half_center_norms)
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
    return best_label, error_bound


@njit(inline="always", fastmath=FASTMATH)
def settle_near_ties(
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
):
    """Re-check the rows whose runner-up score is within rounding of the best.

    The second half of ``nearest_from_dots``, given ``best_two_scores``'s
    results: each row's error bound, and for a row whose runner-up lies within
    it, the label from direct differences over the centers that score within
    it too.

    IN X, centers, dots_t, half_center_norms, tie_margin, row_radius,
    slab_start (see ``nearest_from_dots``), best, second (rows,); INOUT
    best_label (rows,) int32.  Returns the error bounds (rows,) float64.
    """
    n_clusters, n_rows = dots_t.shape
    # An upper bound on every |c - m| from the half norms, which BLAS's inputs
    # were rounded to: O(k) per slab instead of O(k d).  Rounding c - m to X's
    # dtype, summing in float64 and storing the half norm cost at most a
    # relative (d + 4) eps on |c - m|^2, and tie_margin / 2 covers that.
    largest_half = 0.0
    for j in range(n_clusters):
        largest_half = max(largest_half, np.float64(half_center_norms[j]))
    center_radius = np.sqrt(2.0 * largest_half * (1.0 + 0.5 * tie_margin))

    error_bound = np.empty(n_rows)
    threshold = np.empty(n_rows, dtype=dots_t.dtype)
    for r in range(n_rows):
        radius = row_radius[slab_start + r]
        error_bound[r] = tie_margin * (
            radius * center_radius + (radius + center_radius) ** 2
        )
        threshold[r] = best[r] + error_bound[r]

    for r in range(n_rows):
        if second[r] <= threshold[r]:
            # Direct differences decide among the candidates (ties to the
            # lower index), exactly as Lloyd's direct kernel would.
            best_sq = np.inf
            for j in range(n_clusters):
                if half_center_norms[j] - dots_t[j, r] <= threshold[r]:
                    sq = squared_distance(X, slab_start + r, centers, j)
                    if sq < best_sq:
                        best_sq = sq
                        best_label[r] = j
    return error_bound


@njit(inline="always")
def accumulate_slab(
    X,
    sample_weight,
    slab_labels,
    slab_start,
    block_starts,
    first_block,
    last_block,
    labels,
    previous_labels,
    partial_sums,
    partial_weights,
    accumulate,
):
    """Store a slab's labels and, if ``accumulate``, its blocks' partial sums.

    Blocks whose labels did not change keep their sums (see
    ``common.accumulate_block``).

    IN X, sample_weight, slab_labels (rows,), slab_start, block_starts,
    first_block, last_block, previous_labels, accumulate; OUT labels;
    INOUT partial_sums, partial_weights (only the slab's blocks).
    """
    for b in range(first_block, last_block):
        start, stop = block_starts[b], block_starts[b + 1]
        for i in range(start, stop):
            labels[i] = slab_labels[i - slab_start]
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


@njit(nogil=True, fastmath=FASTMATH, cache=CACHE)
def argmin_accumulate_from_dots(
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
    previous_labels,
    partial_sums,
    partial_weights,
    accumulate,
):
    """Lloyd's assignment for one GEMM slab: ``nearest_from_dots``, then accumulate.

    Serial and ``nogil``: the caller runs one slab per thread.  The slab covers
    whole blocks ``first_block:last_block``, each with its own partial sums, so
    results do not depend on the thread count.

    IN X, sample_weight, centers, dots_t, half_center_norms, tie_margin,
    row_radius, slab_start (see ``nearest_from_dots``),
    block_starts, first_block, last_block, previous_labels (see
    ``accumulate_slab``), accumulate; OUT labels; INOUT partial_sums,
    partial_weights (only the slab's blocks).
    """
    best_label, _ = nearest_from_dots(
        X,
        centers,
        dots_t,
        half_center_norms,
        tie_margin,
        row_radius,
        slab_start,
    )
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


@njit(parallel=True, fastmath=SCORE_FASTMATH, cache=CACHE)
def distances_to_reference(X, reference, out):
    """Euclidean distance of every row from the reference point, in float64.

    Computed once per fit: it scales the rounding-error margin of the BLAS path.
    Only that: so its sum may be reordered and fused (``SCORE_FASTMATH``),
    which vectorises it; a sum of non-negative terms has the same error bound
    in any order.  At 10000 x 512 (float32) it took 27 ms in a 150 ms fit,
    more than three Lloyd passes, summed one feature after another.

    IN X (n, d), reference (d,); OUT out (n,) float64.
    """
    for i in prange(X.shape[0]):
        acc = 0.0
        for f in range(X.shape[1]):
            diff = np.float64(X[i, f]) - np.float64(reference[f])
            acc += diff * diff
        out[i] = np.sqrt(acc)


@njit(parallel=True, cache=CACHE)
def transposed_rows(X, reference, centred, out):
    """X transposed to features x rows, less the reference point if ``centred``.

    The BLAS path's products ``(c - m) . (x - m)`` ran about 15% faster (200000
    x 32, k=64) with the rows' side stored this way than as the transposed view
    of X, and a centred copy also spares subtracting m from every slab on
    every pass.  The values equal ``X - reference`` computed by NumPy.

    IN X (n, d), reference (d,), centred; OUT out (d, n).
    """
    n_samples, n_features = X.shape
    n_chunks = -(-n_samples // TILE_ROWS)
    for chunk in prange(n_chunks):
        start = chunk * TILE_ROWS
        stop = min(start + TILE_ROWS, n_samples)
        for f in range(n_features):
            column = out[f]
            if centred:
                shift = reference[f]
                for i in range(start, stop):
                    column[i] = X[i, f] - shift
            else:
                for i in range(start, stop):
                    column[i] = X[i, f]
