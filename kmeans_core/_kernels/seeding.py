"""Distance updates for k-means++ seeding.

The random draws happen in Python (``kmeans_core.init``); these kernels only
score candidates and update each sample's distance to its nearest chosen seed.
Scoring and updating each read X once, and neither needs an n x n_candidates
matrix; the caller may pass one to keep the scoring pass's distances
(``init._DirectScorer`` does where that costs at most a quarter of X's memory).
Rows are handled in tiles transposed to features x rows
(``distances.transpose_rows``), so the distance loops run over samples and
vectorise; each distance is still summed in feature order and equals
``squared_distance``.  Wide rows can be transposed once for the whole seeding
(``transposed_tiles``).  For high d, when that copy is not allowed,
``init_blas.BlasScorer`` has BLAS compute the dot products and
``potentials_from_dots`` / ``lower_from_dots`` finish them in one pass each.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, MIN_BLOCK_ROWS, TILE_ROWS
from .distances import (
    squared_distances_in_tile,
    squared_distances_in_tile_to_two,
    transpose_rows,
)

#: ``_point_distances`` reads rows of at least this many features as they lie,
#: four rows at a time, rather than from tiles transposed to features x rows.
#: Both sum each distance in feature order, so the values are the same.  One
#: call over 32 MiB (2 threads, best of 15, two runs), row-major /
#: transposed: 0.42-0.92 at d = 8, 0.37-0.96 from d = 16 to 256 and 0.20-0.31
#: at d = 512, where each transposed tile was a strided copy; 0.74-1.03 at d =
#: 4 and 5, and 1.05-1.42 at d = 1 to 3, where four rows' sums leave vector
#: lanes idle that the transposed tile fills.
POINT_ROWS_MIN_FEATURES = 8


@njit(inline="always", fastmath=FASTMATH)
def _row_distances_to_point(X, start, stop, point, dist):
    """``dist[r] = |X[start + r] - point[0]|^2`` for the rows ``start:stop``.

    Four rows at a time: their four sums are independent chains, so the
    additions of one row need not wait for each other's results.  The last
    group repeats its final row in the missing places.

    IN X (n, d), start, stop, point (1, d); OUT dist (the first stop - start).
    """
    n_features = X.shape[1]
    zero = X.dtype.type(0.0)
    last = stop - 1
    for i in range(start, stop, 4):
        i1, i2, i3 = min(i + 1, last), min(i + 2, last), min(i + 3, last)
        s0 = s1 = s2 = s3 = zero
        for f in range(n_features):
            c = point[0, f]
            d0 = X[i, f] - c
            s0 += d0 * d0
            d1 = X[i1, f] - c
            s1 += d1 * d1
            d2 = X[i2, f] - c
            s2 += d2 * d2
            d3 = X[i3, f] - c
            s3 += d3 * d3
        dist[i - start] = s0
        dist[i1 - start] = s1
        dist[i2 - start] = s2
        dist[i3 - start] = s3


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def _point_distances(X, point, out, keep_smaller):
    """Squared distance from every row of X to one point, into ``out``.

    With ``keep_smaller`` an entry of ``out`` is only ever lowered.

    IN X (n, d), point (1, d), keep_smaller; OUT/INOUT out (n,) float64.
    """
    n_samples, n_features = X.shape
    by_rows = n_features >= POINT_ROWS_MIN_FEATURES
    n_chunks = -(-n_samples // MIN_BLOCK_ROWS)
    for chunk in prange(n_chunks):
        xt = np.empty((0 if by_rows else n_features, TILE_ROWS), dtype=X.dtype)
        dist = np.empty(TILE_ROWS, dtype=X.dtype)
        chunk_stop = min(n_samples, (chunk + 1) * MIN_BLOCK_ROWS)
        for start in range(chunk * MIN_BLOCK_ROWS, chunk_stop, TILE_ROWS):
            stop = min(start + TILE_ROWS, chunk_stop)
            if by_rows:
                _row_distances_to_point(X, start, stop, point, dist)
            else:
                transpose_rows(X, start, stop, xt)
                squared_distances_in_tile(xt, stop - start, point, 0, dist)
            for t in range(stop - start):
                d = np.float64(dist[t])
                if not keep_smaller or d < out[start + t]:
                    out[start + t] = d


@njit(cache=CACHE)
def distances_to_point(X, point, out):
    """Squared distance from every row of X to one point.

    IN X (n, d), point (1, d); OUT out (n,) float64.
    """
    _point_distances(X, point, out, False)


@njit(inline="always", fastmath=FASTMATH)
def add_potentials(dist, n_rows, closest, sample_weight, start, total):
    """``total`` plus ``w * min(closest, dist)`` over a tile's rows, in row order.

    Shared by the generic and the per-d scoring kernels, so both add the same
    numbers in the same order.

    IN dist (the tile's squared distances to one candidate), n_rows, closest,
    sample_weight, start (the tile's first row), total.  Returns the new total.
    """
    for t in range(n_rows):
        d = np.float64(dist[t])
        current = closest[start + t]
        total += np.float64(sample_weight[start + t]) * (d if d < current else current)
    return total


@njit(inline="always")
def sum_block_partials(partial, out):
    """``out[c]`` = the blocks' ``partial[:, c]`` added in block order."""
    for c in range(partial.shape[1]):
        total = 0.0
        for b in range(partial.shape[0]):
            total += partial[b, c]
        out[c] = total


@njit(inline="always", fastmath=FASTMATH)
def score_tile(
    xt, n_rows, start, candidates, closest, sample_weight, dist, distances, partial
):
    """Add one tile's potentials to ``partial``, two candidates at a time.

    Shared by the scoring kernels that transpose each tile as they go and by
    the one that reads tiles transposed beforehand, so both compute the same
    distances and add them in the same order.  Candidates go in pairs through
    ``squared_distances_in_tile_to_two`` (the same distances as one at a time)
    and an odd last one alone.

    IN xt (d, TILE_ROWS) holding rows ``start:start + n_rows`` as features x
    rows, candidates (L, d), closest, sample_weight; OUT (scratch) dist
    (2, TILE_ROWS); OUT distances (L, n) or (0, n) (the tile's columns, when it
    has rows); INOUT partial (L,) float64.
    """
    n_candidates = candidates.shape[0]
    c = 0
    while c < n_candidates:
        if c + 1 < n_candidates:
            squared_distances_in_tile_to_two(
                xt, n_rows, candidates, c, c + 1, dist[0], dist[1]
            )
            n_scored = 2
        else:
            squared_distances_in_tile(xt, n_rows, candidates, c, dist[0])
            n_scored = 1
        for q in range(n_scored):
            if distances.shape[0] > 0:
                for t in range(n_rows):
                    distances[c + q, start + t] = dist[q, t]
            partial[c + q] = add_potentials(
                dist[q], n_rows, closest, sample_weight, start, partial[c + q]
            )
        c += n_scored


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def candidate_potentials(
    X, sample_weight, candidates, closest, block_starts, out, distances
):
    """Weighted potential that each candidate seed would leave.

    ``out[c] = sum_i w_i * min(closest_i, |x_i - candidate_c|^2)``, accumulated
    per block in row order and added in block order, so the choice does not
    depend on the thread count.  When ``distances`` has L rows, the squared
    distances are also stored there, so the chosen candidate's can lower
    ``closest`` without being computed again; pass a (0, n) array to skip that.
    ``unrolled.UNROLLED_POTENTIALS`` holds the same kernel compiled per d, and
    ``tiled_candidate_potentials`` the same kernel on pre-transposed tiles.

    IN X (n, d), sample_weight (n,), candidates (L, d), closest (n,) float64,
    block_starts; OUT out (L,) float64, distances (L, n) or (0, n) in X's dtype.
    """
    n_features = X.shape[1]
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros((n_blocks, candidates.shape[0]), dtype=np.float64)
    for b in prange(n_blocks):
        xt = np.empty((n_features, TILE_ROWS), dtype=X.dtype)
        dist = np.empty((2, TILE_ROWS), dtype=X.dtype)
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            transpose_rows(X, start, stop, xt)
            score_tile(
                xt,
                stop - start,
                start,
                candidates,
                closest,
                sample_weight,
                dist,
                distances,
                partial[b],
            )
    sum_block_partials(partial, out)


@njit(parallel=True, cache=CACHE)
def transposed_tiles(X, block_starts, tile_starts, tiles):
    """Copy X into tiles of TILE_ROWS rows, each stored features x rows.

    Block b's rows fill tiles ``tile_starts[b]:tile_starts[b + 1]`` from the
    block's first row on, as the scoring kernels cut them; a block's last tile
    may be partly filled (the rest is never read).  Seeding reads X once per
    chosen center, and transposing each tile on every pass took about as long
    as scoring it: with the copy made once, a scoring pass took 1.7-2.0
    against 2.3-3.1 ms at 200000 x 32 with 6 candidates and 100000 x 64 with
    7 (float32, best of 15-20 interleaved, in several runs).

    IN X (n, d), block_starts (n_blocks + 1,), tile_starts (n_blocks + 1,)
    (``_blocks.tile_starts``); OUT tiles (n_tiles, d, TILE_ROWS).
    """
    for b in prange(block_starts.shape[0] - 1):
        tile = tile_starts[b]
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            transpose_rows(X, start, stop, tiles[tile])
            tile += 1


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def tiled_candidate_potentials(
    tiles, tile_starts, sample_weight, candidates, closest, block_starts, out, distances
):
    """``candidate_potentials`` on X already cut into transposed tiles.

    The same distances, added in the same order: the outputs are identical.

    IN tiles, tile_starts (from ``transposed_tiles``), sample_weight,
    candidates, closest, block_starts; OUT out, distances (as in
    ``candidate_potentials``).
    """
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros((n_blocks, candidates.shape[0]), dtype=np.float64)
    for b in prange(n_blocks):
        dist = np.empty((2, TILE_ROWS), dtype=tiles.dtype)
        tile = tile_starts[b]
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            score_tile(
                tiles[tile],
                stop - start,
                start,
                candidates,
                closest,
                sample_weight,
                dist,
                distances,
                partial[b],
            )
            tile += 1
    sum_block_partials(partial, out)


@njit(cache=CACHE)
def weighted_index(weights, total, uniform):
    """The row that ``RandomState.choice(n, p=weights / total)`` picks for ``uniform``.

    NumPy's legacy ``choice`` with ``p`` takes one ``random_sample()`` and
    returns the first index whose normalised running sum of ``p`` exceeds it;
    this computes the same divisions and additions in the same order (no
    fast-math, which would turn the divisions into multiplications), so it
    picks the same row.  One compiled call instead of ``choice``'s dozen
    NumPy operations: 17 us of a 73 us Mall-sized fit.

    The running sums are computed twice, once for their last value and once
    to search, rather than stored: the same numbers without an n-long array.

    IN weights (n,) float64, non-negative; total, their sum (> 0, finite);
    uniform in [0, 1).  Returns the index.
    """
    n_samples = weights.shape[0]
    last = 0.0
    for i in range(n_samples):
        last += weights[i] / total
    running = 0.0
    for i in range(n_samples):
        running += weights[i] / total
        if running / last > uniform:
            return i
    return n_samples - 1


@njit(cache=CACHE)
def draw_candidates(weights, closest, thresholds, out):
    """Rows drawn with probability proportional to ``weights * closest``.

    ``out[t]`` is the first row whose running sum of ``weights * closest``
    reaches ``thresholds[t]``, clipped to the last row: exactly
    ``np.searchsorted(np.cumsum(weights * closest), thresholds)`` (the same
    products, added in the same order), without writing the n running sums,
    and stopping at the row where the largest threshold is reached.

    IN weights (n,) float64, closest (n,) float64, thresholds (L,) float64;
    OUT out (L,) int64.
    """
    n_samples = closest.shape[0]
    n_thresholds = thresholds.shape[0]
    # The thresholds' order by value, by insertion: there are a handful, and
    # Numba's ``argsort`` cost 2-3 s of compile time.  Which of two equal
    # thresholds comes first does not change ``out``.
    order = np.empty(n_thresholds, dtype=np.int64)
    for t in range(n_thresholds):
        p = t
        while p > 0 and thresholds[order[p - 1]] > thresholds[t]:
            order[p] = order[p - 1]
            p -= 1
        order[p] = t
    found = 0
    running = 0.0
    for i in range(n_samples):
        running += weights[i] * closest[i]
        while found < n_thresholds and running >= thresholds[order[found]]:
            out[order[found]] = i
            found += 1
        if found == n_thresholds:
            return
    while found < n_thresholds:
        out[order[found]] = n_samples - 1
        found += 1


@njit(cache=CACHE)
def update_closest(X, point, closest):
    """Lower each sample's nearest-seed distance with a newly chosen seed.

    IN X (n, d), point (1, d); INOUT closest (n,) float64.
    """
    _point_distances(X, point, closest, True)


@njit(inline="always", fastmath=FASTMATH)
def _expanded_distance(dot, offset, row_norm, norm):
    """``|x - m|^2 - 2 (x . c' - m . c') + |c'|^2`` in float64, clipped at 0.

    The operations run in a fixed order, so the scoring pass, ``lower`` and
    ``distances_to`` all get the same number for the same row and candidate.
    """
    value = (np.float64(dot) - offset) * -2.0 + row_norm + norm
    return value if value > 0.0 else 0.0


@njit(nogil=True, fastmath=FASTMATH, cache=CACHE)
def potentials_from_dots(dots, offsets, norms, row_norms, closest, sample_weight, out):
    """Weighted potentials of L candidates over one slab, from BLAS dot products.

    ``dots[r, c]`` is ``x . (candidate_c - m)`` (m the data mean) for the slab's
    row r, from which ``_expanded_distance`` gives the squared distance; each
    row adds ``w * min(closest, distance)`` to ``out[c]``, in row order.  One
    pass over the slab's n x L products replaces several NumPy passes over a
    float64 copy.  Serial and ``nogil``: the caller runs one slab per worker
    thread, with fixed slab boundaries, and adds the slabs in order.

    IN dots (rows, L), offsets (L,) ``m . c'``, norms (L,) ``|c'|^2``,
    row_norms (rows,) ``|x - m|^2``, closest (rows,) float64, sample_weight
    (rows,); OUT out (L,) float64.
    """
    n_candidates = dots.shape[1]
    out[:] = 0.0
    for r in range(dots.shape[0]):
        weight = np.float64(sample_weight[r])
        current = closest[r]
        for c in range(n_candidates):
            dist = _expanded_distance(dots[r, c], offsets[c], row_norms[r], norms[c])
            out[c] += weight * (dist if dist < current else current)


@njit(nogil=True, fastmath=FASTMATH, cache=CACHE)
def lower_from_dots(dots, column, offset, norm, row_norms, closest):
    """Lower ``closest`` with one candidate's distances, from its dot products.

    Serial and ``nogil``, one slab per worker thread, like
    ``potentials_from_dots``.

    IN dots (rows, L), column (which candidate), offset, norm, row_norms
    (rows,); INOUT closest (rows,) float64 (pass inf to get the distances).
    """
    for r in range(dots.shape[0]):
        dist = _expanded_distance(dots[r, column], offset, row_norms[r], norm)
        if dist < closest[r]:
            closest[r] = dist
