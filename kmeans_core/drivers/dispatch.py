"""The one place that maps a data shape and type to kernels and algorithms.

Every choice made here changes only speed: each kernel it can pick gives
bit-identical labels and sums, and ``auto_algorithm``'s choices all return
Lloyd's exact result.  To change which kernel runs for a shape, change this
module and nothing else.

* ``row_kernels(X, k)``: the kernels that touch the rows of X in Lloyd's
  pass, the relocation of empty clusters and the inertia, and X's fixed row
  blocks.  This is the seam for a second kind of rows: the iteration loop and
  the algorithms call these kernels through the bundle, so sparse CSR rows
  (``_sparse.CSRRows``) supply a bundle (``drivers.sparse``) rather than a
  second copy of each algorithm.
* ``use_gemm(k, d, dtype)``: whether Lloyd's pass goes through BLAS slabs
  (``drivers.gemm``) or the fused direct kernels (``direct_kernels``);
  ``blas_applies(X, k)`` asks it for dense rows only, and
  ``pruning_uses_gemm(k, d)`` the same for Hamerly's and Yinyang's passes.
* ``auto_algorithm(k, d, n, itemsize)``: what ``algorithm="auto"`` runs;
  ``run_algorithm(X, algorithm)``: what actually runs on X (Lloyd's passes
  on sparse rows).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np

from .._blocks import block_starts
from .._config import YINYANG_MAX_BOUND_BYTES
from .._kernels.common import relocate_empty_clusters, weighted_inertia
from .._kernels.distances import assign_nearest, pairwise_euclidean
from .._kernels.lloyd import lloyd_assign_accumulate
from .._kernels.rows import rows_assign, rows_assign_accumulate, score_margin
from .._kernels.unrolled import UNROLLED_KERNELS, unrolled_applies
from .._sparse import CSRRows
from . import sparse


def use_gemm(n_clusters: int, n_features: int, dtype: np.dtype = np.float64) -> bool:
    """Whether Lloyd's pass goes through BLAS slabs (``drivers.gemm``).

    The direct kernels spend 2-3 vector operations per (sample, center,
    feature); BLAS spends one at close to its peak but pays a pass over the
    dot products.  One fused pass, single thread, CPU time (ms), at 16 MiB of
    float32 (n = 2^22 / d), tiled / row-major / BLAS:

    ======  =====================  =====================  ====================
    d       k = 4                  k = 8                  k = 16
    ======  =====================  =====================  ====================
    16      12.3 / 9.4 / 9.3       16.4 / 14.0 / 11.1     24.3 / 25.6 / 16.9
    32      10.5 / 7.3 / 7.3       13.7 / 11.6 / 8.4      19.5 / 20.3 / 12.2
    64      9.5 / 5.4 / 5.6        12.1 / 8.6 / 6.8       17.7 / 15.7 / 15.4
    128     8.3 / 4.5 / 5.0        10.5 / 6.9 / 6.0       15.9 / 12.5 / 8.7
    512     15.3 / 5.7 / 5.6       20.2 / 7.5 / 7.1       --
    ======  =====================  =====================  ====================

    and BLAS at 0.6-0.7 of the tiled kernel for k = 32 and 64 at d = 16 to 512.
    In float64 BLAS wins later: row-major / BLAS 9.0 / 10.9 at d=32 k=4, 11.8
    / 17.2 at d=64 k=8, 19.7 / 17.6 at d=128 k=16, and BLAS 25.7 against the
    tiled 34.8 at d=16 k=16.  So BLAS from d = 16 and k = 8 in float32, k = 16
    in float64 (``python`` scratch timing of the three kernels on
    ``benchmarks._shapes.make_data`` data; the transposed copy of X that the
    BLAS path keeps is made once per fit and not counted).
    """
    if n_features < 16:
        return False
    return n_clusters >= (8 if np.dtype(dtype) == np.float32 else 16)


def pruning_uses_gemm(n_clusters: int, n_features: int) -> bool:
    """Whether Hamerly's and Yinyang's passes may go through BLAS.

    Their BLAS passes were measured from k = 32 on (``auto_algorithm``), and
    only there do they run.
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


