"""Sparse test data: TF-IDF-like rows with topic structure, and exactly unit rows."""

from __future__ import annotations

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")


def tfidf_like(
    seed=0, n_samples=600, n_features=400, nnz_per_row=12, n_topics=6, dtype=np.float64
):
    """CSR rows with about ``nnz_per_row`` terms, L2-normalised, in topics.

    Each topic owns a random fifth of the vocabulary; a row draws four fifths of
    its terms from its topic and the rest from anywhere, with Zipf-like
    weights, as bag-of-words vectors do.  Sorted, duplicate-free indices.
    """
    rng = np.random.default_rng(seed)
    topics = [
        rng.choice(n_features, size=max(nnz_per_row, n_features // 5), replace=False)
        for _ in range(n_topics)
    ]
    rows, cols, vals = [], [], []
    for i in range(n_samples):
        topic = topics[rng.integers(n_topics)]
        n_own = max(1, int(0.8 * nnz_per_row))
        terms = np.concatenate(
            [
                rng.choice(topic, size=n_own, replace=False),
                rng.integers(n_features, size=nnz_per_row - n_own),
            ]
        )
        terms = np.unique(terms)
        weights = rng.pareto(1.5, size=terms.shape[0]) + 1.0
        weights /= np.sqrt(np.sum(weights**2))
        rows.append(np.full(terms.shape[0], i))
        cols.append(terms)
        vals.append(weights)
    X = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_samples, n_features),
    )
    X.sort_indices()
    return X.astype(dtype)


def exact_unit_rows(seed=0, n_samples=300, n_features=200, dtype=np.float64):
    """CSR rows of four entries 0.5: unit norm exactly, in float32 and float64.

    Two such rows sharing no term are exactly sqrt(2) apart, so with centers
    made of rows, a row that shares no term with any center is at exactly the
    same distance from all of them.
    """
    rng = np.random.default_rng(seed)
    indices = np.concatenate(
        [np.sort(rng.choice(n_features, 4, replace=False)) for _ in range(n_samples)]
    )
    indptr = np.arange(0, 4 * n_samples + 1, 4)
    data = np.full(4 * n_samples, 0.5, dtype=dtype)
    return sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_features))


def dense_means(X, n_clusters, seed=0):
    """Initial centers without mass ties: means of random disjoint groups of rows."""
    rng = np.random.default_rng(seed)
    groups = np.array_split(rng.permutation(X.shape[0]), n_clusters)
    dense = X.toarray()
    return np.stack([dense[g].mean(axis=0) for g in groups]).astype(X.dtype)
