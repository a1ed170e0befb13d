"""Small synthetic data sets for the estimator-level tests.

Every generator is deterministic in ``seed`` and returns a float64 C-ordered array; the
tests cast to float32 themselves. The sizes are small on purpose: these sets feed
comparisons with scikit-learn and hypothesis properties, not benchmarks.

The sets are chosen so that an exact comparison with scikit-learn is meaningful: a point
whose two nearest centers are equally far at rounding level could be labelled
differently by two correct implementations, so the default parameters keep such near
ties improbable (continuous distributions, no lattice values).
"""

from __future__ import annotations

import numpy as np


def blobs(seed=0, n_samples=240, n_features=3, n_clusters=4, spread=1.0, sep=8.0):
    """Isotropic Gaussian blobs whose means lie ``sep`` apart on average."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=sep, size=(n_clusters, n_features))
    which = rng.integers(n_clusters, size=n_samples)
    return means[which] + rng.normal(scale=spread, size=(n_samples, n_features))


def uniform(seed=0, n_samples=240, n_features=3):
    """Uniform in the unit cube: no cluster structure at all."""
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n_samples, n_features))


def anisotropic(seed=0, n_samples=240, n_features=3, n_clusters=4):
    """Blobs stretched and sheared by one random linear map."""
    rng = np.random.default_rng(seed + 1000)
    transform = rng.normal(size=(n_features, n_features))
    transform[0] *= 4.0
    return blobs(seed, n_samples, n_features, n_clusters) @ transform


def duplicated(seed=0, n_distinct=60, n_features=3, n_clusters=4, max_repeats=5):
    """Blobs in which every row appears 1 to ``max_repeats`` times, shuffled."""
    rng = np.random.default_rng(seed)
    base = blobs(seed, n_distinct, n_features, n_clusters)
    repeats = rng.integers(1, max_repeats + 1, size=n_distinct)
    X = np.repeat(base, repeats, axis=0)
    return X[rng.permutation(len(X))]


def scaled(seed=0, n_samples=240, n_clusters=4):
    """Blobs whose four features live on scales 1e-3, 1, 1e3 and 1e2 (offset 5e3).

    The offset on the last feature exercises the centring of X.
    """
    X = blobs(seed, n_samples, 4, n_clusters)
    return X * np.array([1e-3, 1.0, 1e3, 1e2]) + np.array([0.0, 0.0, 0.0, 5e3])


def few_distinct(n_distinct=3, n_features=2, repeats=4):
    """``n_distinct`` distinct rows, each repeated ``repeats`` times."""
    base = np.arange(n_distinct * n_features, dtype=np.float64)
    base = base.reshape(n_distinct, n_features) ** 2
    return np.repeat(base, repeats, axis=0)


DATASETS = {
    "blobs": blobs,
    "uniform": uniform,
    "anisotropic": anisotropic,
    "duplicated": duplicated,
    "scaled": scaled,
}


def init_rows(X, n_clusters, seed=0):
    """``n_clusters`` distinct rows of X, drawn at random: an explicit init array."""
    rng = np.random.default_rng(seed)
    _, first = np.unique(X, axis=0, return_index=True)
    chosen = rng.choice(first, size=n_clusters, replace=False)
    return X[np.sort(chosen)].copy()


def positive_weights(n_samples, seed=0, low=0.5, high=3.0):
    """Sample weights drawn uniformly in [low, high)."""
    return np.random.default_rng(seed + 7).uniform(low, high, size=n_samples)


def seeding_cost(X, centers, sample_weight=None):
    """Weighted sum of squared distances from each row to its nearest center.

    Computed from direct differences in float64, independently of any library.
    """
    X = np.asarray(X, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight)
    return float(d2.min(axis=1) @ w)


def mean_and_sem(values):
    """Mean and standard error of the mean of a 1-D sample."""
    values = np.asarray(values, dtype=np.float64)
    return values.mean(), values.std(ddof=1) / np.sqrt(len(values))
