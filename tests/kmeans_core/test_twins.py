"""The NumPy twins (``kmeans_core._twins``) give their kernels' results bit for bit.

Random small data sets in both dtypes, with and without weights, rounded so that
distances tie, and initial centers that all coincide so that clusters empty and
are relocated; every output is compared with ``np.array_equal`` (no tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import _jit, _twins
from kmeans_core._blocks import block_starts
from kmeans_core._kernels.common import weighted_inertia
from kmeans_core._kernels.distances import assign_nearest, pairwise_euclidean
from kmeans_core._kernels.moments import (
    CHUNK_ROWS,
    column_means,
    column_moments_serial,
    column_variances,
    total_sum,
)
from kmeans_core._kernels.seeding import weighted_index
from kmeans_core._kernels.small import kmeans_plusplus_serial, lloyd_serial

N_CASES = 24


def _case(seed: int, dtype: type) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 1025))
    d = int(rng.integers(1, 10))
    k = int(rng.integers(1, min(n, 16) + 1))
    scale = float(rng.choice([1e-3, 1.0, 1e3]))
    X = rng.standard_normal((n, d)) * scale + rng.uniform(-5, 5) * scale
    if seed % 3 == 0:  # ties: many equal distances
        X = np.round(X / scale, 1) * scale
    weights = rng.uniform(0.1, 3.0, n) if seed % 2 else np.ones(n)
    return X.astype(dtype), weights.astype(dtype), k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(N_CASES))
def test_small_twins_equal_their_kernels(seed, dtype):
    X, weights, k = _case(seed, dtype)
    n, d = X.shape
    rng = np.random.default_rng(seed + 1000)

    moments = [np.empty(d) for _ in range(4)]
    column_moments_serial(X, moments[0], moments[1])
    _twins.column_moments_serial(X, moments[2], moments[3])
    assert np.array_equal(moments[0], moments[2])
    assert np.array_equal(moments[1], moments[3])

    weights64 = weights.astype(np.float64)
    uniform = float(rng.uniform())
    total = weights64.sum()
    assert weighted_index(weights64, total, uniform) == _twins.weighted_index(
        weights64, total, uniform
    )

    n_trials = 2 + int(np.log(k))
    first = int(rng.integers(n))
    uniforms = rng.uniform(size=(k - 1, n_trials))
    seeded = []
    for seeder in (kmeans_plusplus_serial, _twins.kmeans_plusplus_serial):
        centers, indices = np.empty((k, d), dtype), np.full(k, -1, np.intp)
        seeder(X, weights, first, uniforms, centers, indices)
        seeded.append((centers, indices))
    assert np.array_equal(seeded[0][0], seeded[1][0])
    assert np.array_equal(seeded[0][1], seeded[1][1])

    tol = float(np.mean(moments[1])) * (0.0, 1e-4, 1e-2)[seed % 3]
    for init in (seeded[0][0], np.repeat(X[:1], k, axis=0)):  # the second empties
        runs = []
        for run in (lloyd_serial, _twins.lloyd_serial):
            centers, labels = init.copy(), np.empty(n, np.int32)
            result = run(X, weights, centers, 300, tol, labels)
            runs.append((centers, labels, tuple(result)))
        assert np.array_equal(runs[0][0], runs[1][0])
        assert np.array_equal(runs[0][1], runs[1][1])
        assert runs[0][2] == runs[1][2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_features", [3, 11, 20])  # per-d, tiled, row-major
@pytest.mark.parametrize("seed", range(3))
def test_prediction_twins_equal_their_kernels(seed, n_features, dtype):
    """predict (generic and per-d kernels), score's inertia and transform."""
    from kmeans_core.drivers import direct_kernels

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(2, 1025)), int(rng.integers(1, 17))
    X = np.round(rng.standard_normal((n, n_features)), seed).astype(dtype)
    weights = rng.uniform(0.1, 3.0, n).astype(dtype)
    centers = X[rng.choice(n, min(k, n), replace=False)]
    k = centers.shape[0]
    starts = block_starts(n, k, n_features)
    outputs = []
    for assign in (assign_nearest, direct_kernels(X, k).assign, _twins.assign_nearest):
        labels, distances = np.empty(n, np.int32), np.empty(n, dtype)
        assign(X, centers, starts, labels, distances)
        outputs.append((labels, distances))
    for labels, distances in outputs[1:]:
        assert np.array_equal(labels, outputs[0][0])
        assert np.array_equal(distances, outputs[0][1])
    labels = outputs[0][0]
    assert weighted_inertia(X, weights, centers, labels, starts) == (
        _twins.weighted_inertia(X, weights, centers, labels, starts)
    )
    kernel, twin = np.empty((n, k), dtype), np.empty((n, k), dtype)
    pairwise_euclidean(X, centers, kernel)
    _twins.pairwise_euclidean(X, centers, twin)
    assert np.array_equal(kernel, twin)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2 * CHUNK_ROWS + 7, 2), (3, 5), (20001, 13)])
