"""The inertia added from a pass's own distances equals the inertia read from X.

``common.weighted_total`` adds the distances that a direct assignment pass left
behind, in ``common.weighted_inertia``'s order, so the runs' final inertia,
``score`` and the mini-batch and Dask inertias skip a pass over X.  These tests
hold it to ``weighted_inertia`` bit for bit, for the distances of every direct
kernel, and through the estimators on each dispatch branch.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from kmeans_core import KMeans, MiniBatchKMeans, _twins, reference
from kmeans_core._blocks import block_starts
from kmeans_core._kernels.common import weighted_inertia, weighted_total
from kmeans_core._kernels.distances import assign_nearest
from kmeans_core._kernels.dots import dots_assign
from kmeans_core._kernels.rows import rows_assign
from kmeans_core._kernels.unrolled import UNROLLED_KERNELS
from kmeans_core.drivers import blas_applies, labels_and_inertia
from kmeans_core.drivers.dispatch import score_margin

from .datasets import blobs, init_rows, positive_weights

DTYPES = (np.float32, np.float64)


def _data(n, d, k, dtype, weighted, seed=0, sep=4.0):
    X = blobs(seed, n, d, k, sep=sep).astype(dtype)
    weights = positive_weights(n, seed) if weighted else np.ones(n)
    return X, init_rows(X, k, seed), weights.astype(dtype)


def _direct_assigns(X):
    """Every direct kernel's ``assign`` that serves X's shape, by name."""
    relative, absolute = score_margin(X.dtype, X.shape[1])
    kernels = {
        "tiled": assign_nearest,
        "dots": dots_assign,
        "rows": partial(rows_assign, relative=relative, absolute=absolute),
    }
    if X.shape[1] in UNROLLED_KERNELS:
        kernels["unrolled"] = UNROLLED_KERNELS[X.shape[1]][1]
    return kernels


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
# d = 3: the per-d kernels too; 2051 rows leave a short last tile; d = 40
# with k = 37 is a shape that the row-major and dot-product kernels serve.
@pytest.mark.parametrize("n, d, k", [(2051, 3, 5), (1500, 12, 7), (3000, 40, 37)])
def test_each_direct_kernels_distances_add_up_to_weighted_inertia(
    n, d, k, weighted, dtype
):
    X, centers, w = _data(n, d, k, dtype, weighted)
    starts = block_starts(n, k, d)
    for name, assign in _direct_assigns(X).items():
        labels = np.empty(n, dtype=np.int32)
        distances = np.empty(n, dtype=dtype)
        assign(X, centers, starts, labels, distances)
        from_x = weighted_inertia(X, w, centers, labels, starts)
        assert weighted_total(distances, w, starts) == from_x, name
        assert _twins.weighted_total(distances, w, starts) == from_x, name
    expected = reference.inertia(
        X.astype(np.float64), centers.astype(np.float64), labels, w.astype(np.float64)
    )
    np.testing.assert_allclose(
        from_x, expected, rtol=1e-5 if dtype is np.float32 else 1e-12
    )


@pytest.mark.filterwarnings("ignore::kmeans_core.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
# The per-d kernels (d = 2), the tiled ones (d = 12), the row-major ones
# (d = 40, few clusters) and BLAS (many clusters, no distances kept).
@pytest.mark.parametrize(
    "n, d, k", [(6000, 2, 3), (5000, 12, 6), (5000, 40, 4), (4000, 16, 300)]
)
def test_fits_score_and_minibatch_report_the_inertia_read_from_x(
    n, d, k, algorithm, dtype
):
    # Overlapping groups, so that three iterations do not converge.
    X, centers, w = _data(n, d, k, dtype, weighted=True, seed=d, sep=0.5)
    starts = block_starts(n, k, d)
    # Three iterations and tol=0: the run ends with its final assignment pass.
    model = KMeans(k, init=centers, n_init=1, max_iter=3, tol=0.0, algorithm=algorithm)
    model.fit(X, sample_weight=w)
    assert model.n_iter_ == 3
    labels = model.predict(X)
    np.testing.assert_array_equal(model.labels_, labels)
    fitted = model.cluster_centers_
    from_x = weighted_inertia(X, w, fitted, labels, starts)
    assert model.inertia_ == from_x
    assert model.score(X, sample_weight=w) == -from_x
    assert labels_and_inertia(X, w, fitted)[1] == from_x
    assert labels_and_inertia(X, w, fitted)[0].tolist() == labels.tolist()
    assert blas_applies(X, k) == (k == 300 and dtype is np.float32)

    mini = MiniBatchKMeans(k, init=centers, n_init=1, max_iter=1, batch_size=1024)
    mini.fit(X, sample_weight=w)
    mini_labels = mini.predict(X)
    np.testing.assert_array_equal(mini.labels_, mini_labels)
    assert mini.inertia_ == weighted_inertia(
        X, w, mini.cluster_centers_, mini_labels, starts
    )
