"""Hamerly's BLAS passes against NumPy and against Lloyd.

On Lloyd's BLAS shapes Hamerly scores every row through BLAS in the passes
where most rows are in doubt, and sets both bounds from the expanded form's
scores, widened by their error bound.  The bounds must stay true bounds of
the direct distances, and any mix of BLAS and direct passes must give
Lloyd's result bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core.drivers import (
    Workspace,
    gemm_reference,
    pruning_uses_gemm,
    run_hamerly,
    run_lloyd,
)
from kmeans_core.drivers import hamerly as hamerly_driver
from kmeans_core.drivers.hamerly import HamerlySteps

from .test_yinyang import _data, _direct_distances

DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [0.0, 300.0])
def test_blas_pass_sets_exact_labels_and_valid_bounds(dtype, offset):
    X, centers, w = _data(3000, 24, 48, dtype, seed=1, offset=offset, duplicates=True)
    assert pruning_uses_gemm(48, 24)
    ws = Workspace(X, 48, gemm_reference(X))
    steps = HamerlySteps(X, w, 48, ws)
    labels = np.empty(len(X), dtype=np.int32)
    steps.start(centers, labels)
    assert steps.full_passes == 1

    dist = _direct_distances(X, centers)
    np.testing.assert_array_equal(labels, dist.argmin(axis=1))
    own = dist[np.arange(len(X)), labels]
    others = dist.copy()
    others[np.arange(len(X)), labels] = np.inf
    nearest_other = others.min(axis=1)
    rtol = 1e-12 if dtype is np.float64 else 1e-6
    # True bounds of the direct distances...
    assert np.all(steps.upper >= own * (1 - rtol))
    assert np.all(steps.lower <= nearest_other * (1 + rtol))
    # ...and useful ones: the error bound widens them only a little, in squares
    # (a row on its center gets a small positive upper bound, not 0).
    scale = np.mean(own**2)
    assert np.all(steps.upper.astype(np.float64) ** 2 - own**2 <= 1e-3 * scale)
    assert np.all(
        nearest_other**2 - steps.lower.astype(np.float64) ** 2 <= 1e-3 * scale
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [0.0, 300.0])
@pytest.mark.parametrize("share", [0.0, 0.35, 2.0])  # BLAS always, by share, never
def test_any_mix_of_passes_gives_lloyds_result(dtype, offset, share, monkeypatch):
    X, centers, w = _data(4000, 24, 48, dtype, seed=2, offset=offset)
    monkeypatch.setattr(hamerly_driver, "HAMERLY_GEMM_SHARE", share)
    slabs = []
    blas_pass = hamerly_driver.hamerly_bounds_from_dots

    def counting(*args):
        slabs.append(args[7])  # the slab's first row
        blas_pass(*args)

    monkeypatch.setattr(hamerly_driver, "hamerly_bounds_from_dots", counting)
    lloyd = run_lloyd(X, w, centers, max_iter=100, tol=0.0)
    hamerly = run_hamerly(X, w, centers, max_iter=100, tol=0.0)
    np.testing.assert_array_equal(hamerly.labels, lloyd.labels)
    np.testing.assert_array_equal(hamerly.centers, lloyd.centers)
    assert hamerly.n_iter == lloyd.n_iter
    assert hamerly.inertia == lloyd.inertia
    passes = slabs.count(0)
    if share == 0.0:
        # The start, then every assignment after the first (whose bounds the
        # start has just set) unless no row at all was in doubt.
        assert hamerly.n_iter // 2 < passes <= hamerly.n_iter
    elif share == 2.0:
        assert passes == 1  # the start only
    else:
        assert 1 < passes < hamerly.n_iter