def test_moment_twins_add_chunks_in_order(shape, dtype):
    """Serial and parallel moments, and the eight-lane total, over chunks."""
    rng = np.random.default_rng(3)
    X = (rng.standard_normal(shape) * 30 + 100).astype(dtype)
    serial, parallel, twin = (np.empty((2, shape[1])) for _ in range(3))
    column_moments_serial(X, serial[0], serial[1])
    column_means(X, parallel[0])
    column_variances(X, parallel[0], parallel[1])
    _twins.column_moments_serial(X, twin[0], twin[1])
    assert np.array_equal(serial, twin)
    assert np.array_equal(parallel, twin)
    assert total_sum(X) == _twins.total_sum(X)


def test_call_runs_the_twin_until_its_budget_is_spent(monkeypatch):
    """The twin until the kernel is worth loading (cached) or compiling."""
    calls = []

    def twin(*args):
        calls.append("twin")
        return "twin"

    class Kernel:
        overloads: dict = {}

        def __call__(self, *args):
            calls.append("kernel")
            self.overloads = {"compiled": True}
            return "kernel"

    cached = False
    monkeypatch.setattr(_jit, "_cached", lambda kernel, signature: cached)
    monkeypatch.setattr(_jit, "_twin_seconds", 0.0)
    assert _jit.call(Kernel(), twin, np.ones(3)) == "twin"
    monkeypatch.setattr(_jit, "_twin_seconds", _jit.LOAD_AFTER_SECONDS)
    assert _jit.call(Kernel(), twin, np.ones(3)) == "twin"  # to compile: wait
    cached = True
    assert _jit.call(Kernel(), twin, np.ones(3)) == "kernel"  # to load: go
    kernel = Kernel()
    monkeypatch.setattr(_jit, "_twin_seconds", _jit.COMPILE_AFTER_SECONDS)
    cached = False
    assert _jit.call(kernel, twin, np.ones(3)) == "kernel"  # compiled now
    monkeypatch.setattr(_jit, "_twin_seconds", 0.0)
    assert _jit.call(kernel, twin, np.ones(3)) == "kernel"  # and kept
    assert calls == ["twin", "twin", "kernel", "kernel", "kernel"]


def _recording_kernel_and_twin():
    """A stand-in kernel class (never compiled) and twin that log their calls."""
    calls = []

    class Kernel:
        overloads: dict = {}

        def __call__(self, *args):
            calls.append("kernel")
            return "kernel"

    def twin(*args):
        calls.append("twin")
        return "twin"

    return calls, Kernel, twin


