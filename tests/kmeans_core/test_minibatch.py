"""MiniBatchKMeans: sklearn parity, weights, dtypes, partial_fit streams, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import KMeans, MiniBatchKMeans

from .datasets import anisotropic, blobs, init_rows, mean_and_sem

sklearn_cluster = pytest.importorskip("sklearn.cluster")

X_BLOBS = blobs(seed=3, n_samples=6000, n_features=4, n_clusters=6, sep=4.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", [blobs, anisotropic], ids=["blobs", "anisotropic"])
def test_mean_inertia_matches_sklearn(make, dtype):
    X = make(seed=1, n_samples=5000, n_features=4, n_clusters=6).astype(dtype)
    ours, theirs = [], []
    for seed in range(6):
        params = dict(n_clusters=6, batch_size=256, random_state=seed)
        ours.append(MiniBatchKMeans(**params).fit(X).inertia_)
        theirs.append(sklearn_cluster.MiniBatchKMeans(**params).fit(X).inertia_)
    mean_ours, _ = mean_and_sem(ours)
    mean_theirs, _ = mean_and_sem(theirs)
    assert mean_ours <= 1.02 * mean_theirs


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_same_seed_same_steps_as_sklearn(init):
    # The random stream is consumed in scikit-learn's order, so one integer seed
    # gives the same batches, the same number of steps and the same centers.
    params = dict(n_clusters=6, batch_size=200, random_state=5, init=init)
    ours = MiniBatchKMeans(**params).fit(X_BLOBS)
    theirs = sklearn_cluster.MiniBatchKMeans(**params).fit(X_BLOBS)
    assert ours.n_steps_ == theirs.n_steps_
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(
        ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-6
    )
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=1e-6)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)


def test_float32_stays_float32_and_agrees_with_float64():
    est64 = MiniBatchKMeans(n_clusters=6, batch_size=256, random_state=0).fit(X_BLOBS)
    est32 = MiniBatchKMeans(n_clusters=6, batch_size=256, random_state=0).fit(
        X_BLOBS.astype(np.float32)
    )
    assert est32.cluster_centers_.dtype == np.float32
    assert est32.transform(X_BLOBS.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(est32.inertia_, est64.inertia_, rtol=1e-3)


def test_partial_fit_integer_weights_equal_repeated_rows():
    # One update is deterministic without reassignment: weights must act as
    # repeated rows, in the centers and in the counts.
    X = X_BLOBS[:500]
    counts = np.random.default_rng(0).integers(1, 4, size=len(X))
    init = init_rows(X, 6)
    params = dict(n_clusters=6, init=init, reassignment_ratio=0.0)
    weighted = MiniBatchKMeans(**params).partial_fit(X, sample_weight=counts)
    repeated = MiniBatchKMeans(**params).partial_fit(np.repeat(X, counts, axis=0))
    np.testing.assert_allclose(
        weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-10
    )
    np.testing.assert_allclose(weighted.counts_, repeated.counts_)
    assert weighted.counts_.sum() == counts.sum()


def test_partial_fit_update_is_the_running_mean():
    # Two batches from the same explicit init: each center is the weighted mean
    # of the rows it absorbed, computed here directly with NumPy.
    X = X_BLOBS[:400]
    init = init_rows(X, 4, seed=2)
    est = MiniBatchKMeans(n_clusters=4, init=init, reassignment_ratio=0.0)
    est.partial_fit(X[:200])
    est.partial_fit(X[200:])
    labels1 = ((X[:200, None] - init[None]) ** 2).sum(-1).argmin(1)
    mid = np.array(
        [
            X[:200][labels1 == j].mean(0) if (labels1 == j).any() else init[j]
            for j in range(4)
        ]
    )
    labels2 = ((X[200:, None] - mid[None]) ** 2).sum(-1).argmin(1)
    for j in range(4):
        rows = np.concatenate([X[:200][labels1 == j], X[200:][labels2 == j]])
        np.testing.assert_allclose(est.cluster_centers_[j], rows.mean(0), rtol=1e-10)
        assert est.counts_[j] == len(rows)
    assert est.n_steps_ == 2


def test_partial_fit_over_a_stream_converges():
    X = blobs(seed=7, n_samples=20_000, n_features=5, n_clusters=8, sep=6.0)
    est = MiniBatchKMeans(n_clusters=8, random_state=0)
    shifts = []
    previous = None
    for chunk in np.array_split(X, 40):
        est.partial_fit(chunk)
        if previous is not None:
            shifts.append(np.abs(est.cluster_centers_ - previous).max())
        previous = est.cluster_centers_.copy()
    assert est.n_steps_ == 40
    # The centers settle: late updates move them far less than early ones...
    assert np.mean(shifts[-10:]) < 0.2 * np.mean(shifts[:5])
    # ...and the streamed model is about as good as a full k-means.
    full = KMeans(n_clusters=8, n_init=3, random_state=0).fit(X)
    assert -est.score(X) <= 1.05 * full.inertia_


def test_attributes_and_predict():
    est = MiniBatchKMeans(n_clusters=6, batch_size=300, random_state=0).fit(X_BLOBS)
    np.testing.assert_array_equal(est.predict(X_BLOBS), est.labels_)
    np.testing.assert_array_equal(est.predict(est.cluster_centers_), np.arange(6))
    assert est.n_features_in_ == 4
    assert 1 <= est.n_steps_ <= (100 * len(X_BLOBS)) // 300
    assert est.counts_.shape == (6,) and (est.counts_ > 0).all()
    assert list(est.get_feature_names_out()[:2]) == [
        "minibatchkmeans0",
        "minibatchkmeans1",
    ]
    no_labels = MiniBatchKMeans(
        n_clusters=6, batch_size=300, random_state=0, compute_labels=False
    ).fit(X_BLOBS)
    assert not hasattr(no_labels, "labels_")
    # The estimate from the smoothed batch inertia is of the right size.
    assert 0.5 * est.inertia_ < no_labels.inertia_ < 2 * est.inertia_


def test_sklearn_clone_and_params():
    base = pytest.importorskip("sklearn.base")
    est = MiniBatchKMeans(n_clusters=3, batch_size=64, max_no_improvement=None)
    params = base.clone(est).get_params()
    assert params["batch_size"] == 64 and params["max_no_improvement"] is None
    assert "algorithm" not in params


X_SMALL = blobs(seed=0, n_samples=30, n_features=3, n_clusters=3)
X_NAN = X_SMALL.copy()
X_NAN[3, 1] = np.nan

BAD_FIT = [
    ("nan", dict(X=X_NAN), ValueError, r"(?i)nan"),
    ("1d", dict(X=np.arange(10.0)), ValueError, r"(?i)2-?d"),
    ("complex", dict(X=X_SMALL + 1j), (TypeError, ValueError), r"(?i)complex"),
    ("n_clusters>n", dict(X=X_SMALL[:2]), ValueError, "n_clusters"),
    ("n_clusters-0", dict(n_clusters=0), ValueError, "n_clusters"),
    ("init-str", dict(init="kmeans++"), ValueError, "init"),
    ("init-shape", dict(init=X_SMALL[:2]), ValueError, r"(?i)shape"),
    ("weights-neg", dict(sample_weight=-np.ones(30)), ValueError, r"(?i)negative"),
    ("weights-len", dict(sample_weight=np.ones(29)), ValueError, "sample_weight"),
    ("batch_size-0", dict(batch_size=0), ValueError, "batch_size"),
    ("batch_size-float", dict(batch_size=1.5), (TypeError, ValueError), "batch_size"),
    (
        "max_no_improvement",
        dict(max_no_improvement=-1),
        ValueError,
        "max_no_improvement",
    ),
    ("init_size-0", dict(init_size=0), ValueError, "init_size"),
    ("ratio-neg", dict(reassignment_ratio=-0.1), ValueError, "reassignment_ratio"),
    ("n_init-0", dict(n_init=0), ValueError, "n_init"),
]


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize(
    "case, error, match",
    [(c[1], c[2], c[3]) for c in BAD_FIT],
    ids=[c[0] for c in BAD_FIT],
)
def test_bad_input(method, case, error, match):
    case = dict(case)
    X = case.pop("X", X_SMALL)
    sample_weight = case.pop("sample_weight", None)
    est = MiniBatchKMeans(**{"n_clusters": 3, **case})
    with pytest.raises(error, match=match):
        getattr(est, method)(X, sample_weight=sample_weight)
    if case or sample_weight is not None:
        return
    # Data errors read exactly as KMeans's.
    with pytest.raises(error) as expected:
        KMeans(n_clusters=3).fit(X)
    with pytest.raises(error) as got:
        getattr(MiniBatchKMeans(n_clusters=3), method)(X)
    assert str(got.value) == str(expected.value)


def test_partial_fit_rejects_other_feature_count():
    est = MiniBatchKMeans(n_clusters=3).partial_fit(X_SMALL)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X_SMALL[:, :2])


def test_small_init_size_warns():
    with pytest.warns(RuntimeWarning, match="init_size"):
        MiniBatchKMeans(n_clusters=3, init_size=2, random_state=0).fit(X_SMALL)
