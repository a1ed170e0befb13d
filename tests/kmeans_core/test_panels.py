"""The panel micro-kernel (``_kernels/panels.py``) against plain NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from kmeans_core._kernels.panels import (
    PANEL_WIDTH,
    _panel_kernel_source,
    pack_panels,
    panel_dots,
    transpose_panel_dots,
)


def _dots_reference(rows, shifted):
    return rows.astype(np.float64) @ shifted.astype(np.float64).T


def test_pack_panels_lays_centers_side_by_side_with_zero_padding():
    shifted = np.arange(37 * 5, dtype=np.float32).reshape(37, 5)
    panels = pack_panels(shifted, PANEL_WIDTH)
    assert panels.shape == (3, 5, PANEL_WIDTH)
    for j in range(37):
        np.testing.assert_array_equal(panels[j // 16, :, j % 16], shifted[j])
    assert not panels[2, :, 37 - 32 :].any()


@pytest.mark.parametrize(("n_rows", "d", "k"), [(7, 32, 16), (256, 45, 37), (3, 1, 1)])
def test_panel_dots_equal_the_products(n_rows, d, k):
    rng = np.random.default_rng(n_rows + d + k)
    rows = rng.normal(size=(n_rows + 5, d)).astype(np.float32)
    shifted = rng.normal(size=(k, d)).astype(np.float32)
    panels = pack_panels(shifted, PANEL_WIDTH)
    dots = np.full((n_rows + 5, panels.shape[0] * PANEL_WIDTH), np.nan, np.float32)
    panel_dots(rows, n_rows, panels, dots)
    expected = _dots_reference(rows[:n_rows], shifted)
    np.testing.assert_allclose(dots[:n_rows, :k], expected, rtol=1e-5, atol=1e-5)
    assert not dots[:n_rows, k:].any()  # padding centers score zero
    assert np.isnan(dots[n_rows:]).all()  # rows past n_rows are not written


def test_the_generated_kernel_is_right_for_other_block_shapes():
    """The source generator itself, at a block of 3 rows x 5 centers."""
    namespace: dict = {}
    exec(_panel_kernel_source(3, 5), namespace)  # noqa: S102
    kernel = njit(namespace["panel_dots"])
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(11, 9))
    shifted = rng.normal(size=(12, 9))
    panels = pack_panels(shifted, 5)
    dots = np.zeros((11, 15))
    kernel(rows, 11, panels, dots)
    np.testing.assert_allclose(dots[:, :12], rows @ shifted.T, rtol=1e-12)


def test_panel_dots_refuses_float64():
    rows = np.zeros((4, 32))
    with pytest.raises(ValueError, match="float32"):
        panel_dots(rows, 4, np.zeros((1, 32, PANEL_WIDTH)), np.zeros((4, 16)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("n_rows", "k"), [(256, 64), (13, 21), (5, 3)])
def test_transpose_panel_dots(dtype, n_rows, k):
    dots = np.random.default_rng(k).normal(size=(n_rows + 3, 80)).astype(dtype)
    dots_t = np.zeros((k, n_rows + 3), dtype)
    transpose_panel_dots(dots, n_rows, k, dots_t)
    np.testing.assert_array_equal(dots_t[:, :n_rows], dots[:n_rows, :k].T)
    assert not dots_t[:, n_rows:].any()
