"""The one place that maps a data shape and type to kernels and algorithms.

Every choice made here changes only speed: each kernel it can pick gives
bit-identical labels and sums, and ``auto_algorithm``'s choices all return
Lloyd's exact result.  To change which kernel runs for a shape, change this
module and nothing else.

* ``row_kernels(X)``: the kernels that touch the rows of X in Lloyd's pass,
  the relocation of empty clusters and the inertia, and X's fixed row
  blocks.  This is the seam for a second kind of rows: the iteration loop and
  the algorithms call these kernels through the bundle, so sparse CSR rows
  (``_sparse.CSRRows``) supply a bundle (``drivers.sparse``) rather than a
  second copy of each algorithm.
* ``use_gemm(k, d)``: whether Lloyd's pass goes through BLAS slabs
  (``drivers.gemm``) or the fused direct kernels; ``blas_applies(X, k)`` asks
  it for dense rows only.
* ``auto_algorithm(k, d)``: what ``algorithm="auto"`` runs;
  ``run_algorithm(X, algorithm)``: what actually runs on X (Lloyd's passes
  on sparse rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._blocks import block_starts
from .._kernels.common import relocate_empty_clusters, weighted_inertia
from .._kernels.distances import assign_nearest, pairwise_euclidean
from .._kernels.lloyd import lloyd_assign_accumulate
from .._kernels.unrolled import UNROLLED_KERNELS, unrolled_applies
from .._sparse import CSRRows
from . import sparse


def use_gemm(n_clusters: int, n_features: int) -> bool:
    """Whether the BLAS (GEMM) path beats the fused direct kernel for this shape.

    The direct kernel spends 2 vector operations per (sample, center, feature);
    BLAS spends 1 at close to peak but pays a pass over the dot products.  The
    threshold is coarse: at 200000 x 32 with k=64 the BLAS path ran 12 ms per
    iteration against 18 ms for the direct kernel alone, and at d <= 8 the
    direct kernel wins clearly; the crossover in between is not mapped yet.
    """
    return n_clusters >= 32 and n_features >= 16


class DirectKernels(NamedTuple):
    """The two direct Lloyd kernels for one data shape.

    ``assign_accumulate(X, sample_weight, centers, block_starts, labels,
    partial_sums, partial_weights)`` has the signature of
    ``lloyd.lloyd_assign_accumulate``; ``assign(X, centers, block_starts,
    labels, min_sq_dist)`` that of ``distances.assign_nearest``.
    """

    assign_accumulate: Callable
    assign: Callable


def direct_kernels(X: np.ndarray) -> DirectKernels:
    """The fastest exact direct kernels for data shaped and typed like ``X``.

    The unrolled kernels (``_kernels/unrolled.py``) where ``unrolled_applies``
    says so (d <= 8), the generic kernels otherwise.  Both give bit-identical
    results.
    """
    n_features = X.shape[1]
    if unrolled_applies(n_features):
        return DirectKernels(*UNROLLED_KERNELS[n_features])
    return DirectKernels(lloyd_assign_accumulate, assign_nearest)


class RowKernels(NamedTuple):
    """Every kernel of a run that reads the rows of X, for one kind of rows.

    ``direct`` is Lloyd's pair (``DirectKernels``); ``relocate(X,
    sample_weight, centers, labels, sums, weights)`` moves empty clusters onto
    the farthest rows (``common.relocate_empty_clusters``); ``inertia(X,
    sample_weight, centers, labels, block_starts)`` is the exact weighted
    inertia (``common.weighted_inertia``); ``blocks(X, n_clusters)`` gives
    the fixed row blocks of the partial sums; ``distances(X, centers)`` the
    (n, k) Euclidean distances in X's dtype (``transform``); ``dense`` says
    whether the rows are a dense array (which the BLAS path and the pruned
    variants need).
    """

    direct: DirectKernels
    relocate: Callable
    inertia: Callable
    blocks: Callable
    distances: Callable
    dense: bool


def dense_blocks(X: np.ndarray, n_clusters: int) -> np.ndarray:
    """``_blocks.block_starts`` for dense X."""
    return block_starts(X.shape[0], n_clusters, X.shape[1])


def dense_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """``distances.pairwise_euclidean`` into a new (n, k) array."""
    out = np.empty((X.shape[0], centers.shape[0]), dtype=X.dtype)
    pairwise_euclidean(X, centers, out)
    return out


#: The bundle for CSR rows: Lloyd's pass, relocation and inertia of
#: ``drivers.sparse`` (sparse-dense products, near-ties settled exactly).
SPARSE_ROW_KERNELS = RowKernels(
    DirectKernels(sparse.assign_accumulate, sparse.assign),
    sparse.relocate,
    sparse.inertia,
    sparse.blocks,
    sparse.distances,
    False,
)


def row_kernels(X: np.ndarray | CSRRows) -> RowKernels:
    """The kernels that read rows like ``X``: dense (C-contiguous, float) or CSR."""
    if isinstance(X, CSRRows):
        return SPARSE_ROW_KERNELS
    return RowKernels(
        direct_kernels(X),
        relocate_empty_clusters,
        weighted_inertia,
        dense_blocks,
        dense_distances,
        True,
    )


def blas_applies(X: np.ndarray | CSRRows, n_clusters: int) -> bool:
    """Whether Lloyd's pass on X goes through BLAS: dense rows and ``use_gemm``."""
    return row_kernels(X).dense and use_gemm(n_clusters, X.shape[1])


