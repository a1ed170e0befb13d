"""Choosing the initial centers: greedy k-means++, random rows, user arrays.

The random draws happen here, in NumPy, in the same order as scikit-learn's, so
an integer ``random_state`` picks the same seeds; the distance work happens in
Numba kernels (``_kernels.seeding``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._blocks import block_starts
from ._kernels.seeding import candidate_potentials, distances_to_point, update_closest
from ._kernels.small import kmeans_plusplus_serial
from ._validation import (
    check_array,
    check_centers,
    check_int,
    check_random_state,
    check_sample_weight,
)


def _kmeans_plusplus(
    X: np.ndarray,
    n_clusters: int,
    sample_weight: np.ndarray,
    random_state: np.random.RandomState | np.random.Generator,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ on validated inputs (see ``kmeans_plusplus``)."""
    n_samples, n_features = X.shape
    if n_local_trials is None:
        # Arthur & Vassilvitskii's greedy variant: 2 + log(k) candidates a step.
        n_local_trials = 2 + int(math.log(n_clusters))
    starts = block_starts(n_samples, n_local_trials, n_features)
    weights64 = sample_weight.astype(np.float64)
    probabilities = weights64 / weights64.sum()

    centers = np.empty((n_clusters, n_features), dtype=X.dtype)
    indices = np.full(n_clusters, -1, dtype=np.intp)
    first = int(random_state.choice(n_samples, p=probabilities))
    if starts.shape[0] == 2:
        # One block: run the whole seeding in one compiled call.  Drawing all
        # uniforms at once consumes the generator exactly as the loop below.
        uniforms = random_state.uniform(size=(n_clusters - 1, n_local_trials))
        kmeans_plusplus_serial(X, sample_weight, first, uniforms, centers, indices)
        return centers, indices
    centers[0] = X[first]
    indices[0] = first

    closest = np.empty(n_samples, dtype=np.float64)
    distances_to_point(X, centers[0:1], closest)
    potential = float(closest @ weights64)
    potentials = np.empty(n_local_trials, dtype=np.float64)

    for c in range(1, n_clusters):
        # Draw candidates with probability proportional to w * D(x)^2.
        thresholds = random_state.uniform(size=n_local_trials) * potential
        candidate_ids = np.searchsorted(np.cumsum(weights64 * closest), thresholds)
        np.clip(candidate_ids, None, n_samples - 1, out=candidate_ids)
        candidates = np.ascontiguousarray(X[candidate_ids])
        candidate_potentials(X, sample_weight, candidates, closest, starts, potentials)
        best = int(np.argmin(potentials))
        potential = float(potentials[best])
        update_closest(X, candidates[best : best + 1], closest)
        centers[c] = candidates[best]
        indices[c] = candidate_ids[best]
    return centers, indices


def kmeans_plusplus(
    X: Any,
    n_clusters: int,
    *,
    sample_weight: Any = None,
    x_squared_norms: Any = None,
    random_state: Any = None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose initial centers with greedy, weighted k-means++.

    The first center is a row drawn with probability proportional to its
    weight.  Each further center is the best of ``n_local_trials`` rows drawn
    with probability proportional to ``weight * D(x)^2`` (D is the distance to
    the nearest center chosen so far), where "best" means the one that leaves
    the smallest total weighted squared distance.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data to pick seeds from.
    n_clusters : int
        Number of centers to choose.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; a row of weight zero is never chosen.
    x_squared_norms : array-like of shape (n_samples,), default=None
        Accepted for compatibility with scikit-learn and otherwise unused:
        the kernels compute distances from direct differences.
    random_state : int, RandomState, Generator or None, default=None
        Source of randomness.  An int draws the same seeds as scikit-learn.
    n_local_trials : int, default=None
        Candidates per step; ``None`` means ``2 + int(ln(n_clusters))``, and 1
        gives the classic (non-greedy) k-means++.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        The chosen centers, rows of X.
    indices : ndarray of shape (n_clusters,)
        Their row indices: ``centers == X[indices]``.
    """
    X = check_array(X)
    n_clusters = check_int(n_clusters, "n_clusters", 1)
    if n_clusters > X.shape[0]:
        raise ValueError(
            f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}."
        )
    if n_local_trials is not None:
        n_local_trials = check_int(n_local_trials, "n_local_trials", 1)
    if x_squared_norms is not None and np.shape(x_squared_norms) != (X.shape[0],):
        raise ValueError(
            f"x_squared_norms must have shape ({X.shape[0]},), "
            f"got {np.shape(x_squared_norms)}."
        )
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rng = check_random_state(random_state)
    return _kmeans_plusplus(X, n_clusters, weights, rng, n_local_trials)


def initial_centers(
    X: np.ndarray,
    n_clusters: int,
    init: str | np.ndarray | Callable[..., Any],
    sample_weight: np.ndarray,
    random_state: np.random.RandomState | np.random.Generator,
) -> np.ndarray:
    """Initial centers for one run, from any supported ``init``.

    ``init`` is validated already; array inits are validated once by the caller
    and passed as arrays.
    """
    if isinstance(init, str) and init == "k-means++":
        centers, _ = _kmeans_plusplus(X, n_clusters, sample_weight, random_state)
        return centers
    if isinstance(init, str) and init == "random":
        weights64 = sample_weight.astype(np.float64)
        seeds = random_state.choice(
            X.shape[0], size=n_clusters, replace=False, p=weights64 / weights64.sum()
        )
        return X[seeds]
    if callable(init):
        # As in scikit-learn, the callable sees the data centred on its mean and
        # returns centers in those coordinates; a copy, so X stays untouched.
        mean = X.mean(axis=0)
        centers = init(X - mean, n_clusters, random_state=random_state)
        centers = check_centers(
            centers, n_clusters, X.shape[1], X.dtype, "the centers returned by init"
        )
        return centers + mean
    return np.array(init, dtype=X.dtype, order="C", copy=True)
