"""Results are bit-identical for any number of Numba threads.

The data are large enough to be split into several blocks (the unit of parallel
work), and the shapes cover both assignment paths: the fused direct kernel (few
clusters and features) and the BLAS path (k >= 32 and d >= 16).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kmeans_core import KMeans, k_means, kmeans_plusplus

from .datasets import blobs, positive_weights

numba = pytest.importorskip("numba")

SHAPES = {
    # name: (n_samples, n_features, n_clusters)
    "direct": (6000, 4, 8),
    "gemm": (4000, 16, 32),
}
THREAD_COUNTS = [1, 2]


def _problem(shape, dtype):
    n, d, k = SHAPES[shape]
    X = blobs(seed=5, n_samples=n, n_features=d, n_clusters=k, sep=2.0).astype(dtype)
    return X, k, positive_weights(n, seed=5)


def _everything(X, k, sw, algorithm):
    """Every number a user can get from a fit, for one thread count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = KMeans(
            n_clusters=k, algorithm=algorithm, n_init=2, init="random", random_state=0
        ).fit(X, sample_weight=sw)
        seeded = KMeans(n_clusters=k, algorithm=algorithm, random_state=1).fit(X)
        func = k_means(X, k, sample_weight=sw, random_state=2, algorithm=algorithm)
    X_new = X[::7] + 0.25
    return {
        "labels": est.labels_,
        "centers": est.cluster_centers_,
        "inertia": est.inertia_,
        "n_iter": est.n_iter_,
        "seeded_labels": seeded.labels_,
        "seeded_centers": seeded.cluster_centers_,
        "seeded_inertia": seeded.inertia_,
        "predict": est.predict(X_new),
        "transform": est.transform(X_new),
        "score": est.score(X_new, sample_weight=sw[::7]),
        "k_means": func,
        "kmeans_plusplus": kmeans_plusplus(X, k, sample_weight=sw, random_state=3),
    }


def _assert_bit_identical(a, b, path=""):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_bit_identical(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, tuple | list):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_bit_identical(x, y, f"{path}[{i}]")
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype, path
        # array_equal is exact; compare the bytes too, so -0.0 vs 0.0 would show
        np.testing.assert_array_equal(a, b, err_msg=path)
        assert a.tobytes() == b.tobytes(), path


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan", "hamerly", "yinyang"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_bit_identical_for_any_numba_thread_count(
    shape, dtype, algorithm, numba_threads
):
    if numba.config.NUMBA_NUM_THREADS < max(THREAD_COUNTS):
        pytest.skip("Numba was started with fewer threads than the test needs")
    X, k, sw = _problem(shape, dtype)
    results = []
    for n_threads in THREAD_COUNTS:
        numba_threads(n_threads)
        assert numba.get_num_threads() == n_threads
        results.append(_everything(X, k, sw, algorithm))
    _assert_bit_identical(results[0], results[1])


@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly", "yinyang"])
def test_bit_identical_for_any_blas_thread_count(algorithm):
    """The BLAS path may not depend on the BLAS thread count either."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, k, sw = _problem("gemm", np.float64)
    results = []
    for n_threads in THREAD_COUNTS:
        with threadpoolctl.threadpool_limits(limits=n_threads, user_api="blas"):
            results.append(_everything(X, k, sw, algorithm))
    _assert_bit_identical(results[0], results[1])


@pytest.mark.parametrize("copy_allowed", [False, True], ids=["blas", "tiled"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_high_d_seeding_is_bit_identical_for_any_thread_count(
    dtype, copy_allowed, numba_threads
):
    """High-d k-means++ scores through BLAS on fixed slabs of rows, or, allowed
    to copy X, with the direct kernels on its transposed tiles."""
    from kmeans_core.init import _BLAS_MIN_FEATURES, _kmeans_plusplus

    threadpoolctl = pytest.importorskip("threadpoolctl")
    if numba.config.NUMBA_NUM_THREADS < max(THREAD_COUNTS):
        pytest.skip("Numba was started with fewer threads than the test needs")
    n, d = 20000, _BLAS_MIN_FEATURES + 8  # several slabs
    X = blobs(seed=3, n_samples=n, n_features=d, n_clusters=12).astype(dtype)
    sw = positive_weights(n, seed=3)
    results = []
    for n_threads in THREAD_COUNTS:
        numba_threads(n_threads)
        with threadpoolctl.threadpool_limits(limits=n_threads, user_api="blas"):
            rng = np.random.RandomState(0)
            seeds = _kmeans_plusplus(X, 40, sw.astype(dtype), rng, None, copy_allowed)
            results.append(seeds)
    _assert_bit_identical(results[0], results[1])