def test_a_cached_kernel_on_a_large_data_path_is_loaded_at_once(monkeypatch):
    calls, Kernel, twin = _recording_kernel_and_twin()
    cached = True
    monkeypatch.setattr(_jit, "_cached", lambda kernel, signature: cached)
    monkeypatch.setattr(_jit, "_twin_seconds", 0.0)
    assert _jit.call(Kernel(), twin, np.ones(3), path="small") == "twin"
    assert _jit.call(Kernel(), twin, np.ones(3), path="gemm") == "kernel"
    assert _jit.call(Kernel(), twin, np.ones(3), path="seeding") == "kernel"
    cached = False  # not cached: the twins run within the path's budget
    assert _jit.call(Kernel(), twin, np.ones(3), path="gemm") == "twin"
    assert calls == ["twin", "kernel", "kernel", "twin"]


def test_twins_outlast_their_budget_while_a_background_compile_runs(monkeypatch):
    """No foreground compile of what a background process is compiling."""
    from kmeans_core import _background

    calls, Kernel, twin = _recording_kernel_and_twin()
    running, cached, asked = True, False, []
    monkeypatch.setattr(_background, "running", lambda: asked.append(1) or running)
    monkeypatch.setattr(_jit, "_cached", lambda kernel, signature: cached)
    monkeypatch.setattr(_jit, "_in_cache", {})
    monkeypatch.setattr(_jit, "_background_asked", -float("inf"))
    monkeypatch.setattr(_jit, "_background_seen", False)
    monkeypatch.setattr(_jit, "_twin_seconds", _jit.compile_budget("gemm") + 1.0)
    kernel = Kernel()
    assert _jit.call(kernel, twin, np.ones(3), path="gemm") == "twin"
    assert _jit.call(kernel, twin, np.ones(3), path="gemm") == "twin"
    assert len(asked) == 1  # the disk is asked at most every poll interval
    # The small path's budget is not lifted: the background does not compile it.
    assert _jit.call(kernel, twin, np.ones(3, dtype=np.float32)) == "kernel"
    # The compile ends, having cached the kernel: looked up afresh and loaded.
    running, cached = False, True
    monkeypatch.setattr(_jit, "_background_asked", -float("inf"))
    assert _jit.call(kernel, twin, np.ones(3), path="gemm") == "kernel"
    assert calls == ["twin", "twin", "kernel", "kernel"]


def test_the_disk_is_asked_again_before_a_compile(monkeypatch, caplog):
    """A kernel cached by another process since the first look is loaded."""
    calls, Kernel, twin = _recording_kernel_and_twin()
    answers = []

    def cached(kernel, signature):
        answers.append(len(answers) > 0)  # not cached at first, then cached
        return answers[-1]

    monkeypatch.setattr(_jit, "_cached", cached)
    monkeypatch.setattr(_jit, "_in_cache", {})
    monkeypatch.setattr(_jit, "compile_in_background", lambda: False)
    monkeypatch.setattr(_jit, "_announced", set())
    monkeypatch.setattr(_jit, "_twin_seconds", 0.0)
    kernel = Kernel()
    assert _jit.call(kernel, twin, np.ones(3), path="gemm") == "twin"
    monkeypatch.setattr(_jit, "_twin_seconds", _jit.compile_budget("gemm") + 1.0)
    with caplog.at_level("INFO", logger="kmeans_core"):
        assert _jit.call(kernel, twin, np.ones(3), path="gemm") == "kernel"
    assert answers == [False, True]
    assert "compiling" not in caplog.text  # loaded, not compiled: not announced


def test_twins_running_at_once_count_their_wall_time_once(monkeypatch):
    import threading
    import time

    monkeypatch.setattr(_jit, "_twin_seconds", 0.0)
    barrier = threading.Barrier(2)

    def twin_work():
        with _jit.twin_timer():
            barrier.wait()
            time.sleep(0.2)

    threads = [threading.Thread(target=twin_work) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    # Two threads overlapping for 0.2 s: about 0.2 s of budget, not 0.4.
    assert 0.2 <= _jit._twin_seconds <= wall
