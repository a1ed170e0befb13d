"""Direct Lloyd kernels that read rows as they are stored (mid and high d, small k).

The generic direct kernels (``lloyd.lloyd_assign_accumulate``,
``distances.assign_nearest``) transpose each tile of 64 rows so that their loops
run over samples and vectorise without reordering any sum.  At small k that
transpose, one scalar copy per value of X, costs more than the distances
themselves: at 32768 x 128 with k=4 (float32) a pass spent most of its time
there.  These kernels skip it.  For each row they compute a *score* per center,
the squared distance summed over the row's contiguous features with LLVM free
to reorder and fuse the sum (``_config.SCORE_FASTMATH``), so it vectorises
along the features.

A score only proposes the nearest center.  Scores and the exact distances of
``squared_distance`` (summed in feature order) are both within a relative
(d + 3) eps / 2 of the true squared distance, each summing non-negative terms,
so any center whose score lies within ``score_margin`` (twice that, both ways)
of the best score could be the exact nearest.  Rows with more than one such
candidate are decided by ``squared_distance`` over the candidates, ties to the
lower index; the others have only one candidate, which is then the exact
argmin.  So the labels equal every other kernel's bit for bit, and the sums
are added row by row in row order (``common.accumulate_row``), as the generic
kernel adds them.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE, FASTMATH, SCORE_FASTMATH, TILE_ROWS
from .common import accumulate_row
from .distances import squared_distance


@njit(fastmath=SCORE_FASTMATH)
def row_scores(X, start, stop, centers, scores):
    """Approximate squared distances of rows ``start:stop`` to every center.

    Summed in whatever order LLVM vectorises best; see the module docstring
    for what they may and may not be used for.

    IN X (n, d), start, stop (at most ``scores.shape[0]`` apart), centers
    (k, d); OUT scores (rows, k), in X's dtype.
    """
    n_clusters, n_features = centers.shape
    for i in range(start, stop):
        for j in range(n_clusters):
            acc = X.dtype.type(0.0)
            for f in range(n_features):
                diff = X[i, f] - centers[j, f]
                acc += diff * diff
            scores[i - start, j] = acc


def score_margin(dtype: np.dtype, n_features: int) -> tuple[float, float]:
    """``(relative, absolute)`` slack within which a score may hide the argmin.

    A center can be the exact nearest only if its score is at most
    ``best * relative + absolute``: the relative part is four times the
    (d + 3) eps / 2 bound of either sum, the absolute part covers squares
    that fall below the smallest normal number.
    """
    info = np.finfo(dtype)
    relative = 1.0 + 4.0 * (n_features + 4) * float(info.eps)
    absolute = 4.0 * (n_features + 1) * float(info.tiny)
    return relative, absolute


@njit(inline="always", fastmath=FASTMATH)
def nearest_from_scores(X, i, centers, scores, relative, absolute):
    """Exact nearest center of row ``i``, given its scores.

    Returns ``(label, exact)``: ``exact`` is True when the label was decided by
    ``squared_distance`` (more than one candidate), False when the best score
    had no rival within the margin.
    """
    n_clusters = scores.shape[0]
    best = scores[0]
    label = 0
    for j in range(1, n_clusters):
        if scores[j] < best:
            best = scores[j]
            label = j
    limit = best * relative + absolute
    n_candidates = 0
    for j in range(n_clusters):
        if scores[j] <= limit:
            n_candidates += 1
    if n_candidates == 1:
        return label, False
    best_sq = np.inf
    for j in range(n_clusters):
        if scores[j] <= limit:
            sq = squared_distance(X, i, centers, j)
            if sq < best_sq:
                best_sq = sq
                label = j
    return label, True


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def rows_assign_accumulate(
    X,
    sample_weight,
    centers,
    block_starts,
    labels,
    partial_sums,
    partial_weights,
    relative,
    absolute,
):
    """Fused assignment and accumulation over fixed blocks, rows as stored.

    The same contract and outputs as ``lloyd.lloyd_assign_accumulate``, bit
    for bit.  IN X (n, d), sample_weight (n,), centers (k, d), block_starts
    (n_blocks + 1,), relative, absolute (``score_margin``); OUT labels (n,)
    int32, partial_sums (n_blocks, k, d) float64, partial_weights (n_blocks,
    k) float64.
    """
    n_clusters = centers.shape[0]
    for b in prange(block_starts.shape[0] - 1):
        block_sums = partial_sums[b]
        block_weights = partial_weights[b]
        block_sums[:] = 0.0
        block_weights[:] = 0.0
        scores = np.empty((TILE_ROWS, n_clusters), dtype=X.dtype)
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            row_scores(X, start, stop, centers, scores)
            for i in range(start, stop):
                label, _ = nearest_from_scores(
                    X, i, centers, scores[i - start], relative, absolute
                )
                labels[i] = label
                accumulate_row(X, i, sample_weight[i], label, block_sums, block_weights)


@njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
def rows_assign(X, centers, block_starts, labels, min_sq_dist, relative, absolute):
    """Nearest center of every row, and its exact squared distance.

    The same outputs as ``distances.assign_nearest``, bit for bit: the
    distance is ``squared_distance``'s, computed for the label when the scores
    did not already compute it.  IN X (n, d), centers (k, d), block_starts,
    relative, absolute; OUT labels (n,) int32, min_sq_dist (n,) in X's dtype.
    """
    n_clusters = centers.shape[0]
    for b in prange(block_starts.shape[0] - 1):
        scores = np.empty((TILE_ROWS, n_clusters), dtype=X.dtype)
        for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
            stop = min(start + TILE_ROWS, block_starts[b + 1])
            row_scores(X, start, stop, centers, scores)
            for i in range(start, stop):
                label, _ = nearest_from_scores(
                    X, i, centers, scores[i - start], relative, absolute
                )
                labels[i] = label
                min_sq_dist[i] = squared_distance(X, i, centers, label)
