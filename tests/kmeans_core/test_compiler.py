"""The SLP compiler pipeline and the row loader of the per-d kernels."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core import config
from numba.core.errors import TypingError

from kmeans_core._config import MAX_UNROLLED_FEATURES
from kmeans_core._kernels.compiler import SLPCompiler
from kmeans_core._kernels.unrolled import (
    UNROLLED_KERNELS,
    UNROLLED_POTENTIALS,
    _define_kernels,
    accumulator_lanes,
    load_row,
    transpose_tile,
)

from .kernel_outputs import fused_pass


def _add_rows(X, weights, labels, sums):
    for i in range(X.shape[0]):
        for f in range(X.shape[1]):
            sums[labels[i], f] += np.float64(weights[i]) * np.float64(X[i, f])


def test_slp_compiler_switches_slp_on_only_while_it_compiles():
    seen = []

    class Recording(SLPCompiler):
        def define_pipelines(self):
            seen.append(config.SLP_VECTORIZE)
            return super().define_pipelines()

    before = config.SLP_VECTORIZE
    kernel = njit(pipeline_class=Recording)(_add_rows)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    weights = rng.random(50).astype(np.float32)
    labels = rng.integers(0, 3, 50)
    got, expected = np.zeros((3, 4)), np.zeros((3, 4))
    kernel(X, weights, labels, got)
    _add_rows(X, weights, labels, expected)
    assert seen == [1]
    assert config.SLP_VECTORIZE == before
    np.testing.assert_array_equal(got, expected)


def test_slp_compiler_restores_the_setting_when_compiling_fails():
    before = config.SLP_VECTORIZE

    @njit(pipeline_class=SLPCompiler)
    def broken(x):
        return x + "text"

    with pytest.raises(TypingError):
        broken(1.0)
    assert config.SLP_VECTORIZE == before


@pytest.mark.parametrize("n_features", [1, 3, 8])
def test_load_row_returns_the_row_as_a_tuple(n_features):
    @njit
    def second_row(flat):
        return load_row(flat, n_features, n_features)

    flat = np.arange(3 * n_features, dtype=np.float32)
    got = second_row(flat)
    assert isinstance(got, tuple)
    assert got == tuple(flat[n_features : 2 * n_features])
    assert load_row(flat, n_features, n_features) == got


def test_load_row_needs_a_compile_time_length():
    @njit
    def row_of_runtime_length(flat, n):
        return load_row(flat, 0, n)

    with pytest.raises(TypingError, match="compile-time constant"):
        row_of_runtime_length(np.zeros(4), 2)


@pytest.mark.parametrize(
    "n_features, dtype",
    # Rows of 8, 28, 32 and 64 bytes; only the last are copied in squares.
    [(2, np.float32), (7, np.float32), (8, np.float32), (8, np.float64)],
)
@pytest.mark.parametrize("n_rows", [0, 1, 7, 8, 13, 16, 64])
def test_transpose_tile_equals_numpy_transpose(n_features, dtype, n_rows):
    @njit
    def copy_tile(flat, n_rows, xt):
        transpose_tile(flat, n_rows, n_features, xt)

    rows = np.random.default_rng(n_rows).normal(size=(n_rows, n_features))
    rows = rows.astype(dtype)
    xt = np.full((n_features, 64), np.nan, dtype=dtype)
    copy_tile(rows.reshape(-1), n_rows, xt)
    np.testing.assert_array_equal(xt[:, :n_rows], rows.T)
    assert np.isnan(xt[:, n_rows:]).all()  # nothing past the tile's rows


def test_transpose_tile_needs_a_compile_time_width():
    @njit
    def copy_with_runtime_width(flat, n, xt):
        transpose_tile(flat, 1, n, xt)

    with pytest.raises(TypingError, match="compile-time constant"):
        copy_with_runtime_width(np.zeros(4), 4, np.zeros((4, 64)))


def test_per_d_kernels_capture_only_plain_values():
    # Numba's disk cache keys a closure by its captured values; a captured
    # function pickles differently in every process, which would recompile the
    # kernels in every new process.
    kernels = [k for pair in UNROLLED_KERNELS.values() for k in pair]
    kernels += list(UNROLLED_POTENTIALS.values())
    for kernel in kernels:
        for cell in kernel.py_func.__closure__ or ():
            assert type(cell.cell_contents) in (int, bool), kernel


def test_accumulator_lanes_hold_the_weight_and_every_sum():
    for n_features in range(1, MAX_UNROLLED_FEATURES + 1):
        lanes = accumulator_lanes(n_features)
        assert lanes >= n_features + 1
        assert lanes & (lanes - 1) == 0  # a power of two
        assert lanes < 2 * (n_features + 1)  # the smallest one


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_features", [1, 3, MAX_UNROLLED_FEATURES])
@pytest.mark.parametrize("n_clusters", [1, 6])
def test_packed_and_plain_accumulation_give_the_same_bits(
    n_clusters, n_features, dtype
):
    # Every d's library kernel is also checked against the generic kernels in
    # test_kernels; this pins the plain variant that benchmarks.ablations
    # times, and the padding lanes (d = 1, 3 fill theirs, d = 8 pads 7).
    from kmeans_core._blocks import block_starts

    rng = np.random.default_rng(n_features)
    n_samples = 3000
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    weights = rng.random(n_samples).astype(dtype)
    centers = X[:n_clusters].copy()
    starts = block_starts(n_samples, n_clusters, n_features)
    packed = UNROLLED_KERNELS[n_features][0]
    plain = _define_kernels(n_features, packed=False)[0]
    packed_result = fused_pass(packed, X, weights, centers, starts)
    plain_result = fused_pass(plain, X, weights, centers, starts)
    for got, expected in zip(packed_result, plain_result, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(
        packed_result[2].sum(), weights.astype(np.float64).sum(), rtol=1e-12
    )
