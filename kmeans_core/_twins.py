"""NumPy twins of the kernels that a fit on small data runs: the same numbers, no JIT.

A fit on data that fits one block (``_kernels/small.py``) compiles four kernels
on first use, seconds of work for a fit that then takes a fraction of a
millisecond.  Until they are compiled or in the disk cache, ``_jit.call`` runs
these twins instead.  Each does the very floating-point operations of its
kernel, in the same order, so the results are bit-identical:

* a squared distance is summed over the features in index order, in X's dtype
  (``distances.squared_distance``): a loop over features, each step one
  vectorised operation over every (row, center) pair;
* a kernel's running sum over rows (``total += w[i] * v[i]`` in row order) is
  ``np.cumsum``'s last element, which is defined as those very additions;
  per-cluster sums over rows in row order are ``np.bincount``'s, which adds
  each row's weight into its bin in row order;
* an argmin that keeps the first of equal values (a strict ``<`` scan) is
  ``np.argmin``; a stable sort by decreasing distance is ``np.argsort(-d,
  kind="stable")``;
* the kernels are compiled without ``reassoc`` or ``contract`` (``_config``),
  so they neither reorder sums nor fuse a multiply and an add, and their
  ``arcp`` divisions are written as multiplications by a reciprocal.

``tests/kmeans_core/test_twins.py`` checks every twin against its kernel, bit
for bit, on random data with ties, duplicate rows and empty clusters.  The twins
are about 20 times slower than the kernels: milliseconds, where the compile
they spare takes seconds.  Signatures and outputs mirror the kernels'.
"""

from __future__ import annotations

import numpy as np

from ._kernels.moments import CHUNK_ROWS


def _running_total(values: np.ndarray) -> float:
    """``total = 0.0; total += v`` over ``values`` in order (0.0 when empty)."""
    return 0.0 + float(np.cumsum(values)[-1]) if values.shape[0] else 0.0


def squared_distances(X: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n, m) squared distances from the rows of X to ``points``, in X's dtype."""
    out = np.subtract.outer(X[:, 0], points[:, 0])
    np.multiply(out, out, out=out)
    diff = np.empty_like(out)
    for f in range(1, X.shape[1]):
        np.subtract.outer(X[:, f], points[:, f], out=diff)
        np.multiply(diff, diff, out=diff)
        out += diff
    return out


def squared_distances_to_labels(
    X: np.ndarray, centers: np.ndarray, labels: np.ndarray
) -> np.ndarray:
    """Squared distance from each row to its own center, in X's dtype."""
    mine = centers[labels]
    out = X[:, 0] - mine[:, 0]
    np.multiply(out, out, out=out)
    for f in range(1, X.shape[1]):
        diff = X[:, f] - mine[:, f]
        out += diff * diff
    return out


def column_means(X: np.ndarray, out: np.ndarray) -> None:
    """Twin of ``moments.column_means``: chunk sums, added in chunk order, / n.

    IN X (n, d); OUT out (d,) float64.
    """
    total = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], CHUNK_ROWS):
        total += np.cumsum(X[start : start + CHUNK_ROWS], axis=0, dtype=np.float64)[-1]
    np.multiply(total, 1.0 / X.shape[0], out=out)


def column_variances(X: np.ndarray, mean: np.ndarray, out: np.ndarray) -> None:
    """Twin of ``moments.column_variances`` (around ``mean``).

    IN X (n, d), mean (d,) float64; OUT out (d,) float64.
    """
    total = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], CHUNK_ROWS):
        deviation = X[start : start + CHUNK_ROWS].astype(np.float64) - mean
        total += np.cumsum(deviation * deviation, axis=0)[-1]
    np.multiply(total, 1.0 / X.shape[0], out=out)


def column_moments_serial(
    X: np.ndarray, mean: np.ndarray, variance: np.ndarray
) -> None:
    """Twin of ``moments.column_moments_serial`` (the parallel kernels' numbers).

    IN X (n, d); OUT mean (d,), variance (d,) float64.
    """
    column_means(X, mean)
    column_variances(X, mean, variance)


