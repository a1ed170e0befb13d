"""Which kernel runs Lloyd's pass (``drivers.dispatch``); the choice changes only speed.

The rule is the measured map of ``dispatch.lloyd_pass``; every candidate must
give the same fit bit for bit, and while the dot-product or row-major kernels
are not compiled the pass goes through BLAS (its NumPy twins first), with the same
result.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import KMeans, _background, _jit
from kmeans_core._kernels.distances import assign_nearest
from kmeans_core._kernels.dots import dots_pass
from kmeans_core._kernels.lloyd import lloyd_assign_accumulate
from kmeans_core._kernels.rows import rows_assign, rows_assign_accumulate
from kmeans_core._kernels.unrolled import UNROLLED_KERNELS
from kmeans_core.drivers import dispatch, first_use
from kmeans_core.drivers.dispatch import (
    blas_applies,
    direct_kernels,
    direct_wait_for_compile,
    lloyd_pass,
    lloyd_pass_forced,
    use_gemm,
)

DTYPES = [np.float32, np.float64]


def _fused_kernel(name, n_features):
    """The fused kernel (the dispatcher it runs) of ``lloyd_pass``'s ``name``."""
    return {
        "unrolled": UNROLLED_KERNELS.get(n_features, (None,))[0],
        "tiled": lloyd_assign_accumulate,
        "rows": rows_assign_accumulate,
        "dots": dots_pass,  # the dispatcher the launcher runs
        "blas": dots_pass,  # the direct kernels beside BLAS
    }[name]


@pytest.mark.parametrize(
    ("n_clusters", "n_features", "dtype", "expected"),
    [
        (1024, 8, np.float32, "unrolled"),
        (1024, 15, np.float32, "tiled"),
        (3, 9, np.float32, "rows"),
        (4, 15, np.float32, "tiled"),
        (8, 9, np.float64, "rows"),
        (9, 15, np.float64, "tiled"),
        (2, 16, np.float64, "rows"),
        (7, 31, np.float32, "rows"),
        (8, 31, np.float32, "dots"),
        (8, 16, np.float64, "dots"),
        (256, 16, np.float32, "dots"),
        (257, 16, np.float32, "blas"),
        (257, 31, np.float32, "blas"),
        (128, 16, np.float64, "dots"),
        (8, 32, np.float32, "rows"),
        (9, 32, np.float32, "dots"),
        (511, 32, np.float32, "dots"),
        (512, 32, np.float32, "blas"),
        (512, 63, np.float32, "blas"),
        (512, 64, np.float32, "dots"),
        (1023, 127, np.float32, "dots"),
        (1024, 64, np.float32, "blas"),
        (256, 128, np.float32, "dots"),
        (1024, 512, np.float32, "blas"),
        (1024, 512, np.float64, "dots"),
        (2, 512, np.float64, "rows"),
    ],
)
def test_lloyd_pass_follows_the_measured_map(n_clusters, n_features, dtype, expected):
    assert lloyd_pass(n_clusters, n_features, dtype) == expected
    assert use_gemm(n_clusters, n_features, dtype) == (expected == "blas")
    chosen = direct_kernels(np.zeros((3, n_features), dtype), n_clusters)
    kernel = getattr(chosen.assign_accumulate, "func", chosen.assign_accumulate)
    assert kernel is _fused_kernel(expected, n_features)