def rows_kernels_apply(n_clusters: int, n_features: int) -> bool:
    """Whether the row-major kernels (``_kernels/rows.py``) beat the tiled ones.

    They skip the tile transpose, which costs one scalar copy per value of X
    whatever k is, and score k centers per row instead, vectorised along the
    features: they pay off where d is large and k small.  One fused pass,
    single thread, CPU time (so other load on the 2-core machine counts less),
    rows / tiled, float32: 0.55 at d=128 k=4, 0.59 at d=64 k=4, 0.72 at d=32
    k=4, 0.43 at d=512 k=8, 0.79-0.86 at d=128 k=16, but 1.04-1.08 at d=32
    k=16 and 0.92 at d=16 k=8 (float64 0.55, 0.75 and 0.90 at d=128 k=4, d=128
    k=16, d=32 k=16); 0.77 at d=16 k=4.  Where BLAS wins (``use_gemm``), the
    direct kernels only serve the passes that do not go through it.
    """
    return n_features >= 16 and n_clusters <= 16


def direct_kernels(X: np.ndarray, n_clusters: int) -> DirectKernels:
    """The fastest exact direct kernels for data like ``X`` and ``n_clusters``.

    The unrolled kernels (``_kernels/unrolled.py``) where ``unrolled_applies``
    says so (d <= 8), the row-major kernels where ``rows_kernels_apply`` says
    so, the generic tiled kernels otherwise.  All give bit-identical results.
    """
    n_features = X.shape[1]
    if unrolled_applies(n_features):
        return DirectKernels(*UNROLLED_KERNELS[n_features])
    if rows_kernels_apply(n_clusters, n_features):
        relative, absolute = score_margin(X.dtype, n_features)
        return DirectKernels(
            partial(rows_assign_accumulate, relative=relative, absolute=absolute),
            partial(rows_assign, relative=relative, absolute=absolute),
        )
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


def row_kernels(X: np.ndarray | CSRRows, n_clusters: int) -> RowKernels:
    """The kernels that read rows like ``X``: dense (C-contiguous, float) or CSR."""
    if isinstance(X, CSRRows):
        return SPARSE_ROW_KERNELS
    return RowKernels(
        direct_kernels(X, n_clusters),
        relocate_empty_clusters,
        weighted_inertia,
        dense_blocks,
        dense_distances,
        True,
    )


def blas_applies(X: np.ndarray | CSRRows, n_clusters: int) -> bool:
    """Whether Lloyd's pass on X goes through BLAS: dense rows and ``use_gemm``."""
    return isinstance(X, np.ndarray) and use_gemm(n_clusters, X.shape[1], X.dtype)


def run_algorithm(X: np.ndarray | CSRRows, algorithm: str) -> str:
    """The algorithm whose driver runs for ``algorithm`` (already resolved) on X.

    On sparse rows every algorithm runs Lloyd's passes (``drivers.sparse``):
    the pruned variants' bounds would need sparse kernels of their own, and
    they return Lloyd's exact result anyway, so the results are identical.
    """
    return "lloyd" if isinstance(X, CSRRows) else algorithm


def auto_algorithm(
    n_clusters: int, n_features: int, n_samples: int = 0, itemsize: int = 8
) -> str:
    """The algorithm that ``algorithm="auto"`` (the default) runs for this shape.

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

    All of them give identical results.  Yinyang's group bounds take n x
    ``yinyang_group_count(k)`` values; past ``YINYANG_MAX_BOUND_BYTES`` it
    gives way to Hamerly (two bounds per row).

    On first use, ``KMeans`` may run Lloyd instead of the Hamerly or Yinyang
    chosen here (``first_use.lloyd_twins_instead``): while their kernels are
    neither compiled nor cached, Lloyd's BLAS passes run through NumPy twins
    at once, where the pruned kernels would first compile for 15-20 s.  The
    result is the same; only the time and ``n_distance_evaluations_`` differ.
    """
    if not pruning_uses_gemm(n_clusters, n_features):
        return "lloyd"
    if n_clusters >= 128 and n_clusters * n_features >= 16384:
        bound_bytes = n_samples * yinyang_group_count(n_clusters) * itemsize
        if bound_bytes <= YINYANG_MAX_BOUND_BYTES:
            return "yinyang"
    return "hamerly"


def yinyang_group_count(n_clusters: int) -> int:
    """Number of center groups: about k/20.

    Ding et al. recommend k/10 for a search that goes center by center.  Ours
    gathers the rows that need a group into tiles, which costs about as much
    per (row, group) as scoring ten centers, so larger groups pay off.  With
    this function patched to k/10, k/20 and k/32 in one timing loop (full
    fits from one shared init, float32, best of 4 interleaved runs), k/20 took
    0.79-0.94x the time of k/10 at 100000x16 k=128, 100000x64 k=256, 50000x32
    k=512 and 20000x128 k=1024, and the same at 200000x32 k=64; k/32 measured
    like k/20.  The bounds take n x k/20 floats.
    """
    return max(1, (n_clusters + 10) // 20)
