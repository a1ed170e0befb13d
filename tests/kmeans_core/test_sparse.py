"""Sparse input through the estimators, against scikit-learn and against itself.

scikit-learn is the independent reference: from the same initial centers its
sparse Lloyd must give the same labels (after one iteration and at the end)
and the same inertia.  Among ourselves: CSR, CSC and COO give identical
results, every algorithm gives sparse Lloyd's, and the thread count changes
nothing.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

from kmeans_core import KMeans, MiniBatchKMeans, k_means, kmeans_plusplus
from kmeans_core._sparse import check_csr

from .sparse_data import dense_means, exact_unit_rows, tfidf_like

sp = pytest.importorskip("scipy.sparse")
sklearn_cluster = pytest.importorskip("sklearn.cluster")

ALGORITHMS = ["lloyd", "elkan", "hamerly", "yinyang", "auto"]
FORMATS = {"csr": sp.csr_matrix, "csc": sp.csc_matrix}
RTOL = {np.float64: 1e-7, np.float32: 1e-4}
K = 6


def sklearn_algorithm(algorithm):
    return algorithm if algorithm in ("lloyd", "elkan") else "lloyd"


def fit_pair(X, init, algorithm, sample_weight=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = KMeans(K, init=init, n_init=1, algorithm=algorithm, **params)
        theirs = sklearn_cluster.KMeans(
            K, init=init, n_init=1, algorithm=sklearn_algorithm(algorithm), **params
        )
        return (
            ours.fit(X, sample_weight=sample_weight),
            theirs.fit(X, sample_weight=sample_weight),
        )


def clear_rows(X, centers):
    """Rows whose two nearest centers are not tied within 1e-9 (relative)."""
    dense = X.toarray().astype(np.float64)
    diff = dense[:, None, :] - centers.astype(np.float64)[None]
    distances = np.sort(np.einsum("ijk,ijk->ij", diff, diff), axis=1)
    return distances[:, 1] - distances[:, 0] > 1e-9 * (distances[:, 1] + 1e-300)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_init_as_sklearn(fmt, dtype, weighted, algorithm):
    X = FORMATS[fmt](tfidf_like(seed=1, dtype=dtype))
    init = dense_means(X, K, seed=2)
    sw = np.random.default_rng(3).uniform(0.5, 2, X.shape[0]) if weighted else None
    # One iteration: labels of the updated centers, and their inertia.
    ours, theirs = fit_pair(X, init, algorithm, sw, max_iter=1)
    clear = clear_rows(X, ours.cluster_centers_)
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(ours.labels_[clear], theirs.labels_[clear])
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=RTOL[dtype])
    # Whole runs.
    ours, theirs = fit_pair(X, init, algorithm, sw)
    assert theirs.n_iter_ > 2
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=1e-3)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.cluster_centers_.dtype == dtype
    np.testing.assert_allclose(
        ours.cluster_centers_, theirs.cluster_centers_, rtol=RTOL[dtype], atol=1e-6
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mass_ties_go_to_the_lowest_index_as_in_sklearn(dtype):
    """Centers made of exactly unit rows tie every row that shares no term."""
    X = exact_unit_rows(seed=5, dtype=dtype)
    init = X[[3, 30, 60, 90, 120, 150]].toarray()
    dense = X.toarray()
    lonely = ~(dense @ init.T > 0).any(axis=1)
    assert lonely.sum() > 100
    ours, theirs = fit_pair(X, init, "lloyd", max_iter=1, tol=0)
    first = ours
    # The first assignment is what the centers are averaged from: with the
    # ties to center 0, the update of center 0 takes every lonely row.
    counts = np.bincount(first.labels_, minlength=K)
    assert counts[0] > counts[1:].max()
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    ours, theirs = fit_pair(X, init, "lloyd")
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=RTOL[dtype])


def everything(X, algorithm="lloyd", sw=None):
    """Every number a fit on X gives (for comparing runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = KMeans(K, algorithm=algorithm, n_init=2, init="random", random_state=0)
        est.fit(X, sample_weight=sw)
        seeded = KMeans(K, algorithm=algorithm, random_state=1).fit(X)
    seeds, seed_rows = kmeans_plusplus(X, K, random_state=3)
    return {
        "labels": est.labels_,
        "centers": est.cluster_centers_,
        "inertia": est.inertia_,
        "n_iter": est.n_iter_,
        "seeded_centers": seeded.cluster_centers_,
        "seeded_n_iter": seeded.n_iter_,
        "predict": est.predict(X),
        "transform": est.transform(X),
        "score": est.score(X),
        "seeds": seeds,
        "seed_rows": seed_rows,
    }


def assert_identical(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_formats_and_algorithms_give_identical_results(dtype):
    X = tfidf_like(seed=6, dtype=dtype)
    sw = np.random.default_rng(7).uniform(0.5, 2, X.shape[0])
    reference = everything(X, "lloyd", sw)
    for convert in (sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.csc_array):
        assert_identical(everything(convert(X), "lloyd", sw), reference)
    for algorithm in ALGORITHMS[1:]:
        assert_identical(everything(X, algorithm, sw), reference)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_thread_count_changes_nothing(dtype, numba_threads):
    # Enough rows for several blocks and tiles.
    X = tfidf_like(seed=8, n_samples=5000, n_features=300, dtype=dtype)
    results = []
    for n_threads in (1, 2):
        numba_threads(n_threads)
        results.append(everything(X))
    assert_identical(*results)


def test_dense_and_sparse_agree():
    X = tfidf_like(seed=9)
    init = dense_means(X, K, seed=1)
    sparse = KMeans(K, init=init, n_init=1).fit(X)
    dense = KMeans(K, init=init, n_init=1).fit(X.toarray())
    np.testing.assert_array_equal(sparse.labels_, dense.labels_)
    assert sparse.n_iter_ == dense.n_iter_
    np.testing.assert_allclose(sparse.cluster_centers_, dense.cluster_centers_, 1e-12)
    np.testing.assert_allclose(sparse.inertia_, dense.inertia_, rtol=1e-12)
    np.testing.assert_array_equal(dense.predict(X), dense.labels_)
    np.testing.assert_array_equal(sparse.predict(X.toarray()), sparse.labels_)
    seeds = kmeans_plusplus(X, K, random_state=4)[1]
    np.testing.assert_array_equal(
        seeds, kmeans_plusplus(X.toarray(), K, random_state=4)[1]
    )


def test_every_method_takes_sparse_input_and_keeps_float32():
    X = tfidf_like(seed=10, dtype=np.float32)
    before = (X.data.copy(), X.indices.copy(), X.indptr.copy())
    est = KMeans(K, random_state=0)
    labels = est.fit_predict(X)
    assert est.cluster_centers_.dtype == np.float32
    np.testing.assert_array_equal(labels, est.predict(X))
    distances = est.fit_transform(X)
    assert distances.dtype == np.float32 and distances.shape == (X.shape[0], K)
    expected = np.sqrt(((X.toarray()[:, None] - est.cluster_centers_) ** 2).sum(-1))
    np.testing.assert_allclose(distances, expected, rtol=1e-4, atol=1e-6)
    assert est.score(X) == pytest.approx(-est.inertia_, rel=1e-6)
    centers, labels, inertia = k_means(X, K, random_state=0)
    assert centers.dtype == np.float32 and inertia == pytest.approx(est.inertia_)
    for array, kept in zip((X.data, X.indices, X.indptr), before, strict=True):
        np.testing.assert_array_equal(array, kept)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csr_is_used_without_a_copy(dtype, index_dtype):
    X = tfidf_like(seed=11, n_samples=50, dtype=dtype)
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    rows = check_csr(X)
    assert rows.data is X.data and rows.indices is X.indices and rows.indptr is X.indptr
    assert rows.matrix() is X
    KMeans(3, n_init=1, random_state=0).fit(X)


def test_minibatch_sparse_equals_dense():
    """Rows of unequal norms: no mass ties between seeds, which dense and
    sparse break by different roundings (only there can they differ)."""
    X = tfidf_like(seed=12, n_samples=2000)
    X = sp.csr_matrix(sp.diags(np.random.default_rng(0).uniform(0.5, 2, 2000)) @ X)
    for dtype in (np.float64, np.float32):
        Xs, Xd = X.astype(dtype), X.toarray().astype(dtype)
        a = MiniBatchKMeans(K, batch_size=200, random_state=0).fit(Xs)
        b = MiniBatchKMeans(K, batch_size=200, random_state=0).fit(Xd)
        np.testing.assert_array_equal(a.labels_, b.labels_)
        np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, 1e-6)
        p, q = MiniBatchKMeans(K, random_state=0), MiniBatchKMeans(K, random_state=0)
        for start in range(0, 2000, 500):
            p.partial_fit(Xs[start : start + 500])
            q.partial_fit(Xd[start : start + 500])
        np.testing.assert_array_equal(p.predict(Xs), q.predict(Xd))
        assert p.cluster_centers_.dtype == dtype


def test_kmeans_plusplus_picks_sklearns_rows_and_uses_given_norms():
    X = tfidf_like(seed=13)
    ours = kmeans_plusplus(X, 8, random_state=0)
    theirs = sklearn_cluster.kmeans_plusplus(X, 8, random_state=0)
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[0], X[ours[1]].toarray())
    norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    same = kmeans_plusplus(X, 8, random_state=0, x_squared_norms=norms)
    np.testing.assert_array_equal(same[1], ours[1])
    # A huge norm makes row 77 the farthest from everything: it gets drawn.
    norms[77] = 1e12
    skewed = kmeans_plusplus(X, 8, random_state=0, x_squared_norms=norms)
    assert 77 in skewed[1] and 77 not in ours[1]


