"""Internal cluster-validity metrics: silhouette, Calinski-Harabasz, Davies-Bouldin.

The silhouette is an O(n^2 d) Numba kernel that never materialises the n x n
distance matrix: each parallel chunk of rows keeps one length-k accumulator of
distance sums per row, so memory is O(n + k * n_chunks). The other two metrics
are O(n d) and computed in NumPy.

Definitions follow Rousseeuw (1987), Calinski & Harabasz (1974) and Davies &
Bouldin (1979); conventions for degenerate cases (a singleton cluster has
silhouette 0; zero within-cluster dispersion gives CH = 1 and DB = 0) match
scikit-learn so that scores are comparable.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "calinski_harabasz_score",
    "davies_bouldin_score",
    "silhouette_samples",
    "silhouette_score",
]

# Rows per parallel chunk in the silhouette kernel: large enough to amortise
# the accumulator allocation, small enough to balance load across threads.
_SIL_CHUNK = 64


@njit(parallel=True, cache=True)
def _silhouette_kernel(X, labels, counts, out):  # pragma: no cover - compiled
    """Per-sample silhouette values.

    X : (n, d) float64, C-contiguous            # IN
    labels : (n,) int64 in 0..k-1               # IN
    counts : (k,) int64, points per label       # IN
    out : (n,) float64                          # OUT
    """
    n, d = X.shape
    k = counts.shape[0]
    n_chunks = (n + _SIL_CHUNK - 1) // _SIL_CHUNK
    for c in prange(n_chunks):
        sums = np.empty(k)
        stop = min(n, (c + 1) * _SIL_CHUNK)
        for i in range(c * _SIL_CHUNK, stop):
            sums[:] = 0.0
            for j in range(n):
                acc = 0.0
                for f in range(d):
                    diff = X[i, f] - X[j, f]
                    acc += diff * diff
                sums[labels[j]] += np.sqrt(acc)
            own = labels[i]
            if counts[own] <= 1:
                out[i] = 0.0
                continue
            a = sums[own] / (counts[own] - 1)
            b = np.inf
            for q in range(k):
                if q != own and counts[q] > 0:
                    m = sums[q] / counts[q]
                    if m < b:
                        b = m
            denom = max(a, b)
            out[i] = (b - a) / denom if denom > 0 else 0.0


def _prepare(X, labels) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate and convert; return C-contiguous float64 X, codes 0..k-1, k."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim}-D")
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(
            f"labels must have one entry per row of X ({X.shape[0]}), "
            f"got shape {labels.shape}"
        )
    _, codes = np.unique(labels, return_inverse=True)
    codes = codes.astype(np.int64).ravel()
    k = int(codes.max()) + 1 if len(codes) else 0
    if not 2 <= k <= X.shape[0] - 1:
        raise ValueError(
            f"the metrics need 2 <= number of clusters <= n_samples - 1, got {k} "
            f"clusters for {X.shape[0]} samples"
        )
    return X, codes, k


def silhouette_samples(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Silhouette coefficient of every sample (Euclidean distance).

    Parameters
    ----------
    X : array of shape (n, d)
    labels : array of shape (n,)
        Any hashable labels; at least 2 and at most n - 1 distinct.

    Returns
    -------
    numpy.ndarray of shape (n,)
        ``(b - a) / max(a, b)``, 0 for members of singleton clusters.
    """
    X, codes, k = _prepare(X, labels)
    counts = np.bincount(codes, minlength=k).astype(np.int64)
    out = np.empty(X.shape[0])
    _silhouette_kernel(X, codes, counts, out)
    return out


def silhouette_score(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    sample_size: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> float:
    """Mean silhouette coefficient, optionally on a seeded random sample.

    Parameters
    ----------
    X : array of shape (n, d)
    labels : array of shape (n,)
    sample_size : int, optional
        Score a random subset of this many rows (drawn without replacement)
        instead of all ``n``: the exact cost is O(n^2 d).
    random_state : int or numpy.random.Generator, optional
        Seed for the sample.

    Returns
    -------
    float
    """
    X = np.asarray(X)
    labels = np.asarray(labels)
    if sample_size is not None and sample_size < X.shape[0]:
        rng = np.random.default_rng(random_state)
        idx = np.sort(rng.choice(X.shape[0], size=sample_size, replace=False))
        X, labels = X[idx], labels[idx]
    return float(np.mean(silhouette_samples(X, labels)))


def _centroids(
    X: np.ndarray, codes: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster counts and means; bincount per feature is O(n d) and fast."""
    counts = np.bincount(codes, minlength=k).astype(np.float64)
    sums = np.column_stack(
        [np.bincount(codes, weights=X[:, f], minlength=k) for f in range(X.shape[1])]
    )
    return counts, sums / counts[:, None]


def calinski_harabasz_score(X: np.ndarray, labels: np.ndarray) -> float:
    """Calinski-Harabasz index: between- over within-cluster dispersion.

    Higher is better. ``(B / (k - 1)) / (W / (n - k))`` with ``B`` the
    size-weighted squared distances of centroids to the overall mean and ``W``
    the within-cluster sum of squares.
    """
    X, codes, k = _prepare(X, labels)
    n = X.shape[0]
    counts, centers = _centroids(X, codes, k)
    mean = X.mean(axis=0)
    between = float(np.sum(counts * np.sum((centers - mean) ** 2, axis=1)))
    within = float(np.sum((X - centers[codes]) ** 2))
    if within == 0.0:
        return 1.0
    return between * (n - k) / (within * (k - 1))


def davies_bouldin_score(X: np.ndarray, labels: np.ndarray) -> float:
    """Davies-Bouldin index: mean worst-case cluster similarity. Lower is better.

    ``S_i`` is the mean distance of cluster ``i``'s points to its centroid;
    the score is the mean over ``i`` of ``max_j (S_i + S_j) / d(c_i, c_j)``.
    """
    X, codes, k = _prepare(X, labels)
    _, centers = _centroids(X, codes, k)
    dist = np.sqrt(np.sum((X - centers[codes]) ** 2, axis=1))
    spread = np.bincount(codes, weights=dist, minlength=k) / np.bincount(
        codes, minlength=k
    )
    gaps = np.sqrt(np.sum((centers[:, None, :] - centers[None, :, :]) ** 2, axis=2))
    if np.allclose(spread, 0) or np.allclose(gaps, 0):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (spread[:, None] + spread[None, :]) / gaps
    ratio[~np.isfinite(ratio)] = 0.0
    np.fill_diagonal(ratio, 0.0)
    return float(np.mean(ratio.max(axis=1)))
