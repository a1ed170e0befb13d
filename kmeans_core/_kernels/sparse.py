"""Lloyd's passes over CSR rows: ``(data, indices, indptr)`` against dense centers.

A row's nonzeros are ``data[indptr[i]:indptr[i + 1]]`` in the columns
``indices[...]`` (canonical: sorted, no duplicates; ``_sparse`` makes them so).
Centers stay dense.  float32 and float64 data both compile; the arithmetic is
float64 (two float32 numbers multiply exactly in float64).

**The distance.**  Every kernel that reports a distance (inertia, relocation,
``transform``) uses ``sparse_squared_distance``: direct differences ``(x_f -
c_f)^2`` summed over the row's nonzeros, plus the sum of ``c_f^2`` over the
other features.  That second sum is ``|c|^2`` (kept as an unevaluated sum of
two floats, ``norm_hi + norm_lo``, from ``center_norms``) less the squares on
the row's support, taken in double-double arithmetic where it could cancel
(when a center's mass lies on the row's support).  The result is as accurate
as summing the dense differences over all d features, without the O(d) work
per row: never the cancelling ``|x|^2 - 2 x . c + |c|^2``.

**The assignment.**  ``sparse_assign`` scores every center with the expanded
form ``|c|^2 / 2 - x . c`` (one gather of ``x``'s nonzeros from the centers
stored features x centers), and flags the rows whose runner-up scores within
the form's rounding-error bound of the best.  ``sparse_settle_near_ties``
re-decides those rows, as the dense BLAS path does
(``lloyd.settle_near_ties``), but with ``exact_score``: ``|c|^2 - 2 x . c``
in double-double arithmetic (about 32 significant digits), over the centers
that score within the bound, ties to the lower index.  So a label is the
nearest center in exact arithmetic, whatever the rounding of either form,
unless two centers' distances agree to about 30 digits, and exact ties (a
row sharing no term with centers of equal norm) go to the lowest index.

Conventions as in the other kernel modules: outputs allocated by the caller,
parallel loops over fixed tiles or blocks whose results never depend on the
thread count, no RNG.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH

#: Rows per parallel task of the assignment (labels only: no partial sums).
SPARSE_TILE_ROWS = 256

_SPLIT = 134217729.0  # 2**27 + 1, Dekker's splitting constant for float64


@njit(inline="always")
def two_sum(a, b):
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e == a + b`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(inline="always")
def two_product(a, b):
    """``(p, e)`` with ``p = fl(a * b)`` and ``p + e == a * b`` exactly (Dekker)."""
    p = a * b
    t = _SPLIT * a
    a_hi = t - (t - a)
    a_lo = a - a_hi
    t = _SPLIT * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


@njit(inline="always")
def add_double_double(hi, lo, p, e):
    """``(hi, lo) + (p, e)`` in double-double arithmetic, renormalised."""
    s, t = two_sum(hi, p)
    t += lo + e
    hi = s + t
    return hi, t - (hi - s)


@njit(parallel=True, cache=CACHE)
def center_norms(centers, norm_hi, norm_lo):
    """``|c_j|^2`` of every center as a double-double ``norm_hi + norm_lo``.

    IN centers (k, d); OUT norm_hi, norm_lo (k,) float64.
    """
    for j in prange(centers.shape[0]):
        hi = 0.0
        lo = 0.0
        for f in range(centers.shape[1]):
            c = np.float64(centers[j, f])
            if c != 0.0:
                p, e = two_product(c, c)
                hi, lo = add_double_double(hi, lo, p, e)
        norm_hi[j] = hi
        norm_lo[j] = lo


@njit(inline="always")
def sparse_squared_distance(data, indices, start, stop, centers, j, norm_hi, norm_lo):
    """Squared distance from the CSR row ``start:stop`` to center ``j``.

    Direct differences on the row's support (in column order), plus the
    center's squares off the support: ``|c_j|^2`` less the squares on it.
    That difference is taken in float64 when at least half of ``|c_j|^2``
    lies off the support (it cannot cancel then: its relative error stays
    within ``2 (nnz + 2) u``), and again in double-double otherwise, when the
    center's mass sits on the row's support (a row near its own center).
    Returns a float64.
    """
    support = 0.0
    on_support = 0.0
    for p in range(start, stop):
        c = np.float64(centers[j, indices[p]])
        diff = np.float64(data[p]) - c
        support += diff * diff
        on_support += c * c
    norm = norm_hi[j] + norm_lo[j]
    off_support = norm - on_support
    if off_support >= 0.5 * norm:
        return support + off_support
    hi = norm_hi[j]
    lo = norm_lo[j]
    for p in range(start, stop):
        c = np.float64(centers[j, indices[p]])
        if c != 0.0:
            sq, err = two_product(c, c)
            hi, lo = add_double_double(hi, lo, -sq, -err)
    return support + max(hi + lo, 0.0)


@njit(inline="always")
def exact_score(data, indices, start, stop, centers, j, norm_hi, norm_lo):
    """``|c_j|^2 - 2 x . c_j`` for the CSR row ``start:stop``, as a double-double.

    The squared distance less ``|x|^2``, which all centers share: the
    ranking of the centers in exact arithmetic, to about 32 digits.  Returns
    ``(hi, lo)``, normalised (``hi == fl(hi + lo)``), so two scores compare
    by ``hi`` first and ``lo`` second.
    """
    hi = norm_hi[j]
    lo = norm_lo[j]
    for p in range(start, stop):
        c = np.float64(centers[j, indices[p]])
        if c != 0.0:
            product, error = two_product(np.float64(data[p]), c)
            hi, lo = add_double_double(hi, lo, -2.0 * product, -2.0 * error)
    return hi, lo


@njit(inline="always", fastmath=FASTMATH)
def sparse_dots(data, indices, start, stop, centers_t, dots):
    """``dots[j] = x . c_j`` for the CSR row ``start:stop``, in float64.

    The nonzeros are taken in column order, and each adds its multiple of one
    row of ``centers_t`` (features x centers), so the loop over centers is
    contiguous and vectorises.

    IN data, indices, start, stop, centers_t (d, k); OUT dots (k,) float64.
    """
    dots[:] = 0.0
    for p in range(start, stop):
        v = np.float64(data[p])
        row = centers_t[indices[p]]
        for j in range(dots.shape[0]):
            dots[j] += v * row[j]


@njit(inline="always")
def tie_bound(tie_margin, row_norm, center_radius):
    """The score gap within which two centers may be in the wrong order.

    ``tie_margin`` is ``4 (d + 3) u`` (u the unit roundoff of float64): the
    rounding error of one score ``|c|^2 / 2 - x . c`` is at most ``(d + 1) u
    (|x| + |c|)^2 / 2`` (d terms in ``|c|^2``, at most d in ``x . c``), two
    scores can err in opposite directions, and a factor of 2 is spare.  When
    the centers were rounded to float32 for the products (float64 data,
    ``drivers.sparse``), it also holds ``2^-23``: ``x . c`` then errs by up to
    ``2^-24 |x| |c|`` more.
    """
    radius = row_norm + center_radius
    return tie_margin * radius * radius


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def sparse_assign(
    data,
    indices,
    indptr,
    centers_t,
    half_norms,
    row_norms,
    tie_margin,
    center_radius,
    labels,
    doubtful,
):
    """Nearest center by the expanded form, flagging rows decided within rounding.

    Parallel over fixed tiles of ``SPARSE_TILE_ROWS`` rows; each row's label
    depends only on that row.

    IN data (nnz,), indices (nnz,), indptr (n + 1,), centers_t (d, k) (the
    centers, transposed, possibly rounded to float32), half_norms (k,)
    float64 (``|c|^2 / 2``), row_norms (n,) float64 (``|x|``), tie_margin,
    center_radius (float64, at least every ``|c|``); OUT labels (n,) int32,
    doubtful (n,) uint8 (1 where the runner-up scores within ``tie_bound`` of
    the best: ``sparse_settle_near_ties`` decides those).
    """
    n_samples = indptr.shape[0] - 1
    n_clusters = centers_t.shape[1]
    n_tiles = (n_samples + SPARSE_TILE_ROWS - 1) // SPARSE_TILE_ROWS
    for t in prange(n_tiles):
        dots = np.empty(n_clusters)
        for i in range(
            t * SPARSE_TILE_ROWS, min((t + 1) * SPARSE_TILE_ROWS, n_samples)
        ):
            sparse_dots(data, indices, indptr[i], indptr[i + 1], centers_t, dots)
            best = np.inf
            second = np.inf
            label = 0
            for j in range(n_clusters):
                score = half_norms[j] - dots[j]
                if score < best:
                    second = best
                    best = score
                    label = j
                elif score < second:
                    second = score
            labels[i] = label
            bound = tie_bound(tie_margin, row_norms[i], center_radius)
            doubtful[i] = 1 if second - best <= bound else 0


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def sparse_settle_near_ties(
    data,
    indices,
    indptr,
    centers,
    centers_t,
    half_norms,
    norm_hi,
    norm_lo,
    row_norms,
    tie_margin,
    center_radius,
    rows,
    labels,
):
    """Re-decide the rows ``sparse_assign`` flagged, in exact arithmetic.

    The scores are recomputed as ``sparse_assign`` computed them (the same
    operations in the same order); every center within ``tie_bound`` of the
    best is then ranked by ``exact_score``, and the smallest wins, the lower
    index among equals.

    IN data, indices, indptr, centers (k, d), centers_t (d, k), half_norms,
    norm_hi, norm_lo (from ``center_norms``), row_norms, tie_margin,
    center_radius (see ``sparse_assign``), rows (int64, the flagged rows);
    INOUT labels (n,) int32.
    """
    n_clusters = centers.shape[0]
    n_rows = rows.shape[0]
    n_tiles = (n_rows + SPARSE_TILE_ROWS - 1) // SPARSE_TILE_ROWS
    for t in prange(n_tiles):
        dots = np.empty(n_clusters)
        for r in range(t * SPARSE_TILE_ROWS, min((t + 1) * SPARSE_TILE_ROWS, n_rows)):
            i = rows[r]
            start, stop = indptr[i], indptr[i + 1]
            sparse_dots(data, indices, start, stop, centers_t, dots)
            best = np.inf
            for j in range(n_clusters):
                best = min(best, half_norms[j] - dots[j])
            threshold = best + tie_bound(tie_margin, row_norms[i], center_radius)
            best_hi = np.inf
            best_lo = np.inf
            for j in range(n_clusters):
                if half_norms[j] - dots[j] <= threshold:
                    hi, lo = exact_score(
                        data, indices, start, stop, centers, j, norm_hi, norm_lo
                    )
                    if hi < best_hi or (hi == best_hi and lo < best_lo):
                        best_hi = hi
                        best_lo = lo
                        labels[i] = j


@njit(parallel=True, cache=CACHE)
def sparse_accumulate(
    data,
    indices,
    indptr,
    sample_weight,
    labels,
    block_starts,
    partial_sums,
    partial_weights,
):
    """Per-block weighted sums of the rows of each cluster, into dense partials.

    Block b sums its rows into ``partial_sums[b]``, each cluster's rows in
    row order; the caller adds the blocks in block order
    (``common.reduce_block_partials``), so the sums do not depend on the
    thread count.  Products are formed in float64, as
    ``common.accumulate_row`` forms them.

    The rows are visited cluster by cluster (a counting sort of the block's
    labels), so the scattered additions stay within one cluster's row of
    sums, which stays in cache, instead of landing anywhere in the block's
    k x d sums; each cluster's additions are the same, in the same order.

    IN data, indices, indptr, sample_weight (n,), labels (n,), block_starts
    (n_blocks + 1,); OUT partial_sums (n_blocks, k, d) float64,
    partial_weights (n_blocks, k) float64.
    """
    n_clusters = partial_weights.shape[1]
    for b in prange(block_starts.shape[0] - 1):
        sums = partial_sums[b]
        weights = partial_weights[b]
        sums[:] = 0.0
        weights[:] = 0.0
        start, stop = block_starts[b], block_starts[b + 1]
        # Rows of the block grouped by label, in row order within a label.
        first = np.zeros(n_clusters + 1, dtype=np.int64)
        for i in range(start, stop):
            first[labels[i] + 1] += 1
        for j in range(n_clusters):
            first[j + 1] += first[j]
        order = np.empty(stop - start, dtype=np.int64)
        for i in range(start, stop):
            label = labels[i]
            order[first[label]] = i
            first[label] += 1
        for r in range(stop - start):
            i = order[r]
            w = np.float64(sample_weight[i])
            label = labels[i]
            weights[label] += w
            for p in range(indptr[i], indptr[i + 1]):
                sums[label, indices[p]] += w * np.float64(data[p])


@njit(parallel=True, cache=CACHE)
def sparse_inertia(
    data,
    indices,
    indptr,
    sample_weight,
    centers,
    norm_hi,
    norm_lo,
    labels,
    block_starts,
):
    """Weighted sum of ``sparse_squared_distance`` to the assigned centers.

    Accumulated in float64 per block, the blocks added in order.

    IN data, indices, indptr, sample_weight, centers, norm_hi, norm_lo,
    labels, block_starts.  Returns a float64.
    """
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros(n_blocks)
    for b in prange(n_blocks):
        acc = 0.0
        for i in range(block_starts[b], block_starts[b + 1]):
            distance = sparse_squared_distance(
                data,
                indices,
                indptr[i],
                indptr[i + 1],
                centers,
                labels[i],
                norm_hi,
                norm_lo,
            )
            acc += np.float64(sample_weight[i]) * distance
        partial[b] = acc
    total = 0.0
    for b in range(n_blocks):
        total += partial[b]
    return total


@njit(parallel=True, cache=CACHE)
def sparse_pairwise_distances(data, indices, indptr, centers, norm_hi, norm_lo, out):
    """Euclidean distance from every row to every center (``transform``).

    IN data, indices, indptr, centers (k, d), norm_hi, norm_lo; OUT out (n, k)
    in any float dtype.
    """
    for i in prange(indptr.shape[0] - 1):
        for j in range(centers.shape[0]):
            out[i, j] = np.sqrt(
                sparse_squared_distance(
                    data,
                    indices,
                    indptr[i],
                    indptr[i + 1],
                    centers,
                    j,
                    norm_hi,
                    norm_lo,
                )
            )


@njit(cache=CACHE)
def sparse_relocate_empty_clusters(
    data,
    indices,
    indptr,
    sample_weight,
    centers_old,
    norm_hi,
    norm_lo,
    labels,
    sums,
    weights,
):
    """Move each empty cluster onto one of the rows farthest from their center.

    ``common.relocate_empty_clusters`` for CSR rows: the i-th empty cluster
    (in index order) takes the i-th farthest row (``sparse_squared_distance``
    to its assigned old center; ties to the lower row index), and that row's
    weighted values and weight leave its old cluster's sums.  Nothing moves
    when every row sits on its center.

    IN data, indices, indptr, sample_weight, centers_old, norm_hi, norm_lo
    (of ``centers_old``), labels; INOUT sums (k, d) float64, weights (k,)
    float64.  Returns the number of clusters relocated.
    """
    empty = np.flatnonzero(weights == 0.0)
    n_empty = empty.shape[0]
    if n_empty == 0:
        return 0
    n_samples = indptr.shape[0] - 1
    distances = np.empty(n_samples)
    for i in range(n_samples):
        distances[i] = -sparse_squared_distance(
            data,
            indices,
            indptr[i],
            indptr[i + 1],
            centers_old,
            labels[i],
            norm_hi,
            norm_lo,
        )
    if distances.min() == 0.0:
        return 0
    farthest = np.argsort(distances, kind="mergesort")
    for rank in range(n_empty):
        new_cluster = empty[rank]
        point = farthest[rank]
        weight = np.float64(sample_weight[point])
        old_cluster = labels[point]
        sums[new_cluster, :] = 0.0
        for p in range(indptr[point], indptr[point + 1]):
            contribution = np.float64(data[p]) * weight
            sums[old_cluster, indices[p]] -= contribution
            sums[new_cluster, indices[p]] = contribution
        weights[new_cluster] = weight
        weights[old_cluster] -= weight
    return n_empty