def total_sum(X: np.ndarray) -> float:
    """Twin of ``moments.total_sum``: eight running sums per chunk, then the chunks.

    IN X (n, d), C-contiguous.  Returns the float64 sum (the kernel's bits,
    so the same data overflow, or not, in both).
    """
    flat = X.reshape(-1)
    chunk = CHUNK_ROWS * 8
    total = 0.0
    for start in range(0, flat.shape[0], chunk):
        values = flat[start : start + chunk].astype(np.float64)
        whole = values.shape[0] // 8 * 8
        lanes = np.zeros(8)
        if whole:
            lanes += np.cumsum(values[:whole].reshape(-1, 8), axis=0)[-1]
        lanes[0] = np.cumsum(np.concatenate((lanes[:1], values[whole:])))[-1]
        s0, s1, s2, s3, s4, s5, s6, s7 = lanes.tolist()
        total += ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    return total


def weighted_index(weights: np.ndarray, total: float, uniform: float) -> int:
    """Twin of ``seeding.weighted_index`` (no fast-math there: true divisions).

    IN weights (n,) float64, total (their sum), uniform in [0, 1).
    """
    running = np.cumsum(weights / total)
    above = np.flatnonzero(running / running[-1] > uniform)
    return int(above[0]) if above.shape[0] else weights.shape[0] - 1


def kmeans_plusplus_serial(
    X: np.ndarray,
    sample_weight: np.ndarray,
    first: int,
    uniforms: np.ndarray,
    centers: np.ndarray,
    indices: np.ndarray,
) -> None:
    """Twin of ``small.kmeans_plusplus_serial`` (greedy k-means++).

    IN X (n, d), sample_weight (n,), first, uniforms (k - 1, L);
    OUT centers (k, d), indices (k,).
    """
    n_samples = X.shape[0]
    weights = sample_weight.astype(np.float64)
    closest = squared_distances(X, X[first : first + 1])[:, 0].astype(np.float64)
    centers[0] = X[first]
    indices[0] = first
    potential = _running_total(weights * closest)
    for c in range(1, centers.shape[0]):
        # ``seeding.draw_candidates``: the first row whose running sum of
        # w * D^2 reaches each threshold, clipped to the last row.
        running = np.cumsum(weights * closest)
        thresholds = uniforms[c - 1] * potential
        candidates = np.searchsorted(running, thresholds, side="left")
        np.minimum(candidates, n_samples - 1, out=candidates)
        distances = squared_distances(X, X[candidates]).astype(np.float64)
        scores = weights[:, None] * np.minimum(distances, closest[:, None])
        potentials = 0.0 + np.cumsum(scores, axis=0)[-1]
        best = int(np.argmin(potentials))
        potential = float(potentials[best])
        np.minimum(closest, distances[:, best], out=closest)
        centers[c] = X[candidates[best]]
        indices[c] = candidates[best]


def relocate_empty_clusters(
    X: np.ndarray,
    weights_x: np.ndarray,
    centers_old: np.ndarray,
    labels: np.ndarray,
    sums: np.ndarray,
    weights: np.ndarray,
) -> int:
    """Twin of ``common.relocate_empty_clusters`` (rows of X weighted by weights_x).

    Returns the number of clusters relocated.
    """
    empty = np.flatnonzero(weights == 0.0)
    if not empty.shape[0]:
        return 0
    distances = squared_distances_to_labels(X, centers_old, labels)
    if not distances.any():
        return 0  # every point on its center: nothing moves (as the kernel)
    farthest = np.argsort(-distances.astype(np.float64), kind="stable")
    for rank, new_cluster in enumerate(empty):
        point = farthest[rank]
        weight = float(weights_x[point])
        old_cluster = labels[point]
        contribution = X[point].astype(np.float64) * weight
        sums[old_cluster] -= contribution
        sums[new_cluster] = contribution
        weights[new_cluster] = weight
        weights[old_cluster] -= weight
    return int(empty.shape[0])


def weighted_rows_t(X: np.ndarray, sample_weight: np.ndarray) -> np.ndarray:
    """``w * x`` in float64, features x rows: the terms of the per-cluster sums."""
    return np.ascontiguousarray(
        (X.astype(np.float64) * sample_weight.astype(np.float64)[:, np.newaxis]).T
    )