@pytest.mark.parametrize(
    ("n_clusters", "n_features", "dtype", "expected"),
    [
        (2, 3, np.float32, "unrolled"),
        (2, 12, np.float32, "tiled"),  # the fused pass: rows
        (16, 128, np.float32, "tiled"),  # the fused pass: dots
        (17, 128, np.float32, "dots"),
        (16, 129, np.float32, "dots"),
        (4, 256, np.float32, "rows"),
        (8, 16, np.float64, "tiled"),  # the fused pass: dots
        (4, 17, np.float64, "rows"),
        (63, 12, np.float64, "tiled"),
    ],
)
def test_the_assign_only_pass_follows_its_own_measured_map(
    n_clusters, n_features, dtype, expected
):
    assert dispatch.assign_kernel_name(n_clusters, n_features, dtype) == expected
    chosen = direct_kernels(np.zeros((3, n_features), dtype), n_clusters)
    kernel = getattr(chosen.assign, "func", chosen.assign)
    assign = {
        "unrolled": UNROLLED_KERNELS.get(n_features, (None, None))[1],
        "tiled": assign_nearest,
        "rows": rows_assign,
        "dots": dots_pass,  # the dispatcher the launcher runs
    }
    assert kernel is assign[expected]
    # The fused pass keeps its own choice.
    fused = getattr(chosen.assign_accumulate, "func", chosen.assign_accumulate)
    expected_fused = lloyd_pass(n_clusters, n_features, dtype)
    assert fused is _fused_kernel(expected_fused, n_features)


@pytest.mark.parametrize("dtype", DTYPES)
def test_below_d16_at_many_clusters_the_assign_pass_takes_dots_once_compiled(
    monkeypatch, dtype
):
    for n_clusters, n_features in ((64, 12), (1024, 15)):
        monkeypatch.setattr(dispatch, "pending", lambda kernel, dt: True)
        assert dispatch.assign_kernel_name(n_clusters, n_features, dtype) == "tiled"
        monkeypatch.setattr(dispatch, "pending", lambda kernel, dt: False)
        assert dispatch.assign_kernel_name(n_clusters, n_features, dtype) == "dots"
        chosen = direct_kernels(np.zeros((3, n_features), dtype), n_clusters)
        assert chosen.assign.func is dots_pass
        assert chosen.assign_accumulate is lloyd_assign_accumulate


def test_a_forced_pass_wins_over_the_map_and_is_restored():
    with lloyd_pass_forced("tiled"):
        assert lloyd_pass(4, 64, np.float32) == "tiled"
        assert direct_kernels(np.zeros((2, 64)), 4) == (
            lloyd_assign_accumulate,
            assign_nearest,
        )
        with lloyd_pass_forced("blas"):
            assert use_gemm(2, 3)
        with lloyd_pass_forced("rows"):  # the assign-only pass is forced too
            chosen = direct_kernels(np.zeros((2, 64), np.float32), 4)
            assert chosen.assign.func is rows_assign
        assert lloyd_pass(4, 64, np.float32) == "tiled"
    assert lloyd_pass(4, 64, np.float32) == "rows"
    with pytest.raises(ValueError, match="cannot force"):
        with lloyd_pass_forced("unrolled"):
            pass


def _blobs(n, d, k, dtype, seed=5):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    X = centers[rng.integers(0, k, n)] + rng.normal(size=(n, d)) + 20.0
    return X.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan", "hamerly", "yinyang"])
