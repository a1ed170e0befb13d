"""Our metrics against scikit-learn.metrics (a test-only reference)."""

import numpy as np
import pytest
from sklearn import metrics as skm

from segmentation.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)


def _data(seed, n=300, d=4, k=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + rng.integers(0, 4, size=(n, 1))
    labels = rng.integers(0, k, size=n)
    return X, labels


@pytest.mark.parametrize("seed", range(5))
def test_silhouette_samples_matches_sklearn(seed):
    X, labels = _data(seed, d=1 + seed, k=2 + seed)
    np.testing.assert_allclose(
        silhouette_samples(X, labels),
        skm.silhouette_samples(X, labels),
        rtol=1e-6,
        atol=1e-9,
    )


def test_silhouette_with_singleton_and_string_labels():
    X, labels = _data(7, n=60, k=3)
    labels = labels.astype(object)
    labels[0] = "solo"  # a singleton cluster: its member scores 0
    labels = labels.astype(str)
    ours = silhouette_samples(X, labels)
    assert ours[0] == 0.0
    np.testing.assert_allclose(
        ours, skm.silhouette_samples(X, labels), rtol=1e-6, atol=1e-9
    )


@pytest.mark.parametrize("seed", range(4))
def test_scores_match_sklearn(seed):
    X, labels = _data(seed, n=500, d=3, k=2 + 2 * seed)
    assert silhouette_score(X, labels) == pytest.approx(
        skm.silhouette_score(X, labels), rel=1e-6
    )
    assert calinski_harabasz_score(X, labels) == pytest.approx(
        skm.calinski_harabasz_score(X, labels), rel=1e-9
    )
    assert davies_bouldin_score(X, labels) == pytest.approx(
        skm.davies_bouldin_score(X, labels), rel=1e-9
    )


def test_float32_and_noncontiguous_inputs():
    X, labels = _data(3, n=200)
    Xf = np.asfortranarray(X.astype(np.float32))
    expected = skm.silhouette_score(X.astype(np.float32).astype(np.float64), labels)
    assert silhouette_score(Xf, labels) == pytest.approx(expected, rel=1e-6)
    assert calinski_harabasz_score(X[:, ::-1], labels) == pytest.approx(
        skm.calinski_harabasz_score(X[:, ::-1], labels)
    )


def test_sampled_silhouette_is_seeded_and_close():
    X, _ = _data(1, n=3000, d=2)
    labels = (X[:, 0] > np.median(X[:, 0])).astype(int)
    full = skm.silhouette_score(X, labels)
    a = silhouette_score(X, labels, sample_size=800, random_state=5)
    b = silhouette_score(X, labels, sample_size=800, random_state=5)
    assert a == b
    assert a == pytest.approx(full, abs=0.03)


def test_degenerate_cases_match_sklearn():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 5, axis=0)
    labels = np.repeat([0, 1], 5)
    assert davies_bouldin_score(X, labels) == skm.davies_bouldin_score(X, labels) == 0.0
    assert calinski_harabasz_score(np.zeros((6, 2)), [0, 0, 0, 1, 1, 1]) == 1.0


@pytest.mark.parametrize("labels", [np.zeros(10), np.arange(10)])
def test_metrics_reject_one_or_n_clusters(labels):
    X = np.random.default_rng(0).normal(size=(10, 2))
    for fn in (silhouette_score, calinski_harabasz_score, davies_bouldin_score):
        with pytest.raises(ValueError, match="number of clusters"):
            fn(X, labels)
