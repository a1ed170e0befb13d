"""The whole-array statistics kernels against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import _stats
from kmeans_core._kernels import moments
from kmeans_core.runs import scaled_tolerance

# Row counts below, at and across the chunk boundary, and several chunks.
ROW_COUNTS = [1, 7, moments._CHUNK_ROWS, moments._CHUNK_ROWS + 1, 3 * 16384 + 5]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_samples", ROW_COUNTS)
@pytest.mark.parametrize("n_features", [1, 3, 8, 13])
def test_column_means_and_variances_match_numpy(rng, dtype, n_samples, n_features):
    # Offset far from zero: a one-pass formula would cancel here.
    X = (rng.standard_normal((n_samples, n_features)) * 0.01 + 1e4).astype(dtype)
    mean, out = np.empty(n_features), np.empty(n_features)
    moments.column_means(X, mean)
    moments.column_variances(X, mean, out)
    X64 = X.astype(np.float64)
    np.testing.assert_allclose(mean, X64.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(out, X64.var(axis=0), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_samples", ROW_COUNTS)
def test_serial_moments_equal_the_parallel_kernels(rng, dtype, n_samples, order):
    X = np.asarray(
        rng.standard_normal((n_samples, 5)) * 3.0 + 7.0, dtype=dtype, order=order
    )
    mean, variance = np.empty(5), np.empty(5)
    moments.column_means(X, mean)
    moments.column_variances(X, mean, variance)
    serial_mean, serial_variance = np.empty(5), np.empty(5)
    moments.column_moments_serial(X, serial_mean, serial_variance)
    np.testing.assert_array_equal(serial_mean, mean)
    np.testing.assert_array_equal(serial_variance, variance)
    np.testing.assert_allclose(serial_variance, X.astype(np.float64).var(axis=0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_samples", ROW_COUNTS)
@pytest.mark.parametrize("n_features", [1, 2, 5, 9])
def test_total_sum_matches_numpy(rng, dtype, n_samples, n_features):
    X = rng.uniform(-1.0, 3.0, size=(n_samples, n_features)).astype(dtype)
    expected = X.sum(dtype=np.float64)
    total = moments.total_sum(X)
    assert total == pytest.approx(expected, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_total_sum_is_not_finite_with_nan_or_inf(rng, bad):
    X = rng.standard_normal((40000, 3))
    X[33333, 2] = bad
    assert not np.isfinite(moments.total_sum(X))


def test_statistics_do_not_depend_on_thread_count(rng, numba_threads):
    X = rng.standard_normal((5 * moments._CHUNK_ROWS + 17, 6)).astype(np.float32)
    results = []
    for threads in (1, 2):
        numba_threads(threads)
        mean, out = np.empty(6), np.empty(6)
        moments.column_means(X, mean)
        moments.column_variances(X, mean, out)
        results.append((mean, out, moments.total_sum(X)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


def test_scaled_tolerance_is_tol_times_mean_variance(rng):
    X = rng.standard_normal((1000, 4)) * np.array([1.0, 2.0, 3.0, 4.0])
    expected = 1e-4 * np.mean(np.var(X, axis=0))
    assert scaled_tolerance(X, 1e-4) == pytest.approx(expected, rel=1e-12)
    assert scaled_tolerance(X, 0.0) == 0.0
    # A strided view is handled without changing the answer.
    view = np.asfortranarray(X)
    assert scaled_tolerance(view, 1e-4) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n_samples", [5, 200, _stats.PARALLEL_MIN_VALUES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stats_wrappers_agree_with_numpy_on_both_paths(rng, n_samples, dtype):
    # Small arrays take the NumPy path, large ones the kernels.
    X = (rng.standard_normal((n_samples, 3)) + 50.0).astype(dtype)
    X64 = X.astype(np.float64)
    mean, variance = _stats.mean_and_variance(X)
    np.testing.assert_allclose(mean, X64.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(variance, X64.var(axis=0), rtol=1e-9)
    assert _stats.data_sum(X) == pytest.approx(X64.sum(), rel=1e-12)
    # Strided inputs: the sum falls back to NumPy, the moments stay compiled.
    assert _stats.data_sum(X64[::2]) == pytest.approx(X64[::2].sum(), rel=1e-12)
    strided_mean, strided_variance = _stats.mean_and_variance(X[::2])
    np.testing.assert_allclose(strided_mean, X64[::2].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(strided_variance, X64[::2].var(axis=0), rtol=1e-9)
    assert _stats.data_sum(np.ones((4, 2), dtype=np.int64)) == 8.0
