"""Direct Lloyd kernels that score centers by dot products, one fused pass over X.

The BLAS path (``drivers.gemm``) finds the nearest center from the expanded
form ``|x - m|^2 - 2 (x - m).(c - m) + |c - m|^2``: one multiply-add per
(row, center, feature) instead of a difference and a multiply-add.  But it
reads X twice per pass (the product, then the sums), keeps a transposed copy
of X, and at small k BLAS runs far below its peak: at 16 MiB of float32 with
k = 8 the whole BLAS pass took 2-4 times the direct kernels' time on both AMD
machines we measured.  These kernels compute the same dot products
themselves, tile by tile of rows, and finish each block's labels and sums
while its rows are in cache:

* each tile of rows is copied less the reference point ``m`` (the centers'
  mean, so the expanded form does not cancel for data far from the origin)
  with each row's distance from ``m``, which scales the error bound;
* ``tile_dots`` multiplies the tile by the shifted centers, two rows by four
  centers at a time, summed along the features in whatever order LLVM
  vectorises best (``_config.SCORE_FASTMATH``); with few features and
  enough centers (``outer_tiles``), ``tile_dots_by_rows`` does instead, from
  a transposed tile, vectorised along the rows: at d = 16 the sums along so
  few features cost more to finish than to compute; and in float32 from
  d = 32 to 128 (``panel_tiles``), ``panels.panel_dots`` does, keeping a block of
  four rows by sixteen centers in registers, with no sums along the features
  to finish either;
* ``lloyd.nearest_from_dots`` turns the dot products into labels, sending
  every row whose runner-up lies within the scores' rounding-error bound to
  ``squared_distance``, exactly as the BLAS path does;
* the block's sums are added in row order (``common.sum_block``).

So the labels equal every other kernel's bit for bit, and so do the sums.
The reference may be any point: it changes which rows get re-checked, never
a label.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from .._config import CACHE, DOT_TILE_BYTES, FASTMATH, SCORE_FASTMATH
from .common import sum_block
from .distances import squared_distance
from .lloyd import nearest_from_dots
from .panels import PANEL_WIDTH, pack_panels, panel_dots, transpose_panel_dots


@njit(fastmath=FASTMATH, cache=CACHE)
def centers_expansion(centers):
    """What the dot-product scores need of the centers.

    Returns ``(reference, shifted, half_norms, tie_margin)``: the centers'
    mean m in their dtype, ``c - m`` rounded to it, ``|c - m|^2 / 2`` summed
    in float64 and rounded to it (as ``drivers.gemm.gemm_expansion`` does for
    the BLAS path, whose error analysis ``lloyd.settle_near_ties`` covers), and
    the margin per unit of ``|x - m| |c - m|``, 4 (d + 2) eps.
    """
    n_clusters, n_features = centers.shape
    mean = np.zeros(n_features)
    for j in range(n_clusters):
        for f in range(n_features):
            mean[f] += np.float64(centers[j, f])
    reference = np.empty(n_features, dtype=centers.dtype)
    for f in range(n_features):
        reference[f] = mean[f] / n_clusters
    shifted = np.empty_like(centers)
    half_norms = np.empty(n_clusters, dtype=centers.dtype)
    for j in range(n_clusters):
        acc = 0.0
        for f in range(n_features):
            value = centers[j, f] - reference[f]
            shifted[j, f] = value
            acc += np.float64(value) * np.float64(value)
        half_norms[j] = 0.5 * acc
    tie_margin = 4.0 * (n_features + 2) * np.finfo(centers.dtype).eps
    return reference, shifted, half_norms, tie_margin


# Plain Python when called from Python (``dispatch`` asks without compiling),
# compiled into the kernels that call them.
@register_jitable
def tile_rows(n_clusters, itemsize):
    """Rows per tile: the tile's dot products fit ``DOT_TILE_BYTES``, 16 to 256 rows."""
    return max(16, min(256, DOT_TILE_BYTES // (n_clusters * itemsize)))


@njit(fastmath=SCORE_FASTMATH)
def centred_tile(X, start, stop, reference, rows, radius, transposed):
    """Rows ``start:stop`` of X less the reference, and their distances from it.

    ``rows[r]`` (``rows[:, r]`` if ``transposed``) is ``X[start + r] -
    reference`` rounded to X's dtype, as the BLAS path's centred copy;
    ``radius[r]`` is ``|X[start + r] - reference|`` from float64 differences,
    as ``lloyd.distances_to_reference`` computes it (a sum of squares, so any
    order has the same error bound).

    IN X (n, d), start, stop, reference (d,), transposed; OUT rows (tile, d),
    or (d, tile) if transposed, in X's dtype, radius (tile,) float64.
    """
    for r in range(stop - start):
        acc = 0.0
        for f in range(X.shape[1]):
            if transposed:
                rows[f, r] = X[start + r, f] - reference[f]
            else:
                rows[r, f] = X[start + r, f] - reference[f]
            diff = np.float64(X[start + r, f]) - np.float64(reference[f])
            acc += diff * diff
        radius[r] = np.sqrt(acc)


@njit(fastmath=SCORE_FASTMATH)
def tile_dots(rows, n_rows, shifted, dots_t):
    """``dots_t[j, r] = rows[r] . shifted[j]`` for the first ``n_rows`` rows.

    Two rows by four centers per sweep over the features: each loaded value
    serves four (or two) multiply-adds, and the eight running sums vectorise
    along the features.  Summed in any order (``SCORE_FASTMATH``): these only
    propose labels, within the error bound that ``nearest_from_dots`` allows.

    IN rows (tile, d), n_rows, shifted (k, d); OUT dots_t (k, tile).
    """
    n_clusters, n_features = shifted.shape
    zero = rows.dtype.type(0.0)
    j = 0
    while j + 4 <= n_clusters:
        r = 0
        while r + 2 <= n_rows:
            a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = zero
            for f in range(n_features):
                x, y = rows[r, f], rows[r + 1, f]
                c0, c1 = shifted[j, f], shifted[j + 1, f]
                c2, c3 = shifted[j + 2, f], shifted[j + 3, f]
                a0 += x * c0
                a1 += x * c1
                a2 += x * c2
                a3 += x * c3
                b0 += y * c0
                b1 += y * c1
                b2 += y * c2
                b3 += y * c3
            dots_t[j, r], dots_t[j + 1, r] = a0, a1
            dots_t[j + 2, r], dots_t[j + 3, r] = a2, a3
            dots_t[j, r + 1], dots_t[j + 1, r + 1] = b0, b1
            dots_t[j + 2, r + 1], dots_t[j + 3, r + 1] = b2, b3
            r += 2
        if r < n_rows:
            a0 = a1 = a2 = a3 = zero
            for f in range(n_features):
                x = rows[r, f]
                a0 += x * shifted[j, f]
                a1 += x * shifted[j + 1, f]
                a2 += x * shifted[j + 2, f]
                a3 += x * shifted[j + 3, f]
            dots_t[j, r], dots_t[j + 1, r] = a0, a1
            dots_t[j + 2, r], dots_t[j + 3, r] = a2, a3
        j += 4
    for last in range(j, n_clusters):
        for r in range(n_rows):
            acc = zero
            for f in range(n_features):
                acc += rows[r, f] * shifted[last, f]
            dots_t[last, r] = acc


#: ``outer_tiles``: below this many features, and from this many centers
#: and tile rows, ``tile_dots_by_rows`` beats ``tile_dots``.  Single-thread
#: time of the tile copy and dots over 16 MiB of float32 on the Zen 3
#: machine (``tile_dots_by_rows`` / ``tile_dots``): 0.78 (16 x 32), 0.55
#: (16 x 128), 0.77 (32 x 128); but 1.46 (16 x 8), 1.10 (32 x 32), 1.10 (16
#: x 1024, 16-row tiles), and 1.0-6.5 at d >= 64, where the transposed copy
#: and the stores of four running rows of dot products cost more.
OUTER_MAX_FEATURES = 32
OUTER_MIN_CLUSTERS = 32
OUTER_MIN_TILE_ROWS = 64


@register_jitable
def outer_tiles(n_clusters, n_features, n_tile):
    """Whether ``tile_dots_by_rows`` (rather than ``tile_dots``) scores the tiles."""
    return (
        n_features < OUTER_MAX_FEATURES
        and n_clusters >= OUTER_MIN_CLUSTERS
        and n_tile >= OUTER_MIN_TILE_ROWS
    )


#: ``panel_tiles``: float32 tiles from this many features up to the next,
#: and from this many centers, are scored by ``panels.panel_dots``.  One
#: fused pass (2 threads, 16 MiB of X, median of three alternating runs of
#: the old and new code, each the best of seven calls), ``panel_dots`` /
#: ``tile_dots``: 0.75-0.86 at d = 32, 0.78-0.85 at d = 48, 0.82-0.91 at
#: d = 64, 0.89-0.93 at d = 128, for k = 16-256; but 0.96-1.0 at d = 256,
#: the same within noise, where a panel of 16 centers (16 KiB) shares the
#: first-level cache with the rows.  float64 gained nothing (0.92-1.18, one
#: core): ``tile_dots`` already sums four-lane vectors there nearly as fast.
PANEL_MIN_FEATURES = 32
PANEL_MAX_FEATURES = 128
PANEL_MIN_CLUSTERS = 16


@register_jitable
def panel_tiles(n_clusters, n_features, itemsize):
    """Whether ``panels.panel_dots`` (rather than ``tile_dots``) scores the tiles."""
    return (
        itemsize == 4
        and PANEL_MIN_FEATURES <= n_features <= PANEL_MAX_FEATURES
        and n_clusters >= PANEL_MIN_CLUSTERS
    )


@njit(fastmath=SCORE_FASTMATH)
def tile_dots_by_rows(rows_t, n_rows, shifted, dots_t):
    """``tile_dots`` from a transposed tile, vectorised along its rows.

    For four centers at a time, each sweep over the tile's rows adds four
    features' products to four running rows of ``dots_t``: sixteen
    multiply-adds per row for four loads and four stores of the running sums,
    and no sums along the features left to finish.  Any summation order
    (``SCORE_FASTMATH``), as ``tile_dots``.

    IN rows_t (d, tile), n_rows, shifted (k, d); OUT dots_t (k, tile).
    """
    n_clusters, n_features = shifted.shape
    zero = rows_t.dtype.type(0.0)
    for j in range(n_clusters):
        for r in range(n_rows):
            dots_t[j, r] = zero
    by_four = n_features - n_features % 4
    j = 0
    while j + 4 <= n_clusters:
        for f in range(0, by_four, 4):
            a0, a1 = shifted[j, f], shifted[j, f + 1]
            a2, a3 = shifted[j, f + 2], shifted[j, f + 3]
            b0, b1 = shifted[j + 1, f], shifted[j + 1, f + 1]
            b2, b3 = shifted[j + 1, f + 2], shifted[j + 1, f + 3]
            c0, c1 = shifted[j + 2, f], shifted[j + 2, f + 1]
            c2, c3 = shifted[j + 2, f + 2], shifted[j + 2, f + 3]
            e0, e1 = shifted[j + 3, f], shifted[j + 3, f + 1]
            e2, e3 = shifted[j + 3, f + 2], shifted[j + 3, f + 3]
            for r in range(n_rows):
                x0, x1 = rows_t[f, r], rows_t[f + 1, r]
                x2, x3 = rows_t[f + 2, r], rows_t[f + 3, r]
                dots_t[j, r] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
                dots_t[j + 1, r] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3
                dots_t[j + 2, r] += c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3
                dots_t[j + 3, r] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3
        for f in range(by_four, n_features):
            a, b = shifted[j, f], shifted[j + 1, f]
            c, e = shifted[j + 2, f], shifted[j + 3, f]
            for r in range(n_rows):
                x = rows_t[f, r]
                dots_t[j, r] += a * x
                dots_t[j + 1, r] += b * x
                dots_t[j + 2, r] += c * x
                dots_t[j + 3, r] += e * x
        j += 4
    for last in range(j, n_clusters):
        for f in range(n_features):
            a = shifted[last, f]
            for r in range(n_rows):
                dots_t[last, r] += a * rows_t[f, r]


@njit(fastmath=FASTMATH)
def centers_scoring(centers, itemsize):
    """What ``nearest_in_block`` needs of the centers, once per pass.

    ``centers_expansion(centers)`` and ``panels``: its shifted centers packed
    by ``panels.pack_panels`` if ``panel_tiles`` chooses them (else empty).
    """
    reference, shifted, half_norms, tie_margin = centers_expansion(centers)
    n_clusters, n_features = centers.shape
    if panel_tiles(n_clusters, n_features, itemsize):
        panels = pack_panels(shifted, PANEL_WIDTH)
    else:
        panels = np.empty((0, 0, PANEL_WIDTH), dtype=centers.dtype)
    return reference, shifted, half_norms, tie_margin, panels


@njit(inline="always")
def nearest_in_block(X, start_block, stop_block, centers, scoring, labels):
    """Exact labels of rows ``start_block:stop_block``, tile by tile.

    IN X, start_block, stop_block, centers, scoring (``centers_scoring``);
    OUT labels (the block's rows).
    """
    reference, shifted, half_norms, tie_margin, panels = scoring
    n_clusters, n_features = centers.shape
    n_tile = tile_rows(n_clusters, X.itemsize)
    by_rows = outer_tiles(n_clusters, n_features, n_tile)
    by_panels = panels.shape[0] > 0  # packed only if ``panel_tiles``
    # One buffer for either layout of the tile (rows, or features x rows).
    tile = np.empty(n_tile * n_features, dtype=X.dtype)
    rows = tile.reshape((n_tile, n_features))
    rows_t = tile.reshape((n_features, n_tile))
    radius = np.empty(n_tile)
    dots_t = np.empty((n_clusters, n_tile), dtype=X.dtype)
    # The panels' products, row-major, before they are turned around (no
    # columns when the tiles are not scored by panels).
    dots_by_row = np.empty((n_tile, panels.shape[0] * panels.shape[2]), dtype=X.dtype)
    for start in range(start_block, stop_block, n_tile):
        stop = min(start + n_tile, stop_block)
        n_rows = stop - start
        if by_rows:
            centred_tile(X, start, stop, reference, rows_t, radius, True)
            tile_dots_by_rows(rows_t, n_rows, shifted, dots_t)
        elif by_panels:
            centred_tile(X, start, stop, reference, rows, radius, False)
            panel_dots(rows, n_rows, panels, dots_by_row)
            transpose_panel_dots(dots_by_row, n_rows, n_clusters, dots_t)
        else:
            centred_tile(X, start, stop, reference, rows, radius, False)
            tile_dots(rows, n_rows, shifted, dots_t)
        # The tile's own rows of X, so that row r of the tile is row r here.
        tile_labels, _ = nearest_from_dots(
            X[start:stop],
            centers,
            dots_t[:, :n_rows],
            half_norms,
            tie_margin,
            radius,
            0,
        )
        # Element by element: a slice assignment would compile NumPy's
        # shape-mismatch error message, seconds of compile for nothing.
        for r in range(n_rows):
            labels[start + r] = tile_labels[r]


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def dots_pass(
    X,
    sample_weight,
    centers,
    block_starts,
    labels,
    partial_sums,
    partial_weights,
    min_sq_dist,
    accumulate,
):
    """Lloyd's pass by dot products over fixed blocks, in parallel.

    With ``accumulate``, each block's partial sums (``common.sum_block``),
    else each row's exact squared distance to its center
    (``squared_distance``).  One kernel for both, so each dtype compiles
    once: a parallel loop compiles the whole body it calls, and this one took
    7-8 s per copy.  IN X (n, d), sample_weight (n,) or empty, centers (k,
    d), block_starts (n_blocks + 1,), accumulate; OUT labels (n,) int32 and
    either partial_sums (n_blocks, k, d) float64 and partial_weights
    (n_blocks, k) float64 or min_sq_dist (n,) in X's dtype.
    """
    scoring = centers_scoring(centers, X.itemsize)
    for b in prange(block_starts.shape[0] - 1):
        start, stop = block_starts[b], block_starts[b + 1]
        nearest_in_block(X, start, stop, centers, scoring, labels)
        if accumulate:
            sum_block(
                X,
                sample_weight,
                labels,
                start,
                stop,
                partial_sums[b],
                partial_weights[b],
            )
        else:
            for i in range(start, stop):
                min_sq_dist[i] = squared_distance(X, i, centers, labels[i])


def _accumulate_args(X, sample_weight, centers, block_starts, labels, sums, weights):
    no_distances = np.empty(0, dtype=X.dtype)
    return (X, sample_weight, centers, block_starts, labels, sums, weights) + (
        no_distances,
        True,
    )


def _assign_args(X, centers, block_starts, labels, min_sq_dist):
    no_weights = np.empty(0, dtype=X.dtype)
    no_sums = (np.empty((0, 0, 0)), np.empty((0, 0)))
    return (X, no_weights, centers, block_starts, labels, *no_sums, min_sq_dist, False)


def dots_assign_accumulate(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    block_starts: np.ndarray,
    labels: np.ndarray,
    partial_sums: np.ndarray,
    partial_weights: np.ndarray,
) -> None:
    """Fused assignment and accumulation over fixed blocks, by dot products.

    The same contract and outputs as ``lloyd.lloyd_assign_accumulate``, bit
    for bit (``dots_pass`` with ``accumulate``).
    """
    sums = (partial_sums, partial_weights)
    dots_pass(*_accumulate_args(X, sample_weight, centers, block_starts, labels, *sums))


def dots_assign(
    X: np.ndarray,
    centers: np.ndarray,
    block_starts: np.ndarray,
    labels: np.ndarray,
    min_sq_dist: np.ndarray,
) -> None:
    """Nearest center of every row, and its exact squared distance.

    The same outputs as ``distances.assign_nearest``, bit for bit
    (``dots_pass`` without ``accumulate``).
    """
    dots_pass(*_assign_args(X, centers, block_starts, labels, min_sq_dist))


# What ``_jit`` asks about a launcher: the dispatcher it runs (``func``, as
# on a ``functools.partial``) and that dispatcher's arguments for a call.
dots_assign_accumulate.func = dots_pass
dots_assign_accumulate.kernel_args = _accumulate_args
dots_assign.func = dots_pass
dots_assign.kernel_args = _assign_args
