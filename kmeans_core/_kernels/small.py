"""Whole runs in one compiled call, for data that fits in a single block.

For a few hundred rows the work per iteration is microseconds, and calling
half a dozen kernels from a Python loop would cost more than the arithmetic.
These kernels run k-means++ seeding or a complete Lloyd run without returning
to Python.  They follow the same steps, in the same order, as the block-parallel
path (``kmeans_core.init`` and ``kmeans_core.drivers``), from the same helper
functions; random numbers are still drawn in Python and passed in.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._config import CACHE, FASTMATH, TILE_ROWS
from .common import copy_row, finish_centers, relocate_empty_clusters, sum_block
from .distances import nearest_in_tile, squared_distance, tile_scratch
from .seeding import draw_candidates


@njit(fastmath=FASTMATH, cache=CACHE)
def kmeans_plusplus_serial(X, sample_weight, first, uniforms, centers, indices):
    """Greedy k-means++ with pre-drawn random numbers.

    IN X (n, d), sample_weight (n,), first (index of the first center),
    uniforms (k - 1, n_local_trials) in [0, 1); OUT centers (k, d), indices (k,).
    """
    n_samples = X.shape[0]
    n_clusters = centers.shape[0]
    n_trials = uniforms.shape[1]
    weights = np.empty(n_samples)
    closest = np.empty(n_samples)
    for i in range(n_samples):
        weights[i] = sample_weight[i]
        closest[i] = squared_distance(X, i, X, first)
    copy_row(X, first, centers, 0)
    indices[0] = first
    potential = 0.0
    for i in range(n_samples):
        potential += weights[i] * closest[i]
    candidates = np.empty(n_trials, dtype=np.int64)
    potentials = np.empty(n_trials)
    thresholds = np.empty(n_trials)
    for c in range(1, n_clusters):
        for t in range(n_trials):
            thresholds[t] = uniforms[c - 1, t] * potential
        draw_candidates(weights, closest, thresholds, candidates)
        potentials[:] = 0.0
        for i in range(n_samples):
            for t in range(n_trials):
                dist = np.float64(squared_distance(X, i, X, candidates[t]))
                nearest = dist if dist < closest[i] else closest[i]
                potentials[t] += weights[i] * nearest
        best = 0
        for t in range(1, n_trials):
            if potentials[t] < potentials[best]:
                best = t
        potential = potentials[best]
        chosen = candidates[best]
        for i in range(n_samples):
            dist = np.float64(squared_distance(X, i, X, chosen))
            if dist < closest[i]:
                closest[i] = dist
        copy_row(X, chosen, centers, c)
        indices[c] = chosen


@njit(fastmath=FASTMATH, cache=CACHE)
def _assign_all(X, centers, labels, xt, dist, best_dist):
    # The search writes the labels in place (as ``distances.assign_nearest``).
    n_samples = X.shape[0]
    for start in range(0, n_samples, TILE_ROWS):
        stop = min(start + TILE_ROWS, n_samples)
        nearest_in_tile(
            X, start, stop, centers, xt, dist, best_dist, labels[start:stop]
        )


@njit(fastmath=FASTMATH, cache=CACHE)
def lloyd_serial(X, sample_weight, centers, max_iter, tol, labels):
    """A complete Lloyd run (same steps as ``drivers.loop.run`` with Lloyd).

    IN X, sample_weight, max_iter, tol (already scaled); INOUT centers (k, d)
    (initial centers in, final centers out); OUT labels (n,) int32.
    Returns (n_iter, converged, inertia).
    """
    n_samples, n_features = X.shape
    n_clusters = centers.shape[0]
    centers_new = np.empty((n_clusters, n_features), dtype=X.dtype)
    sums = np.empty((n_clusters, n_features))
    weights = np.empty(n_clusters)
    shift = np.empty(n_clusters)
    labels_old = np.empty(n_samples, dtype=np.int32)
    labels_old[:] = -1
    xt, dist, best_dist, _ = tile_scratch(X)
    strict = False
    converged = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        _assign_all(X, centers, labels, xt, dist, best_dist)
        sum_block(X, sample_weight, labels, 0, n_samples, sums, weights)
        relocate_empty_clusters(X, sample_weight, centers, labels, sums, weights)
        finish_centers(sums, weights, centers, centers_new, shift)
        for j in range(n_clusters):
            copy_row(centers_new, j, centers, j)
        same = True
        for i in range(n_samples):
            if labels[i] != labels_old[i]:
                same = False
                break
        if same:
            strict = True
            converged = True
            break
        total_shift = 0.0
        for j in range(n_clusters):
            total_shift += shift[j] * shift[j]
        if total_shift <= tol:
            converged = True
            break
        for i in range(n_samples):
            labels_old[i] = labels[i]
    if not strict:
        _assign_all(X, centers, labels, xt, dist, best_dist)
    inertia = 0.0
    for i in range(n_samples):
        inertia += sample_weight[i] * np.float64(
            squared_distance(X, i, centers, labels[i])
        )
    return n_iter, converged, inertia