def test_whole_fits_do_not_depend_on_lloyds_pass(dtype, algorithm):
    """The same fit through every candidate: the same bits."""
    X = _blobs(6000, 40, 33, dtype)
    init = X[:33].copy()
    w = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0]).astype(dtype)
    fits = []
    for name in ("tiled", "rows", "dots", "blas"):
        with _jit.forced(False), lloyd_pass_forced(name):
            km = KMeans(33, init=init, n_init=1, algorithm=algorithm, max_iter=40)
            km.fit(X, sample_weight=w)
            assert (km.predict(X) == km.labels_).all()
        fits.append(km)
    for km in fits[1:]:
        np.testing.assert_array_equal(km.labels_, fits[0].labels_)
        np.testing.assert_array_equal(km.cluster_centers_, fits[0].cluster_centers_)
        assert km.n_iter_ == fits[0].n_iter_
        assert km.inertia_ == fits[0].inertia_


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n_clusters", "waited_for"), [(20, "dots"), (3, "rows")])
def test_blas_stands_in_while_the_direct_kernels_are_not_compiled(
    monkeypatch, dtype, n_clusters, waited_for
):
    X = _blobs(5000, 24, n_clusters, dtype)
    assert lloyd_pass(n_clusters, 24, dtype) == waited_for
    assert not use_gemm(n_clusters, 24, dtype)
    # Compiled or loaded: the direct kernels run.
    with _jit.forced(False):
        assert direct_wait_for_compile(X, n_clusters) is None
        assert not blas_applies(X, n_clusters)
    # Only the twins (as in a fresh environment): BLAS's twins run instead.
    with _jit.forced(True):
        assert direct_wait_for_compile(X, n_clusters) == waited_for
        assert blas_applies(X, n_clusters)
        with lloyd_pass_forced(waited_for):  # a forced pass is taken as it is
            assert direct_wait_for_compile(X, n_clusters) is None
    # Not compiled, and neither the BLAS kernel nor its twins available: the
    # direct kernels compile and run.
    monkeypatch.setattr(dispatch, "pending", lambda kernel, dt: True)
    monkeypatch.setattr(dispatch, "compiled_for", lambda kernel, dt: False)
    monkeypatch.setattr(dispatch, "twins_would_run", lambda kernel, dt, path: False)
    assert direct_wait_for_compile(X, n_clusters) is None
    monkeypatch.setattr(dispatch, "twins_would_run", lambda kernel, dt, path: True)
    assert direct_wait_for_compile(X, n_clusters) == waited_for
    # The tiled kernels (d = 12, k = 20) have no BLAS stand-in: nothing to wait for.
    assert direct_wait_for_compile(X[:, :12].copy(), 20) is None
    # A fit that waits asks for the kernels it waits for in the background.
    asked = []
    monkeypatch.setattr(_background, "request", lambda w, d: asked.append((w, d)))
    first_use.start_fit(X, n_clusters, "lloyd")
    assert asked == [(waited_for, str(np.dtype(dtype)))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_clusters", [20, 3], ids=["dots", "rows"])
def test_a_fit_waiting_for_the_direct_kernels_gives_their_result(dtype, n_clusters):
    X = _blobs(5000, 24, n_clusters, dtype, seed=8)
    init = X[:n_clusters].copy()
    fits = []
    for twins in (True, False):
        with _jit.forced(twins):
            km = KMeans(n_clusters, init=init, n_init=1, max_iter=30, algorithm="lloyd")
            fits.append(km.fit(X))
    np.testing.assert_array_equal(fits[0].labels_, fits[1].labels_)
    np.testing.assert_array_equal(fits[0].cluster_centers_, fits[1].cluster_centers_)
    assert fits[0].n_iter_ == fits[1].n_iter_


def test_jit_call_asks_about_the_dispatcher_a_launcher_runs():
    """``_jit.call`` on ``dots_assign``: the twin or the kernel, as for any kernel."""
    from kmeans_core._blocks import block_starts
    from kmeans_core._kernels.dots import dots_assign

    X = _blobs(300, 20, 4, np.float64)
    centers = X[:4].copy()
    args = (X, centers, block_starts(300, 4, 20))
    twin_calls = []

    def twin(X, centers, starts, labels, distances):
        twin_calls.append(1)
        assign_nearest(X, centers, starts, labels, distances)

    results = []
    for twins in (True, False):
        out = (np.empty(300, np.int32), np.empty(300))
        with _jit.forced(twins):
            _jit.call(dots_assign, twin, *args, *out)
        results.append(out)
    assert twin_calls == [1]
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    # Compiled now: the launcher's dispatcher is ready for these arguments.
    kernel_args = dots_assign.kernel_args(*args, *results[1])
    assert _jit.is_ready(dots_assign.func, kernel_args)
    assert not _jit.use_twin(dots_assign.func, kernel_args, "small")
