"""The dot-product direct kernels (``_kernels/dots.py``) against the tiled ones.

They must return the tiled kernels' labels, partial sums and distances bit for
bit, and agree with the plain NumPy reference.  Their scores are dot products
summed in any order, so near-ties, duplicated centers, data far from the
origin and extreme scales are where a wrong error bound would show.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import reference
from kmeans_core._blocks import block_starts
from kmeans_core._kernels.distances import assign_nearest
from kmeans_core._kernels.dots import (
    centers_expansion,
    dots_assign,
    dots_assign_accumulate,
    outer_tiles,
    panel_tiles,
    tile_rows,
)
from kmeans_core._kernels.lloyd import lloyd_assign_accumulate
from kmeans_core._kernels.rows import rows_assign_accumulate, score_margin

from .kernel_outputs import fused_pass, near_tie_data

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-4, np.float64: 1e-7}
# (n, d, k): k = 1, k not a multiple of 4 (the last centers one at a time), an
# odd tile remainder (the last row of a pair alone), k large enough that a
# tile holds fewer than 256 rows, several blocks; and the tiles scored along
# their rows (``outer_tiles``: d < 32, k >= 32), with d and k multiples of 4
# and not, and a last tile of a few rows; and in float32 the tiles scored by
# panels of 16 centers (``panel_tiles``: 32 <= d <= 256, k >= 16), with k a
# multiple of 16 and not (a padded last panel), tiles whose rows are not a
# multiple of the four-row block, and tiles shorter than eight rows apart.
SHAPES = [
    (130, 33, 1),
    (1501, 40, 5),
    (2500, 64, 3),
    (701, 129, 16),
    (3001, 257, 8),
    (900, 20, 1030),
    (1200, 16, 40),
    (2003, 19, 37),
    (700, 31, 64),
    (1500, 32, 16),
    (2003, 45, 37),
    (1003, 128, 19),
    (650, 70, 530),
]


def assert_passes_equal(got, expected):
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "d", "k"), SHAPES)
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_pass_equals_the_tiled_kernel_bit_for_bit(
    numba_threads, dtype, n, d, k, threads
):
    numba_threads(threads)
    rng = np.random.default_rng(n + d + k)
    X = (rng.normal(size=(n, d)) + rng.integers(0, 3, (n, 1))).astype(dtype)
    centers = X[rng.choice(n, k, replace=k > n)].copy()
    w = rng.uniform(0.5, 3.0, n).astype(dtype)
    starts = block_starts(n, k, d)
    expected = fused_pass(lloyd_assign_accumulate, X, w, centers, starts)
    got = fused_pass(dots_assign_accumulate, X, w, centers, starts)
    assert_passes_equal(got, expected)
    np.testing.assert_array_equal(got[0], reference.assign(X, centers))
    sums = np.zeros((k, d))
    np.add.at(sums, got[0], w[:, None].astype(np.float64) * X)
    np.testing.assert_allclose(got[1].sum(axis=0), sums, rtol=RTOL[dtype], atol=1e-9)
    np.testing.assert_allclose(
        got[2].sum(axis=0), np.bincount(got[0], w, minlength=k), rtol=1e-12
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "d", "k"), SHAPES)
def test_assign_equals_the_tiled_kernel_bit_for_bit(dtype, n, d, k):
    rng = np.random.default_rng(3 * n + d)
    X = rng.normal(size=(n, d)).astype(dtype)
    centers = rng.normal(size=(k, d)).astype(dtype)
    starts = block_starts(n, k, d)
    expected = (np.empty(n, np.int32), np.empty(n, dtype))
    assign_nearest(X, centers, starts, *expected)
    got = (np.empty(n, np.int32), np.empty(n, dtype))
    dots_assign(X, centers, starts, *got)
    assert_passes_equal(got, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("n", "d", "k", "seed"),
    # Tiles scored along the features, along the rows (``outer_tiles``), and
    # in float32 by panels (``panel_tiles``).
    [(2000, 48, 6, 0), (2000, 48, 6, 1), (2000, 48, 6, 2), (1500, 20, 36, 0)]
    + [(1500, 20, 36, 2), (1500, 40, 21, 0), (1500, 40, 21, 3)],
)
def test_near_ties_are_decided_exactly(dtype, n, d, k, seed):
    X, centers = near_tie_data(n, d, k, dtype, seed)
    w = np.ones(n, dtype=dtype)
    starts = block_starts(n, k, d)
    expected = fused_pass(lloyd_assign_accumulate, X, w, centers, starts)
    got = fused_pass(dots_assign_accumulate, X, w, centers, starts)
    assert_passes_equal(got, expected)
    assert not (got[0] == k - 1).any()  # the duplicate of center 0 never wins
    # Many rows are within the dot products' rounding of two centers, so the
    # test does reach the exact re-check.
    distances = reference.squared_distances(X.astype(np.float64), centers)
    ordered = np.sort(distances, axis=1)
    gap = ordered[:, 1] - ordered[:, 0]
    assert (gap <= 1e3 * np.finfo(dtype).eps * ordered[:, 0]).sum() > n // 3


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [1e3, 1e6])
def test_data_far_from_the_origin_keeps_exact_labels(dtype, offset):
    """Unit spread around a large offset: the expanded form would cancel
    without the reference point; with it every label is still exact."""
    rng = np.random.default_rng(11)
    n, d, k = 3000, 24, 9
    X = (rng.normal(size=(n, d)) + offset).astype(dtype)
    centers = X[rng.choice(n, k, replace=False)].copy()
    w = np.ones(n, dtype=dtype)
    starts = block_starts(n, k, d)
    expected = fused_pass(lloyd_assign_accumulate, X, w, centers, starts)
    got = fused_pass(dots_assign_accumulate, X, w, centers, starts)
    assert_passes_equal(got, expected)


def _rows_kernel(X, *args):
    rows_assign_accumulate(X, *args, *score_margin(X.dtype, X.shape[1]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1e-25, 1e18])
@pytest.mark.parametrize("kernel", [dots_assign_accumulate, _rows_kernel])
def test_extreme_scales_match_the_tiled_kernel(dtype, scale, kernel):
    """Squares that underflow to zero or overflow to inf: the same labels, for
    both kernels that score centers in an order of their own (dots, rows)."""
    rng = np.random.default_rng(7)
    X = (rng.normal(size=(500, 40)) * scale).astype(dtype)
    centers = X[:4].copy()
    starts = block_starts(500, 4, 40)
    w = np.ones(500, dtype=dtype)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        expected = fused_pass(lloyd_assign_accumulate, X, w, centers, starts)
        got = fused_pass(kernel, X, w, centers, starts)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_centers_expansion_matches_numpy(dtype):
    rng = np.random.default_rng(2)
    centers = (rng.normal(size=(7, 13)) * 5 + 40).astype(dtype)
    ref, shifted, half_norms, tie_margin = centers_expansion(centers)
    np.testing.assert_allclose(ref, centers.mean(axis=0), rtol=RTOL[dtype])
    np.testing.assert_array_equal(shifted, centers - ref)
    expected = 0.5 * (shifted.astype(np.float64) ** 2).sum(axis=1)
    np.testing.assert_allclose(half_norms, expected, rtol=RTOL[dtype])
    assert tie_margin == 4.0 * 15 * np.finfo(dtype).eps


def test_the_shapes_reach_every_way_of_scoring_a_tile():
    ways = set()
    for _, d, k in SHAPES:
        for itemsize in (4, 8):
            if outer_tiles(k, d, tile_rows(k, itemsize)):
                ways.add("rows")
            elif panel_tiles(k, d, itemsize):
                ways.add("panels")
            else:
                ways.add("features")
    assert ways == {"rows", "panels", "features"}
    assert panel_tiles(16, 32, 4) and panel_tiles(530, 128, 4)
    assert not panel_tiles(16, 32, 8)  # float64: along the features
    assert not panel_tiles(15, 64, 4)  # few centers
    assert not panel_tiles(64, 31, 4) and not panel_tiles(64, 129, 4)
    assert panel_tiles(21, 40, 4)  # the near-tie test's panel shape
    assert outer_tiles(40, 16, 256)
    assert not outer_tiles(40, 32, 256)  # more features: along the features
    assert not outer_tiles(8, 16, 256)  # few centers
    assert not outer_tiles(1030, 20, 16)  # short tiles
    for itemsize in (4, 8):  # the near-tie test's shape, in both dtypes
        assert outer_tiles(36, 20, tile_rows(36, itemsize))


def test_tiles_hold_16_to_256_rows():
    assert tile_rows(4, 4) == 256
    assert tile_rows(256, 8) == 32
    assert tile_rows(100_000, 4) == 16
