"""Lloyd's pass through BLAS: slabs of rows times the centers, then an exact argmin.

For large k * d (``dispatch.use_gemm``) the dot products of a slab of rows with
every center come from one BLAS product, and a Numba kernel turns them into
labels, sending near-ties (where the expanded form's rounding could matter) to
a direct check, so the labels equal the direct kernels' bit for bit.  One slab
per worker thread, BLAS single-threaded inside it.

``Workspace`` holds the buffers one run reuses across iterations (block
partial sums, the slab bounds, the rows' distances from the reference point,
the transposed copy of X), for the BLAS path and the direct path alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from .. import _twins, _twins_gemm
from .._config import GEMM_SLAB_BYTES
from .._jit import call
from .._kernels.lloyd import argmin_accumulate_from_dots, distances_to_reference
from .._stats import mean_and_variance
from .._threads import run_in_workers, single_threaded_blas
from .dispatch import row_kernels


def gemm_reference(X: np.ndarray) -> np.ndarray:
    """The point the BLAS path measures from: the data mean, or the origin.

    The expanded form's rounding errors scale with the rows' and centers'
    distances from this point (``lloyd.nearest_from_dots``), so for data far
    from the origin the BLAS path works on rows with the mean subtracted.  That
    costs a copy of every slab per pass (a sixth of the pass at 200000 x 32,
    k=64).  When the mean lies within the data's RMS spread of the origin (as
    for standardised data), distances from the origin are at most about twice
    those from the mean, so the error margins barely grow, and X is used as it
    is.  Either way the labels are exact: the margins send near-ties to a
    direct check.

    Returns the reference in X's dtype (all zeros for the origin).
    """
    mean, variances = mean_and_variance(X)
    if np.dot(mean, mean) <= variances.sum():
        return np.zeros(X.shape[1], dtype=X.dtype)
    return mean.astype(X.dtype)


class Workspace:
    """Buffers reused across iterations of one run (allocated once per run)."""

    def __init__(self, X: np.ndarray, n_clusters: int, reference: np.ndarray):
        n_samples, n_features = X.shape
        self.starts = row_kernels(X, n_clusters).blocks(X, n_clusters)
        n_blocks = self.starts.shape[0] - 1
        self.partial_sums = np.empty((n_blocks, n_clusters, n_features))
        self.partial_weights = np.empty((n_blocks, n_clusters))
        self.sums = np.empty((n_clusters, n_features))
        self.weights = np.empty(n_clusters)
        self.center_shift = np.empty(n_clusters)
        # A reference point is given for runs whose passes go through BLAS
        # (``loop.run``: Lloyd's ``dispatch.blas_applies``, the pruned
        # variants' ``pruning_uses_gemm``); they need the slabs and radii.
        self.gemm = reference is not None
        self.reference = reference
        # The labels that the partial sums were last computed for, when the
        # caller keeps them (``loop.run`` does): blocks whose labels did not
        # change keep their sums (``common.accumulate_block``).  Empty: none.
        self.previous_labels = np.empty(0, dtype=np.int32)
        self.centred = reference is not None and bool(reference.any())
        # X (less the reference if centred) as features x rows, for the BLAS
        # products, when the caller allows the copy (``loop.run``); else None.
        self.rows_t: np.ndarray | None = None
        if self.gemm:
            self.slabs = slab_bounds(self.starts, n_clusters, X.dtype.itemsize)
            self.row_radius = np.empty(n_samples)
            call(
                distances_to_reference,
                _twins_gemm.distances_to_reference,
                *(X, reference, self.row_radius),
                path="gemm",
            )
        self._weighted_rows: np.ndarray | None = None
        self._lock = threading.Lock()

    def weighted_rows(self, X: np.ndarray, sample_weight: np.ndarray) -> np.ndarray:
        """``w * x`` in float64, features x rows, for the NumPy twins' sums.

        Made on the twins' first pass and kept for the run (X's size in
        float64): the twins would otherwise multiply every slab again on
        every pass.
        """
        with self._lock:
            if self._weighted_rows is None:
                self._weighted_rows = _twins.weighted_rows_t(X, sample_weight)
            return self._weighted_rows


def slab_bounds(starts: np.ndarray, n_clusters: int, itemsize: int) -> list[int]:
    """Indices of the blocks that start each GEMM slab (whole blocks per slab).

    A slab holds at most ``GEMM_SLAB_BYTES`` of scores and an eighth of the
    rows: at small k the first limit alone gave one slab for all of X, which
    left every worker thread but one idle.  Slabs only group blocks, whose
    sums are their own, so the cut changes no result.
    """
    max_rows = max(1, GEMM_SLAB_BYTES // (n_clusters * itemsize))
    max_rows = min(max_rows, max(1, -(-int(starts[-1]) // 8)))
    bounds = [0]
    n_blocks = starts.shape[0] - 1
    for b in range(1, n_blocks):
        if starts[b + 1] - starts[bounds[-1]] > max_rows:
            bounds.append(b)
    bounds.append(n_blocks)
    return bounds


def gemm_expansion(
    centers: np.ndarray, reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """What the BLAS path needs of the centers: ``(c - m, |c - m|^2 / 2, margin)``.

    The margin bounds the expanded form's rounding errors per unit of
    ``|x - m| |c - m|`` (see ``lloyd.nearest_from_dots``).
    """
    shifted_centers = centers - reference
    half_norms = (
        0.5 * np.einsum("ij,ij->i", shifted_centers, shifted_centers, dtype=np.float64)
    ).astype(centers.dtype)
    # Twice the textbook (d + 2) eps, for safety.
    tie_margin = 4.0 * (centers.shape[1] + 2) * float(np.finfo(centers.dtype).eps)
    return shifted_centers, half_norms, tie_margin


def dots_from_rows(
    shifted_centers: np.ndarray, rows: np.ndarray, ws: Workspace
) -> np.ndarray:
    """``(c - m) . (x - m)`` for some rows of X, centers x rows, through BLAS.

    The rows are centred on the reference first when it is not the origin, so
    the expanded form does not cancel (see ``gemm_reference``).
    """
    centred = rows - ws.reference if ws.centred else rows
    return shifted_centers @ centred.T


def for_each_gemm_slab(
    X: np.ndarray, centers: np.ndarray, ws: Workspace, finish_slab: Callable
) -> None:
    """Dot products of each slab of rows with the centers, through BLAS.

    One slab per worker thread; ``finish_slab(first_block, last_block,
    slab_start, dots_t, half_norms, tie_margin)`` turns the slab's dot products
    into labels (see ``lloyd.nearest_from_dots`` for the arguments).
    """
    shifted_centers, half_norms, tie_margin = gemm_expansion(centers, ws.reference)

    def one_slab(slab: int) -> None:
        first, last = ws.slabs[slab], ws.slabs[slab + 1]
        start, stop = ws.starts[first], ws.starts[last]
        if ws.rows_t is not None:
            dots_t = shifted_centers @ ws.rows_t[:, start:stop]
        else:
            dots_t = dots_from_rows(shifted_centers, X[start:stop], ws)
        finish_slab(first, last, start, dots_t, half_norms, tie_margin)

    with single_threaded_blas():
        run_in_workers(one_slab, range(len(ws.slabs) - 1))


def assign_with_gemm(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    ws: Workspace,
    labels: np.ndarray,
    accumulate: bool,
) -> None:
    """Lloyd assignment through BLAS: one slab of rows per worker thread.

    Each slab's labels and sums come from ``argmin_accumulate_from_dots`` or
    its NumPy twin (``_jit.call``, on the "gemm" path).
    """

    def twin(*args):
        weighted_rows = ws.weighted_rows(X, sample_weight) if accumulate else None
        _twins_gemm.argmin_accumulate_from_dots(*args, weighted_rows=weighted_rows)

    def finish_slab(first, last, start, dots_t, half_norms, tie_margin):
        call(
            argmin_accumulate_from_dots,
            twin,
            X,
            sample_weight,
            centers,
            dots_t,
            half_norms,
            tie_margin,
            ws.row_radius,
            start,
            ws.starts,
            first,
            last,
            labels,
            ws.previous_labels,
            ws.partial_sums,
            ws.partial_weights,
            accumulate,
            path="gemm",
        )

    for_each_gemm_slab(X, centers, ws, finish_slab)
