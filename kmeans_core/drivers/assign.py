"""Lloyd's exhaustive assignment outside a run: ``predict``, ``score``, batches.

``assign_labels`` and ``inertia_of`` serve the estimators' ``predict`` and
``score`` and the runs' final labels; ``accumulate_batch`` is one Lloyd pass
with its per-cluster sums, which the mini-batch and Dask estimators run on each
batch or chunk.  Each picks its kernels through ``dispatch``.
"""

from __future__ import annotations

import numpy as np

from .. import _twins
from .._jit import call
from .._kernels.common import reduce_block_partials
from .dispatch import blas_applies, row_kernels
from .gemm import Workspace, assign_with_gemm, gemm_reference


def assign_labels(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Nearest-center labels for X (the ``predict`` path)."""
    n_samples = X.shape[0]
    labels = np.empty(n_samples, dtype=np.int32)
    if blas_applies(X, centers.shape[0]):
        ws = Workspace(X, centers.shape[0], gemm_reference(X))
        assign_with_gemm(X, np.ones(0, X.dtype), centers, ws, labels, False)
    else:
        kernels = row_kernels(X, centers.shape[0])
        starts = kernels.blocks(X, centers.shape[0])
        args = (X, centers, starts, labels, np.empty(n_samples, X.dtype))
        if kernels.dense and starts.shape[0] == 2:  # one block: the NumPy twin
            call(kernels.direct.assign, _twins.assign_nearest, *args)  # until compiled
        else:
            kernels.direct.assign(*args)
    return labels


def inertia_of(
    X: np.ndarray, sample_weight: np.ndarray, centers: np.ndarray, labels: np.ndarray
) -> float:
    """Weighted sum of squared distances to the assigned centers."""
    kernels = row_kernels(X, centers.shape[0])
    starts = kernels.blocks(X, centers.shape[0])
    args = (X, sample_weight, centers, labels, starts)
    if kernels.dense:  # the NumPy twin until compiled (``_jit.call``)
        path = "small" if starts.shape[0] == 2 else "gemm"
        return float(call(kernels.inertia, _twins.weighted_inertia, *args, path=path))
    return float(kernels.inertia(*args))


def accumulate_batch(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    ws: Workspace,
    labels: np.ndarray,
) -> None:
    """Assign the rows of X and leave per-cluster sums in ``ws.sums``/``ws.weights``.

    The same two kernels as one Lloyd iteration (direct or BLAS path, chosen by
    shape), followed by the fixed-order reduction of the block partials.  The
    mini-batch and Dask estimators call this on every batch or chunk, so both
    share one definition.
    """
    if ws.gemm:
        assign_with_gemm(X, sample_weight, centers, ws, labels, True)
    else:
        row_kernels(X, centers.shape[0]).direct.assign_accumulate(
            X,
            sample_weight,
            centers,
            ws.starts,
            labels,
            ws.partial_sums,
            ws.partial_weights,
        )
    reduce_block_partials(ws.partial_sums, ws.partial_weights, ws.sums, ws.weights)