def test_callable_init_gets_the_csr_matrix():
    X = tfidf_like(seed=14, n_samples=100)
    seen = []

    def init(data, n_clusters, random_state):
        seen.append(data)
        return data[:n_clusters].toarray()

    KMeans(3, init=init, n_init=1).fit(sp.csc_matrix(X))
    assert sp.issparse(seen[0]) and seen[0].format == "csr"
    np.testing.assert_array_equal(seen[0].toarray(), X.toarray())


def test_import_does_not_import_scipy():
    """With scipy unimportable, kmeans_core imports and fits dense data."""
    code = (
        "import sys\n"
        "sys.modules['scipy'] = None\n"
        "import numpy as np, kmeans_core\n"
        "assert not any(m.startswith('scipy.') for m in sys.modules)\n"
        "X = np.random.default_rng(0).normal(size=(200, 3))\n"
        "print(kmeans_core.KMeans(3, random_state=0).fit(X).n_iter_)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    # And no module of kmeans_core imports scipy itself, but for the precompile
    # command's sparse workload, inside its function (run only when asked).
    import kmeans_core

    package = pathlib.Path(kmeans_core.__file__).parent
    for path in sorted(package.rglob("*.py")):
        for line in path.read_text().splitlines():
            if "import scipy" in line:
                assert path.name == "precompile.py", (path, line)
                assert line.startswith("    from scipy import sparse"), line


def test_init_centroids_hook_seeds_like_fit_and_uses_given_norms():
    """scikit-learn's private ``_init_centroids``, kept for code that calls it."""
    X = tfidf_like(seed=15, n_samples=300)
    est = KMeans(4)
    seeds = est._init_centroids(X, None, "k-means++", 0, None, n_centroids=5)
    np.testing.assert_array_equal(seeds, kmeans_plusplus(X, 5, random_state=0)[0])
    norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    norms[9] = 1e12  # used: row 9 becomes the farthest from everything
    skewed = est._init_centroids(X, norms, "k-means++", 0, None)
    assert any(np.array_equal(row, X[9].toarray()[0]) for row in skewed)
    subset = est._init_centroids(X, None, "random", 0, None, init_size=50)
    assert subset.shape == (4, X.shape[1])
    est.fit(X)
    assert est._n_init == 1
