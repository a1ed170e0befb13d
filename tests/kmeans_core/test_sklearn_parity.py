"""kmeans_core against scikit-learn, the independent reference.

From the same explicit init (one run), Lloyd's algorithm is deterministic, so the two
implementations must agree on labels and ``n_iter_`` exactly, and on centers and
inertia up to rounding. From random seeds the two draw different random numbers, so
only distributions can be compared: mean costs over many seeds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kmeans_core import KMeans, k_means, kmeans_plusplus

from .datasets import (
    DATASETS,
    blobs,
    init_rows,
    mean_and_sem,
    positive_weights,
    seeding_cost,
    uniform,
)

sklearn_cluster = pytest.importorskip("sklearn.cluster")

N_CLUSTERS = {"blobs": 4, "uniform": 5, "anisotropic": 4, "duplicated": 4, "scaled": 4}
RTOL = {np.float64: 1e-7, np.float32: 1e-4}

#: Largest |z| accepted when two means over independent seeds are compared. With the
#: seeds fixed the tests are deterministic; 4 standard errors would be exceeded by
#: chance about once in 16 000 comparisons of two equal distributions.
Z_MAX = 4.0


def z_score(a, b):
    """Two-sample z statistic of the difference of the means (unequal variances)."""
    ma, sa = mean_and_sem(a)
    mb, sb = mean_and_sem(b)
    if sa == 0 and sb == 0:
        return 0.0 if np.isclose(ma, mb, rtol=1e-12) else np.inf
    return float((ma - mb) / np.hypot(sa, sb))


def assert_centers_close(ours, theirs, X, rtol):
    """Centers agree to ``rtol`` relative to each feature's own scale.

    The scale is |mean| + std of the feature: rounding in the centring of X is
    relative to the mean, rounding in the averaging relative to the spread.
    """
    X = np.asarray(X, dtype=np.float64)
    scale = np.abs(X.mean(axis=0)) + X.std(axis=0)
    np.testing.assert_allclose(
        np.asarray(ours, np.float64) / scale,
        np.asarray(theirs, np.float64) / scale,
        rtol=rtol,
        atol=rtol,
    )


def assert_same_fit(ours, theirs, X, dtype):
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.cluster_centers_.dtype == theirs.cluster_centers_.dtype
    assert_centers_close(ours.cluster_centers_, theirs.cluster_centers_, X, RTOL[dtype])
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=RTOL[dtype])


#: Our algorithms that scikit-learn lacks; each must reproduce sklearn's lloyd.
OURS_ONLY = ("hamerly", "yinyang")


def fit_both(X, init, **params):
    sample_weight = params.pop("sample_weight", None)
    theirs_params = dict(params)
    if theirs_params.get("algorithm") in OURS_ONLY:
        theirs_params["algorithm"] = "lloyd"
    with warnings.catch_warnings():
        # max_iter warnings (ours only) are tested in test_api.py
        warnings.simplefilter("ignore")
        ours = KMeans(init=init, n_init=1, **params).fit(X, sample_weight=sample_weight)
        theirs = sklearn_cluster.KMeans(init=init, n_init=1, **theirs_params).fit(
            X, sample_weight=sample_weight
        )
    return ours, theirs


# --------------------------------------------------------------------------------------
# The same explicit init: exact agreement


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan", *OURS_ONLY])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_init_same_fit(name, dtype, weighted, algorithm):
    X = DATASETS[name](seed=3).astype(dtype)
    k = N_CLUSTERS[name]
    init = init_rows(X, k, seed=5)
    sw = positive_weights(len(X), seed=1) if weighted else None
    ours, theirs = fit_both(
        X, init, n_clusters=k, algorithm=algorithm, sample_weight=sw
    )
    assert_same_fit(ours, theirs, X, dtype)
    assert theirs.n_iter_ > 1  # the comparison covers actual iterations


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("tol", [0.0, 1e-4, 1e-3, 1e-2, 3e-2])
@pytest.mark.parametrize("name", ["blobs", "uniform", "scaled"])
def test_tol_is_scaled_like_sklearn(name, tol, algorithm):
    """``tol`` is relative to the mean feature variance; big tols stop runs early."""
    X = DATASETS[name](seed=11, n_samples=400)
    k = N_CLUSTERS[name]
    init = init_rows(X, k, seed=2)
    sw = positive_weights(len(X), seed=4)
    ours, theirs = fit_both(
        X, init, n_clusters=k, tol=tol, algorithm=algorithm, sample_weight=sw
    )
    assert_same_fit(ours, theirs, X, np.float64)


def test_tol_cases_stop_at_different_iterations():
    """Guard on the test above: the chosen tols really change ``n_iter_``."""
    X = DATASETS["scaled"](seed=11, n_samples=400)
    init = init_rows(X, 4, seed=2)
    sw = positive_weights(len(X), seed=4)
    n_iters = {
        tol: fit_both(X, init, n_clusters=4, tol=tol, sample_weight=sw)[1].n_iter_
        for tol in [0.0, 1e-3, 1e-2]
    }
    assert len(set(n_iters.values())) == 3, n_iters


@pytest.mark.parametrize("max_iter", [1, 2, 3, 5])
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_max_iter_cut_short(max_iter, algorithm):
    """Runs cut off by ``max_iter`` end with the same final assignment pass."""
    X = uniform(seed=8, n_samples=300)
    init = init_rows(X, 6, seed=1)
    ours, theirs = fit_both(
        X, init, n_clusters=6, max_iter=max_iter, tol=0.0, algorithm=algorithm
    )
    assert theirs.n_iter_ == max_iter
    assert_same_fit(ours, theirs, X, np.float64)


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("n_empty", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_empty_clusters_relocated_like_sklearn(dtype, n_empty, algorithm):
    """Init centers far from all data start empty; both move them the same way
    (onto the points farthest from their centers, in the same order)."""
    X = blobs(seed=4, n_samples=200, n_features=2, n_clusters=3).astype(dtype)
    init = init_rows(X, 5, seed=0)
    init[:n_empty] = X.max(axis=0) + 1e3 * np.arange(1, n_empty + 1)[:, None]
    ours, theirs = fit_both(X, init, n_clusters=5, algorithm=algorithm)
    assert_same_fit(ours, theirs, X, dtype)
    assert len(np.unique(ours.labels_)) == 5


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("seed", range(3))
def test_zero_weights_match(seed, algorithm):
    """Rows of weight 0 are labelled but pull no center."""
    X = uniform(seed=seed, n_samples=200)
    sw = positive_weights(len(X), seed=seed)
    sw[np.random.default_rng(seed).random(len(X)) < 0.4] = 0.0
    init = init_rows(X, 6, seed=seed)
    ours, theirs = fit_both(
        X, init, n_clusters=6, algorithm=algorithm, sample_weight=sw
    )
    assert_same_fit(ours, theirs, X, np.float64)


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_cluster_of_zero_weight_rows_counts_as_empty(algorithm):
    X = blobs(seed=1, n_samples=100, n_features=2, n_clusters=3)
    init = init_rows(X, 3, seed=0)
    sw = np.ones(len(X))
    first_labels = ((X[:, None] - init[None]) ** 2).sum(axis=2).argmin(axis=1)
    sw[first_labels == 0] = 0.0  # cluster 0 starts with weight 0
    ours, theirs = fit_both(
        X, init, n_clusters=3, algorithm=algorithm, sample_weight=sw
    )
    assert_same_fit(ours, theirs, X, np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_k_means_function_matches(dtype, algorithm):
    X = DATASETS["anisotropic"](seed=6).astype(dtype)
    init = init_rows(X, 4, seed=9)
    sw = positive_weights(len(X), seed=9)
    kwargs = dict(sample_weight=sw, init=init, n_init=1, algorithm=algorithm)
    centers, labels, inertia, n_iter = k_means(X, 4, return_n_iter=True, **kwargs)
    ref = sklearn_cluster.k_means(X, 4, return_n_iter=True, **kwargs)
    np.testing.assert_array_equal(labels, ref[1])
    assert n_iter == ref[3]
    assert_centers_close(centers, ref[0], X, RTOL[dtype])
    np.testing.assert_allclose(inertia, ref[2], rtol=RTOL[dtype])

    short = k_means(X, 4, **kwargs)
    assert len(short) == 3
    np.testing.assert_array_equal(short[1], labels)


def test_callable_init_matches():
    """A callable init that returns rows of the data it is given."""
    X = blobs(seed=2)

    def pick_rows(data, n_clusters, random_state):
        return data[[3, 50, 100, 150][:n_clusters]]

    ours, theirs = fit_both(X, pick_rows, n_clusters=4)
    assert_same_fit(ours, theirs, X, np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_transform_score_match(dtype):
    X = DATASETS["scaled"](seed=1).astype(dtype)
    X_new = DATASETS["scaled"](seed=2, n_samples=50).astype(dtype)
    ours, theirs = fit_both(X, init_rows(X, 4, seed=3), n_clusters=4)
    sw = positive_weights(len(X_new), seed=3)
    np.testing.assert_array_equal(ours.predict(X_new), theirs.predict(X_new))
    rtol = RTOL[dtype]
    np.testing.assert_allclose(
        ours.score(X_new, sample_weight=sw),
        theirs.score(X_new, sample_weight=sw),
        rtol=rtol,
    )
    # distances relative to the largest distance of each row (rounding is absolute)
    t_ours, t_theirs = ours.transform(X_new), theirs.transform(X_new)
    assert t_ours.dtype == t_theirs.dtype
    scale = t_theirs.max(axis=1, keepdims=True)
    np.testing.assert_allclose(t_ours / scale, t_theirs / scale, rtol=rtol, atol=rtol)


# --------------------------------------------------------------------------------------
# Random seeds: compare distributions


N_SEEDS = 60


def _seed_costs(func, X, k, **kwargs):
    return [
        seeding_cost(X, func(X, k, random_state=s, **kwargs)[0]) for s in range(N_SEEDS)
    ]


@pytest.mark.parametrize(
    "n_local_trials", [None, 1, 5], ids=["greedy-default", "classic", "greedy-5"]
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_kmeans_plusplus_seeding_cost_matches_sklearn(n_local_trials, weighted):
    X = uniform(seed=0, n_samples=300, n_features=2)
    kw = dict(n_local_trials=n_local_trials)
    if weighted:
        kw["sample_weight"] = positive_weights(len(X), seed=5, low=0.1, high=5.0)
    ours = _seed_costs(kmeans_plusplus, X, 8, **kw)
    theirs = _seed_costs(sklearn_cluster.kmeans_plusplus, X, 8, **kw)
    assert abs(z_score(ours, theirs)) < Z_MAX, (np.mean(ours), np.mean(theirs))


def test_seeding_comparison_has_power():
    """Guard: the comparison above tells greedy from classic k-means++ apart."""
    X = uniform(seed=0, n_samples=300, n_features=2)
    greedy = _seed_costs(kmeans_plusplus, X, 8)
    classic = _seed_costs(sklearn_cluster.kmeans_plusplus, X, 8, n_local_trials=1)
    assert z_score(classic, greedy) > Z_MAX


@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_mean_inertia_over_seeds_matches_sklearn(init, algorithm):
    X = blobs(seed=7, n_samples=200, n_features=2, n_clusters=8, sep=3.0)
    params = dict(n_clusters=8, init=init, n_init=1, algorithm=algorithm)

    def inertias(cls):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [cls(random_state=s, **params).fit(X).inertia_ for s in range(40)]

    ours = inertias(KMeans)
    theirs = inertias(sklearn_cluster.KMeans)
    assert abs(z_score(ours, theirs)) < Z_MAX, (np.mean(ours), np.mean(theirs))


#: Parameters that kmeans_core adds to scikit-learn's, with their defaults.
EXTRA_PARAMS = {"record_history": False}
#: Defaults that differ on purpose (README, "Deliberate differences"): ours,
#: then scikit-learn's.  "auto" returns Lloyd's exact result, sooner.
DIFFERENT_DEFAULTS = {"algorithm": ("auto", "lloyd")}


def test_defaults_match_sklearn():
    ours = KMeans().get_params()
    theirs = sklearn_cluster.KMeans().get_params()
    for name, (our_default, their_default) in DIFFERENT_DEFAULTS.items():
        assert (ours.pop(name), theirs.pop(name)) == (our_default, their_default)
    assert {k: v for k, v in ours.items() if k in theirs} == theirs
    assert {k: v for k, v in ours.items() if k not in theirs} == EXTRA_PARAMS


# --------------------------------------------------------------------------------------
# An integer random_state draws the same seeds as scikit-learn (a documented promise)


@pytest.mark.parametrize("n_local_trials", [None, 1])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_kmeans_plusplus_same_seed_same_centers(name, dtype, weighted, n_local_trials):
    X = DATASETS[name](seed=1).astype(dtype)
    sw = positive_weights(len(X), seed=3) if weighted else None
    for seed in range(10):
        kw = dict(random_state=seed, sample_weight=sw, n_local_trials=n_local_trials)
        centers, indices = kmeans_plusplus(X, 6, **kw)
        ref_centers, ref_indices = sklearn_cluster.kmeans_plusplus(X, 6, **kw)
        np.testing.assert_array_equal(centers, ref_centers)
        if name != "duplicated":
            # among duplicated rows the pick is a tie; scikit-learn's BLAS breaks it
            np.testing.assert_array_equal(indices, ref_indices)


@pytest.mark.parametrize("n_init", ["auto", 3])
@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["blobs", "uniform", "scaled"])
def test_fit_same_seed_same_result(name, dtype, init, n_init):
    X = DATASETS[name](seed=2).astype(dtype)
    sw = positive_weights(len(X), seed=8)
    for seed in range(3):
        params = dict(n_clusters=5, init=init, n_init=n_init, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = KMeans(**params).fit(X, sample_weight=sw)
            theirs = sklearn_cluster.KMeans(**params).fit(X, sample_weight=sw)
        assert_same_fit(ours, theirs, X, dtype)


# --------------------------------------------------------------------------------------
# Edge shapes


EDGE_CASES = {
    # name: (X, n_clusters)
    "one-cluster": (blobs(seed=1, n_samples=50), 1),
    "one-feature": (blobs(seed=1, n_samples=80, n_features=1), 3),
    "k-equals-n": (uniform(seed=1, n_samples=6), 6),
    "one-sample": (np.array([[1.0, -2.0]]), 1),
    "two-samples": (np.array([[0.0, 0.0], [1.0, 3.0]]), 2),
    "wide": (uniform(seed=2, n_samples=40, n_features=50), 4),
    "many-clusters": (blobs(seed=3, n_samples=300, n_features=20, n_clusters=40), 40),
}


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_shapes_match(name, algorithm):
    X, k = EDGE_CASES[name]
    init = init_rows(X, k, seed=0)
    ours, theirs = fit_both(X, init, n_clusters=k, algorithm=algorithm)
    assert_same_fit(ours, theirs, X, np.float64)


def test_callable_init_gets_the_same_data_as_in_sklearn():
    """scikit-learn calls ``init`` on the *centred* data and reads the centers it
    returns in centred coordinates; a callable that returns fixed coordinates
    (not rows of its argument) shows the difference."""
    X = blobs(seed=2) + 100.0
    fixed = X[[3, 50, 100, 150]] - X.mean(axis=0)

    def fixed_centers(data, n_clusters, random_state):
        return fixed

    ours, theirs = fit_both(X, fixed_centers, n_clusters=4)
    assert_same_fit(ours, theirs, X, np.float64)