def run_algorithm(X: np.ndarray | CSRRows, algorithm: str) -> str:
    """The algorithm whose driver runs for ``algorithm`` (already resolved) on X.

    On sparse rows every algorithm runs Lloyd's passes (``drivers.sparse``):
    the pruned variants' bounds would need sparse kernels of their own, and
    they return Lloyd's exact result anyway, so the results are identical.
    """
    return algorithm if row_kernels(X).dense else "lloyd"


def auto_algorithm(n_clusters: int, n_features: int) -> str:
    """The algorithm that ``algorithm="auto"`` runs for this shape.

    From full fits with one shared init, float32, time over Lloyd's (``python
    -m benchmarks.compare --variants --repeats 2 --shapes ...``; on our 2-core
    machine the same fit can vary by about 15% between runs):

    * Hamerly on Lloyd's BLAS path (k >= 32, d >= 16) while k * d < 16384:
      0.82 (200000x16 k=64), 0.66 (100000x64 k=64), 0.79 (100000x16 k=128),
      0.60 (100000x32 k=128), 0.88 (100000x16 k=256); Yinyang 0.67-1.17 there.
      Since Hamerly's crowded passes go through BLAS (``drivers.hamerly``):
      0.70 and 0.66 (200000x32 k=64), 0.54 and 0.49 (100000x32 k=128), 0.93
      and 0.88 (200000x16 k=64), float32 and float64, best of 2.
    * Yinyang from k * d >= 16384 with k >= 128, where one lower bound prunes
      too little: 0.78 (50000x128 k=128), 0.92 (100000x64 k=256), 0.91
      (50000x32 k=512), 0.95 (20000x128 k=1024), 1.05 (50000x16 k=1024);
      Hamerly 0.90-3.28 there.  (100000x32 k=256 sits on the line: Hamerly
      1.08, Yinyang 0.93 in that run, the other way round in others.)  Since
      Yinyang's BLAS passes scan the scores once (``_kernels.yinyang``'s
      ``best_two_scores_by_group``): 0.89 and 0.71 (100000x64 k=256), 0.93
      and 0.78 (20000x128 k=1024), float32 and float64, best of 2; Hamerly
      0.63 and 0.54 at 200000x32 k=64 in the same run.
    * Lloyd elsewhere: at d <= 8 its unrolled kernels are hard to beat
      (200000x4 k=128: Hamerly 1.32, Yinyang 1.84), and for k < 32 there is
      little to prune.

    All of them give identical results.
    """
    if not use_gemm(n_clusters, n_features):
        return "lloyd"
    if n_clusters >= 128 and n_clusters * n_features >= 16384:
        return "yinyang"
    return "hamerly"