def finish_centers(
    sums: np.ndarray,
    weights: np.ndarray,
    centers_old: np.ndarray,
    centers_new: np.ndarray,
    center_shift: np.ndarray,
) -> None:
    """Twin of ``common.finish_centers``: true divisions, shifts in feature order."""
    filled = weights > 0.0
    centers_new[:] = centers_old
    centers_new[filled] = sums[filled] / weights[filled, np.newaxis]
    shift = np.zeros(weights.shape[0])
    for f in range(sums.shape[1]):
        diff = centers_new[:, f].astype(np.float64) - centers_old[:, f]
        shift += diff * diff
    np.sqrt(shift, out=center_shift)


def _assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return np.argmin(squared_distances(X, centers), axis=1).astype(np.int32)


def assign_nearest(
    X: np.ndarray,
    centers: np.ndarray,
    block_starts: np.ndarray,
    labels: np.ndarray,
    min_sq_dist: np.ndarray,
) -> None:
    """Twin of ``distances.assign_nearest`` (and the per-d ``assign`` kernels).

    IN X (n, d), centers (k, d), block_starts; OUT labels (n,) int32,
    min_sq_dist (n,) in X's dtype.
    """
    distances = squared_distances(X, centers)
    labels[:] = np.argmin(distances, axis=1)
    min_sq_dist[:] = distances[np.arange(X.shape[0]), labels]


def weighted_inertia(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    labels: np.ndarray,
    block_starts: np.ndarray,
) -> float:
    """Twin of ``common.weighted_inertia``: per-block sums, added in block order."""
    distances = squared_distances_to_labels(X, centers, labels)
    return weighted_total(distances, sample_weight, block_starts)


def weighted_total(
    values: np.ndarray, sample_weight: np.ndarray, block_starts: np.ndarray
) -> float:
    """Twin of ``common.weighted_total``: per-block sums, added in block order."""
    terms = sample_weight * values.astype(np.float64)
    total = 0.0
    for start, stop in zip(block_starts[:-1], block_starts[1:], strict=True):
        total += _running_total(terms[start:stop])
    return total


def pairwise_euclidean(X: np.ndarray, centers: np.ndarray, out: np.ndarray) -> None:
    """Twin of ``distances.pairwise_euclidean``: ``out`` (n, k) in X's dtype."""
    np.sqrt(squared_distances(X, centers), out=out)


def lloyd_serial(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    max_iter: int,
    tol: float,
    labels: np.ndarray,
) -> tuple[int, bool, float]:
    """Twin of ``small.lloyd_serial``: a whole Lloyd run.

    IN X, sample_weight, max_iter, tol; INOUT centers (k, d); OUT labels (n,).
    Returns (n_iter, converged, inertia).
    """
    n_clusters, n_features = centers.shape
    weights_x = sample_weight.astype(np.float64)
    weighted_rows = weighted_rows_t(X, sample_weight)
    labels_old = np.full(X.shape[0], -1, dtype=np.int32)
    sums = np.empty((n_clusters, n_features))
    centers_new = np.empty_like(centers)
    shift = np.empty(n_clusters)
    strict = converged = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        labels[:] = _assign(X, centers)
        # ``common.sum_block``: w * x added per cluster in row order.
        weights = np.bincount(labels, weights=weights_x, minlength=n_clusters)
        for f in range(n_features):
            sums[:, f] = np.bincount(
                labels, weights=weighted_rows[f], minlength=n_clusters
            )
        relocate_empty_clusters(X, weights_x, centers, labels, sums, weights)
        finish_centers(sums, weights, centers, centers_new, shift)
        centers[:] = centers_new
        if np.array_equal(labels, labels_old):
            strict = converged = True
            break
        if _running_total(shift * shift) <= tol:
            converged = True
            break
        labels_old[:] = labels
    if not strict:
        labels[:] = _assign(X, centers)
    distances = squared_distances_to_labels(X, centers, labels).astype(np.float64)
    inertia = _running_total(sample_weight * distances)
    return n_iter, converged, inertia
