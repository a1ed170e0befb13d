"""The row-major direct kernels (``_kernels/rows.py``) against the tiled ones.

They must return the tiled kernels' labels, partial sums and distances bit for
bit (any kernel the dispatch picks changes only speed), and agree with the
plain NumPy reference.  The near-tie data puts many rows within the scores'
rounding of two centers, where only the exact re-check can decide.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import reference
from kmeans_core._blocks import block_starts
from kmeans_core._kernels.distances import assign_nearest
from kmeans_core._kernels.lloyd import lloyd_assign_accumulate
from kmeans_core._kernels.rows import (
    rows_assign,
    rows_assign_accumulate,
    score_margin,
)

from .kernel_outputs import fused_pass, near_tie_data

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-4, np.float64: 1e-7}
# (n, d, k): a tile remainder, several blocks, k = 1, d not a multiple of 8, and
# the d below 16 that dispatch gives these kernels at small k.
SHAPES = [
    (130, 33, 1),
    (1500, 40, 5),
    (2500, 64, 3),
    (700, 129, 16),
    (3000, 257, 8),
    (1500, 9, 3),
    (2100, 13, 8),
]


def _rows_pass(X, w, centers, starts):
    relative, absolute = score_margin(X.dtype, X.shape[1])

    def kernel(*args):
        rows_assign_accumulate(*args, relative, absolute)

    return fused_pass(kernel, X, w, centers, starts)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "d", "k"), SHAPES)
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_pass_equals_the_tiled_kernel_bit_for_bit(
    numba_threads, dtype, n, d, k, threads
):
    numba_threads(threads)
    rng = np.random.default_rng(n + d + k)
    X = rng.normal(size=(n, d)).astype(dtype)
    centers = X[rng.choice(n, k, replace=False)].copy()
    w = rng.uniform(0.5, 3.0, n).astype(dtype)
    starts = block_starts(n, k, d)
    expected = fused_pass(lloyd_assign_accumulate, X, w, centers, starts)
    got = _rows_pass(X, w, centers, starts)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    # And the plain NumPy reference: labels, and the weighted sums per cluster.
    np.testing.assert_array_equal(got[0], reference.assign(X, centers))
    sums = np.zeros((k, d))
    np.add.at(sums, got[0], w[:, None].astype(np.float64) * X)
    np.testing.assert_allclose(got[1].sum(axis=0), sums, rtol=RTOL[dtype], atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_near_ties_are_decided_exactly(dtype, seed):
    n, d, k = 2000, 48, 6
    X, centers = near_tie_data(n, d, k, dtype, seed)
    w = np.ones(n, dtype=dtype)
    starts = block_starts(n, k, d)
    expected = fused_pass(lloyd_assign_accumulate, X, w, centers, starts)
    got = _rows_pass(X, w, centers, starts)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    # The duplicate of center 0 never wins: ties go to the lower index.
    assert not (got[0] == k - 1).any()
    # The data does put rows in near-ties: the scores alone would be ambiguous.
    relative, _ = score_margin(X.dtype, d)
    distances = reference.squared_distances(X.astype(np.float64), centers)
    ordered = np.sort(distances, axis=1)
    assert (ordered[:, 1] <= ordered[:, 0] * relative).sum() > n // 3


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "d", "k"), SHAPES)
def test_assign_equals_the_tiled_kernel_bit_for_bit(dtype, n, d, k):
    rng = np.random.default_rng(3 * n + d)
    X = rng.normal(size=(n, d)).astype(dtype)
    centers = rng.normal(size=(k, d)).astype(dtype)
    starts = block_starts(n, k, d)
    expected_labels = np.empty(n, dtype=np.int32)
    expected_dist = np.empty(n, dtype=dtype)
    assign_nearest(X, centers, starts, expected_labels, expected_dist)
    labels = np.empty(n, dtype=np.int32)
    dist = np.empty(n, dtype=dtype)
    rows_assign(X, centers, starts, labels, dist, *score_margin(X.dtype, d))
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_array_equal(dist, expected_dist)
