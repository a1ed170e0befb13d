"""The Dask backend against the in-memory estimator, on a LocalCluster."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kmeans_core import KMeans

from .datasets import anisotropic, blobs, init_rows, mean_and_sem, positive_weights

da = pytest.importorskip("dask.array", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")
import dask  # noqa: E402

from kmeans_core.dask import INIT_SAMPLE_SIZE  # noqa: E402
from kmeans_core.dask import KMeans as DaskKMeans  # noqa: E402

X = blobs(seed=4, n_samples=3000, n_features=4, n_clusters=5, sep=3.0)
INIT = init_rows(X, 5, seed=1)


@pytest.fixture(scope="module", autouse=True)
def client():
    # Threads, not processes: starts in well under a second, and the Numba
    # kernels are already compiled in this process.
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def assert_same_fit(dask_est, memory_est, rtol=1e-6):
    assert dask_est.n_iter_ == memory_est.n_iter_
    np.testing.assert_allclose(
        dask_est.cluster_centers_, memory_est.cluster_centers_, rtol=rtol, atol=1e-12
    )
    np.testing.assert_allclose(dask_est.inertia_, memory_est.inertia_, rtol=rtol)
    np.testing.assert_array_equal(dask_est.labels_.compute(), memory_est.labels_)


CHUNKINGS = [3000, 1000, 777, (100, 1900, 1000), (2999, 1)]


@pytest.mark.parametrize("chunks", CHUNKINGS, ids=str)
def test_same_as_in_memory_from_same_init(chunks):
    memory = KMeans(n_clusters=5, init=INIT, n_init=1).fit(X)
    got = DaskKMeans(n_clusters=5, init=INIT).fit(da.from_array(X, chunks=(chunks, 4)))
    assert_same_fit(got, memory)


@pytest.mark.parametrize("tol", [0.0, 1e-2])
def test_same_as_in_memory_other_data(tol):
    Xa = anisotropic(seed=2, n_samples=2500, n_features=3, n_clusters=6)
    init = init_rows(Xa, 6, seed=3)
    memory = KMeans(n_clusters=6, init=init, n_init=1, tol=tol).fit(Xa)
    got = DaskKMeans(n_clusters=6, init=init, tol=tol).fit(
        da.from_array(Xa, chunks=(600, 3))
    )
    assert_same_fit(got, memory)


def test_same_as_in_memory_blas_path():
    # k >= 32 and d >= 16 take the GEMM path in both.
    Xg = blobs(seed=5, n_samples=2000, n_features=16, n_clusters=32, sep=5.0)
    init = init_rows(Xg, 32, seed=0)
    memory = KMeans(n_clusters=32, init=init, n_init=1, max_iter=20).fit(Xg)
    with pytest.warns(Warning) if not memory.converged_ else _no_warning():
        got = DaskKMeans(n_clusters=32, init=init, max_iter=20).fit(
            da.from_array(Xg, chunks=(500, 16))
        )
    assert_same_fit(got, memory)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_float32_same_as_in_memory():
    X32 = X.astype(np.float32)
    memory = KMeans(n_clusters=5, init=INIT, n_init=1).fit(X32)
    got = DaskKMeans(n_clusters=5, init=INIT).fit(da.from_array(X32, chunks=(700, 4)))
    assert got.cluster_centers_.dtype == np.float32
    assert got.labels_.dtype == np.int32
    assert_same_fit(got, memory, rtol=1e-5)


def test_empty_cluster_relocation_same_as_in_memory():
    # One initial center far from all data attracts no point in the first
    # iteration; both paths must move it onto the same farthest row.
    init = INIT.copy()
    init[2] = 1e3
    memory = KMeans(n_clusters=5, init=init, n_init=1).fit(X)
    got = DaskKMeans(n_clusters=5, init=init).fit(da.from_array(X, chunks=(500, 4)))
    assert_same_fit(got, memory)


def test_sample_weight_same_as_in_memory():
    w = positive_weights(len(X), seed=3)
    memory = KMeans(n_clusters=5, init=INIT, n_init=1).fit(X, sample_weight=w)
    unweighted = KMeans(n_clusters=5, init=INIT, n_init=1).fit(X)
    assert not np.allclose(memory.cluster_centers_, unweighted.cluster_centers_)
    for weights in (w, da.from_array(w, chunks=450)):
        got = DaskKMeans(n_clusters=5, init=INIT).fit(
            da.from_array(X, chunks=(800, 4)), sample_weight=weights
        )
        assert_same_fit(got, memory)


def test_integer_weights_equal_repeated_rows_with_kmeans_parallel():
    counts = np.random.default_rng(0).integers(0, 3, size=len(X))
    est = DaskKMeans(n_clusters=5, init=INIT).fit(X, sample_weight=counts)
    repeated = DaskKMeans(n_clusters=5, init=INIT).fit(np.repeat(X, counts, axis=0))
    np.testing.assert_allclose(est.cluster_centers_, repeated.cluster_centers_)
    np.testing.assert_allclose(est.inertia_, repeated.inertia_, rtol=1e-10)


def test_kmeans_plusplus_on_small_data_is_the_in_memory_init():
    assert len(X) <= INIT_SAMPLE_SIZE
    for seed in range(2):
        memory = KMeans(n_clusters=5, random_state=seed).fit(X)
        got = DaskKMeans(n_clusters=5, init="k-means++", random_state=seed).fit(
            da.from_array(X, chunks=(1000, 4))
        )
        assert_same_fit(got, memory)


def test_kmeans_parallel_inertia_close_to_kmeans_plusplus():
    Xh = anisotropic(seed=6, n_samples=4000, n_features=4, n_clusters=10)
    Xd = da.from_array(Xh, chunks=(1000, 4))
    ours, reference = [], []
    for seed in range(8):
        ours.append(DaskKMeans(n_clusters=10, random_state=seed).fit(Xd).inertia_)
        reference.append(KMeans(n_clusters=10, random_state=seed).fit(Xh).inertia_)
    mean_ours, _ = mean_and_sem(ours)
    mean_reference, _ = mean_and_sem(reference)
    assert mean_ours <= 1.03 * mean_reference


def test_deterministic_and_chunk_order_reduction():
    Xd = da.from_array(X, chunks=(600, 4))
    first = DaskKMeans(n_clusters=5, random_state=3).fit(Xd)
    second = DaskKMeans(n_clusters=5, random_state=3).fit(Xd)
    np.testing.assert_array_equal(first.cluster_centers_, second.cluster_centers_)
    assert first.inertia_ == second.inertia_


def test_lazy_outputs_and_local_schedulers():
    Xd = da.from_array(X, chunks=(1000, 4))
    est = DaskKMeans(n_clusters=5, init=INIT).fit(Xd)
    labels, distances = est.predict(Xd), est.transform(Xd)
    assert isinstance(est.labels_, da.Array) and isinstance(labels, da.Array)
    assert isinstance(distances, da.Array) and distances.shape == (len(X), 5)
    np.testing.assert_array_equal(labels.compute(), est.labels_.compute())
    np.testing.assert_array_equal(distances.compute().argmin(axis=1), labels.compute())
    np.testing.assert_array_equal(
        est.predict(est.cluster_centers_).compute(), np.arange(5)
    )
    np.testing.assert_allclose(-est.score(Xd), est.inertia_, rtol=1e-12)
    for scheduler in ("synchronous", "threads"):
        with dask.config.set(scheduler=scheduler):
            again = DaskKMeans(n_clusters=5, init=INIT).fit(Xd)
        np.testing.assert_array_equal(again.cluster_centers_, est.cluster_centers_)


def test_lazily_generated_array():
    # A source computed chunk by chunk (as out of core) is never held whole.
    chunks = da.random.default_rng(0).normal(size=(20_000, 3), chunks=(4_000, 3))
    Xd = chunks + da.arange(20_000, chunks=4_000)[:, None] % 3 * 10.0
    est = DaskKMeans(n_clusters=3, random_state=0).fit(Xd)
    sizes = np.bincount(est.labels_.compute(), minlength=3)
    assert sorted(sizes.tolist()) == pytest.approx([6666, 6667, 6667], abs=50)


def test_import_kmeans_core_does_not_import_dask():
    code = "import sys, kmeans_core; print('dask' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


X_SMALL = blobs(seed=0, n_samples=30, n_features=3, n_clusters=3)
X_NAN = X_SMALL.copy()
X_NAN[4, 1] = np.nan
X_INF = X_SMALL.copy()
X_INF[7, 2] = np.inf

BAD = [
    ("nan", X_NAN, None, {}),
    ("inf", X_INF, None, {}),
    ("1d", np.arange(10.0), None, {}),
    ("3d", np.zeros((4, 4, 4)), None, {}),
    ("no-samples", np.empty((0, 3)), None, {}),
    ("no-features", np.empty((5, 0)), None, {}),
    ("complex", X_SMALL + 1j, None, {}),
    ("strings", np.array([["a", "b"]] * 5), None, {}),
    ("n_clusters>n", X_SMALL[:2], None, {}),
    ("n_clusters-0", X_SMALL, None, {"n_clusters": 0}),
    ("n_clusters-float", X_SMALL, None, {"n_clusters": 2.5}),
    ("algorithm", X_SMALL, None, {"algorithm": "fastest"}),
    ("init-str", X_SMALL, None, {"init": "kmeans++"}),
    ("init-shape", X_SMALL, None, {"init": X_SMALL[:2]}),
    ("tol-neg", X_SMALL, None, {"tol": -1.0}),
    ("max_iter-0", X_SMALL, None, {"max_iter": 0}),
    ("weights-neg", X_SMALL, -np.ones(30), {}),
    ("weights-nan", X_SMALL, np.full(30, np.nan), {}),
    ("weights-len", X_SMALL, np.ones(29), {}),
    ("weights-2d", X_SMALL, np.ones((30, 1)), {}),
    ("weights-zero", X_SMALL, np.zeros(30), {}),
]


def _error_of(call):
    try:
        call()
    except (TypeError, ValueError) as exc:
        return exc
    raise AssertionError("no error raised")


@pytest.mark.parametrize("as_dask", [False, True], ids=["numpy", "dask"])
@pytest.mark.parametrize(
    "X_bad, weights, params", [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_input_as_in_memory(X_bad, weights, params, as_dask):
    params = {"n_clusters": 3, **params}
    expected = _error_of(
        lambda: KMeans(n_init=1, **params).fit(X_bad, sample_weight=weights)
    )
    if as_dask:
        X_bad = da.from_array(X_bad, chunks=(10,) + X_bad.shape[1:])
        if weights is not None:
            weights = da.from_array(weights, chunks=(10,) + weights.shape[1:])
    got = _error_of(lambda: DaskKMeans(**params).fit(X_bad, sample_weight=weights))
    assert type(got) is type(expected)
    # The same message; a value found in a chunk also says where the chunk starts.
    assert str(expected) in str(got)


def test_predict_checks_features_and_fit():
    from kmeans_core import NotFittedError

    with pytest.raises(NotFittedError):
        DaskKMeans(n_clusters=3).predict(X_SMALL)
    est = DaskKMeans(n_clusters=3, random_state=0).fit(X_SMALL)
    with pytest.raises(ValueError, match="features"):
        est.predict(X_SMALL[:, :2])
