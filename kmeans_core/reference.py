"""Plain NumPy k-means, written to be read top to bottom.

This module is the specification that the fast kernels are tested against, and
a place to learn the algorithm.  It favours clarity over speed: it builds the
full n x k distance matrix, which the real implementation never does.

The algorithm (Lloyd, 1957/1982) alternates two steps until nothing changes:

1. **Assignment.** Each point joins the cluster whose center is nearest.
2. **Update.** Each center moves to the (weighted) mean of its points.

Each step can only lower the objective, the weighted sum of squared distances
from points to their centers (the *inertia*), so the loop terminates.
"""

from __future__ import annotations

import math

import numpy as np


def squared_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """All squared distances, shape (n_samples, n_clusters), from direct differences."""
    differences = X[:, np.newaxis, :] - centers[np.newaxis, :, :]
    return (differences**2).sum(axis=2)


def assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Step 1: index of the nearest center for every point (ties: lowest index)."""
    return np.argmin(squared_distances(X, centers), axis=1)


def inertia(
    X: np.ndarray, centers: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray
) -> float:
    """The objective: weighted squared distance of each point to its own center."""
    return float((sample_weight * ((X - centers[labels]) ** 2).sum(axis=1)).sum())


def update(
    X: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    sample_weight: np.ndarray,
) -> np.ndarray:
    """Step 2: move every center to the weighted mean of its points.

    A cluster that lost all its points is moved onto the point farthest from
    its current center (taking it out of its old cluster), so that k clusters
    survive.
    """
    n_clusters = centers.shape[0]
    sums = np.zeros((n_clusters, X.shape[1]))
    weights = np.zeros(n_clusters)
    np.add.at(sums, labels, sample_weight[:, np.newaxis] * X)
    np.add.at(weights, labels, sample_weight)

    empty = np.flatnonzero(weights == 0)
    if empty.size:
        distance = ((X - centers[labels]) ** 2).sum(axis=1)
        farthest = np.argsort(-distance, kind="stable")[: empty.size]
        for cluster, point in zip(empty, farthest, strict=True):
            sums[labels[point]] -= sample_weight[point] * X[point]
            weights[labels[point]] -= sample_weight[point]
            sums[cluster] = sample_weight[point] * X[point]
            weights[cluster] = sample_weight[point]

    new_centers = centers.astype(np.float64).copy()
    filled = weights > 0
    new_centers[filled] = sums[filled] / weights[filled, np.newaxis]
    return new_centers


def lloyd(
    X: np.ndarray,
    centers_init: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    max_iter: int = 300,
    tol: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Lloyd's algorithm from given initial centers.

    Stops when the labels no longer change (strict convergence), or when the
    total squared movement of the centers is at most ``tol`` (an absolute
    value here; the estimator scales its ``tol`` by the data variance first),
    or after ``max_iter`` iterations.

    Returns
    -------
    centers, labels, inertia, n_iter
        The final centers, the labels of the points with respect to those
        centers, the inertia, and the number of iterations run.
    """
    X = np.asarray(X, dtype=np.float64)
    weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight)
    centers = np.asarray(centers_init, dtype=np.float64).copy()
    previous_labels = None
    for iteration in range(1, max_iter + 1):
        labels = assign(X, centers)
        new_centers = update(X, labels, centers, weights)
        shift = ((new_centers - centers) ** 2).sum()
        centers = new_centers
        if previous_labels is not None and np.array_equal(labels, previous_labels):
            # Same labels as last time means the same means: nothing moved.
            return centers, labels, inertia(X, centers, labels, weights), iteration
        if shift <= tol:
            break
        previous_labels = labels
    labels = assign(X, centers)  # the centers moved after the last assignment
    return centers, labels, inertia(X, centers, labels, weights), iteration


def kmeans_plusplus(
    X: np.ndarray,
    n_clusters: int,
    *,
    sample_weight: np.ndarray | None = None,
    random_state: int | np.random.RandomState | None = None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii, 2007).

    1. Pick the first center at random, in proportion to the weights.
    2. For each further center, draw ``n_local_trials`` candidates, each with
       probability proportional to ``weight * D(x)^2`` (D: distance to the nearest
       chosen center), and keep the candidate that leaves the smallest total
       weighted ``D^2``.

    The random draws are made in the same order as in ``kmeans_core.init``, so
    with an integer seed both pick the same rows.
    """
    X = np.asarray(X, dtype=np.float64)
    rng = (
        random_state
        if isinstance(random_state, np.random.RandomState)
        else np.random.RandomState(random_state)
    )
    n_samples = len(X)
    weights = (
        np.ones(n_samples)
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    if n_local_trials is None:
        n_local_trials = 2 + int(math.log(n_clusters))

    indices = [int(rng.choice(n_samples, p=weights / weights.sum()))]
    closest = ((X - X[indices[0]]) ** 2).sum(axis=1)
    potential = closest @ weights
    for _ in range(1, n_clusters):
        thresholds = rng.uniform(size=n_local_trials) * potential
        candidates = np.searchsorted(np.cumsum(weights * closest), thresholds)
        candidates = np.minimum(candidates, n_samples - 1)
        candidate_distances = squared_distances(X, X[candidates]).T  # (L, n)
        candidate_closest = np.minimum(closest, candidate_distances)
        potentials = candidate_closest @ weights
        best = int(np.argmin(potentials))
        indices.append(int(candidates[best]))
        closest = candidate_closest[best]
        potential = potentials[best]
    indices_array = np.asarray(indices)
    return X[indices_array].copy(), indices_array
