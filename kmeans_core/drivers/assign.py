"""Lloyd's exhaustive assignment outside a run: ``predict``, ``score``, batches.

``assign_labels``, ``inertia_of`` and ``labels_and_inertia`` serve the
estimators' ``predict`` and ``score`` and the runs' final labels;
``accumulate_batch`` is one Lloyd pass with its per-cluster sums, which the
mini-batch and Dask estimators run on each batch or chunk.  Each picks its
kernels through ``dispatch``.

The inertia reads X once more (``common.weighted_inertia``), unless the pass
that found the labels also left each row's exact squared distance to its
center: every direct dense kernel does (``DirectKernels.assign``), with the
very numbers ``weighted_inertia`` computes, so ``common.weighted_total`` adds
those in its order and gets the same float bit for bit, reading two n-vectors
instead of X.  The BLAS path and CSR rows leave no exact distances.
"""

from __future__ import annotations

import numpy as np

from .. import _twins
from .._jit import call
from .._kernels.common import reduce_block_partials, weighted_total
from .dispatch import blas_applies, row_kernels
from .gemm import Workspace, assign_with_gemm, gemm_reference


def nearest_centers(
    X: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Nearest-center labels for X, and each row's squared distance to its center.

    The distances (in X's dtype) are those of ``distances.squared_distance``,
    bit for bit, where the pass computed them: on the direct dense path. The
    BLAS path and CSR rows return None in their place.
    """
    labels = np.empty(X.shape[0], dtype=np.int32)
    if blas_applies(X, centers.shape[0]):
        ws = Workspace(X, centers.shape[0], gemm_reference(X))
        assign_with_gemm(X, np.ones(0, X.dtype), centers, ws, labels, False)
        return labels, None
    return labels, _assign_direct(X, centers, labels)


def final_assignment(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    ws: Workspace,
    labels: np.ndarray,
) -> np.ndarray | None:
    """A run's last exhaustive pass, for its returned centers, into ``labels``.

    As ``nearest_centers``, on the run's workspace (on the BLAS path its
    transposed copy and distances from the reference point); returns the
    distances, or None.
    """
    if ws.gemm:
        assign_with_gemm(X, sample_weight, centers, ws, labels, False)
        return None
    return _assign_direct(X, centers, labels)


def _assign_direct(
    X: np.ndarray, centers: np.ndarray, labels: np.ndarray
) -> np.ndarray | None:
    """The direct kernels' pass into ``labels``; the distances of dense rows."""
    kernels = row_kernels(X, centers.shape[0])
    starts = kernels.blocks(X, centers.shape[0])
    distances = np.empty(X.shape[0], X.dtype)
    args = (X, centers, starts, labels, distances)
    if kernels.dense and starts.shape[0] == 2:  # one block: the NumPy twin
        call(kernels.direct.assign, _twins.assign_nearest, *args)  # until compiled
    else:
        kernels.direct.assign(*args)
    return distances if kernels.dense else None


def assign_labels(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Nearest-center labels for X (the ``predict`` path)."""
    return nearest_centers(X, centers)[0]


def inertia_of(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    labels: np.ndarray,
    squared_distances: np.ndarray | None = None,
) -> float:
    """Weighted sum of squared distances to the assigned centers.

    ``squared_distances``, when given, are each row's distance to its center
    as ``nearest_centers`` returns them: they are added instead of computed
    again from X, with the same result.
    """
    kernels = row_kernels(X, centers.shape[0])
    starts = kernels.blocks(X, centers.shape[0])
    if not kernels.dense:
        return float(kernels.inertia(X, sample_weight, centers, labels, starts))
    # The NumPy twins until compiled (``_jit.call``).
    path = "small" if starts.shape[0] == 2 else "gemm"
    if squared_distances is not None:
        args = (squared_distances, sample_weight, starts)
        return float(call(weighted_total, _twins.weighted_total, *args, path=path))
    args = (X, sample_weight, centers, labels, starts)
    return float(call(kernels.inertia, _twins.weighted_inertia, *args, path=path))


def labels_and_inertia(
    X: np.ndarray, sample_weight: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, float]:
    """``assign_labels`` and ``inertia_of`` in one pass over X where it can be."""
    labels, distances = nearest_centers(X, centers)
    return labels, inertia_of(X, sample_weight, centers, labels, distances)


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
