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
* ``lloyd_pass(k, d, dtype)``: which candidate runs Lloyd's pass, the BLAS
  slabs (``drivers.gemm``) or one of the fused direct kernel pairs
  (``direct_kernels``: compiled per d, tiled, row-major or dot products);
  ``use_gemm`` says whether that is BLAS, ``blas_applies(X, k)`` asks it for
  dense rows (and sends the pass through BLAS while the dot-product kernels
  compile), and ``pruning_uses_gemm(k, d)`` says the same for Hamerly's and
  Yinyang's passes.
* ``auto_algorithm(k, d, n, itemsize)``: what ``algorithm="auto"`` runs;
  ``run_algorithm(X, algorithm)``: what actually runs on X (Lloyd's passes
  on sparse rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import NamedTuple

import numpy as np

from .._blocks import block_starts
from .._calibration import calibrated_pass
from .._config import YINYANG_MAX_BOUND_BYTES
from .._jit import compiled_for, pending, twins_would_run
from .._kernels.common import relocate_empty_clusters, weighted_inertia
from .._kernels.distances import assign_nearest, pairwise_euclidean
from .._kernels.dots import (
    OUTER_MAX_FEATURES,
    OUTER_MIN_CLUSTERS,
    dots_assign,
    dots_assign_accumulate,
    dots_pass,
    outer_tiles,
    tile_rows,
)
from .._kernels.lloyd import argmin_accumulate_from_dots, lloyd_assign_accumulate
from .._kernels.rows import rows_assign, rows_assign_accumulate, score_margin
from .._kernels.unrolled import UNROLLED_KERNELS, unrolled_applies
from .._sparse import CSRRows
from . import sparse

#: The candidates for Lloyd's pass on dense rows: "blas" (``drivers.gemm``)
#: or a pair of direct kernels (``DIRECT_KERNELS``; "unrolled" for d <= 8).
LLOYD_PASSES = ("unrolled", "tiled", "rows", "dots", "blas")

_forced_pass: str | None = None


@contextmanager
def lloyd_pass_forced(name: str) -> Iterator[None]:
    """Within the block, Lloyd's pass on dense rows is ``name``, whatever the shape.

    For tests, ``benchmarks`` and ``precompile``, which must reach every
    kernel on shapes of their choosing.  Every candidate gives the same
    results, so this changes only speed.  "unrolled" is not forceable: it
    exists only for d <= 8.
    """
    global _forced_pass
    if name not in LLOYD_PASSES[1:]:
        raise ValueError(
            f"cannot force Lloyd's pass {name!r}: one of {LLOYD_PASSES[1:]}"
        )
    saved, _forced_pass = _forced_pass, name
    try:
        yield
    finally:
        _forced_pass = saved


def lloyd_pass(n_clusters: int, n_features: int, dtype: np.dtype = np.float64) -> str:
    """The candidate that runs Lloyd's pass on this shape (``LLOYD_PASSES``).

    A forced one (``lloyd_pass_forced``), else this machine's calibration
    where there is one (``_calibration``, d >= 16), else the built-in rule
    (``measured_lloyd_pass``).
    """
    if _forced_pass is not None:
        return _forced_pass
    calibrated = calibrated_pass(n_clusters, n_features, dtype)
    if calibrated is not None:
        return calibrated
    return measured_lloyd_pass(n_clusters, n_features, dtype)


def measured_lloyd_pass(
    n_clusters: int, n_features: int, dtype: np.dtype = np.float64
) -> str:
    """The built-in rule: the fastest candidate as measured on our machine.

    Measured with ``python -m benchmarks.lloyd_passes`` (one fused pass over
    16 MiB of float32 or 32 MiB of float64 blobs, best of 5, 2-core AMD EPYC
    Zen 3 with AVX2, numpy 2.4 on OpenBLAS, numba 0.68), in ms:

    =========  =====  =====  =====  =====  ===========  ==================
    float32    tiled  rows   dots   blas   sklearn      fastest of ours
    =========  =====  =====  =====  =====  ===========  ==================
    16 x 8     9.37   7.72   6.33   7.53   5.33         dots
    16 x 128   40.2   43.6   15.4   22.7   20.7         dots
    16 x 256   76.2   91.2   31.4   35.2   39.4         dots
    16 x 512   142    169    88.4   57.5   75.7         blas
    24 x 256   56.7   77.2   26.9   29.8   30.1         dots
    32 x 4     6.61   3.35   3.80   7.84   3.53         rows
    32 x 64    25.7   25.3   11.5   16.7   11.7         dots
    32 x 256   56.2   71.0   26.2   27.5   26.8         dots
    32 x 512   111    116    50.3   45.9   52.7         blas
    64 x 8     10.0   3.26   3.70   6.39   3.42         rows
    64 x 64    26.5   18.2   10.8   16.5   10.7         dots
    64 x 1024  163    191    79.0   74.6   76.2         blas
    96 x 1024  162    178    75.1   75.2   73.1         dots
    128 x 128  39.0   30.7   14.3   18.6   14.1         dots
    256 x 256  61.7   58.5   23.6   29.6   22.0         dots
    512 x 1024 209    246    99.3   87.2   88.0         blas
    =========  =====  =====  =====  =====  ===========  ==================

    (The rows from 16 x 128 to 24 x 256 are from a later run, after the
    dot-product kernels learned to score tiles along their rows below d = 32,
    ``dots.outer_tiles``; 16 x 128 had been 37.7 against BLAS's 27.5.  The
    rows 32 x 256, 32 x 512, 64 x 1024 and 96 x 1024 are from a third run,
    after they learned to score float32 tiles by panels of centers from d = 32
    to 128, ``dots.panel_tiles``; 32 x 256 had been 45.7 against 33.9.)  In
    float64 the dot-product kernels were at most 1.01x BLAS in every cell
    (d = 16 to 512, k = 2 to 1024) and 0.74x at d=16 k=1024; the row-major
    kernels won at k <= 8 from d = 32 on (4.59 against 5.66 ms at 64 x 8).
    So: the kernels compiled per d up to d = 8 (``unrolled_applies``); the
    row-major kernels for few clusters (``rows_max_clusters``: up to k = 3 in
    float32 and k = 8 in float64 below d = 16, k = 7 from d = 16, k = 8 from
    d = 32); the tiled kernels for the rest up to d = 15; then BLAS in
    float32 where k is large for d (k > 256 below d = 32, where the
    dot-product tiles get too short to be scored along their rows; k >= 512
    below d = 64; k >= 1024 beyond), and the dot-product kernels everywhere
    else.  The BLAS path's slabs win only where k is large enough
    for BLAS to run near its peak; the earlier rule (BLAS from k = 8 in
    float32 and k = 16 in float64 from d = 16, measured on an older machine
    against the tiled and row-major kernels only) lost 1.3-4x to the direct
    kernels on both AMD machines of issue 21.  Other machines may differ:
    ``python -m kmeans_core.calibrate`` measures this one (``_calibration``).
    """
    if unrolled_applies(n_features):
        return "unrolled"
    if n_clusters <= rows_max_clusters(n_features, dtype):
        return "rows"
    if n_features < 16:
        return "tiled"
    if np.dtype(dtype) == np.float32:
        if n_features < OUTER_MAX_FEATURES:
            # BLAS only where the dot-product tiles are scored along the
            # features (``dots.outer_tiles``): from k > 256.
            tile = tile_rows(n_clusters, np.dtype(dtype).itemsize)
            by_rows = outer_tiles(n_clusters, n_features, tile)
            if n_clusters >= OUTER_MIN_CLUSTERS and not by_rows:
                return "blas"
        elif n_clusters >= (512 if n_features < 64 else 1024):
            return "blas"
    return "dots"


def rows_max_clusters(n_features: int, dtype: np.dtype = np.float64) -> int:
    """The largest k for which the row-major kernels run Lloyd's pass (d > 8).

    Measured against the tiled kernels below d = 16 and the dot-product
    kernels from there (``python -m benchmarks.lloyd_passes --d 10 13 16 20
    24 28 --k 2 3 4 5 6 7 8 --dtype float32 float64 --repeats 15``, at
    095b970, the machine of ``measured_lloyd_pass``), rows / the other:

    * d = 10 and 13: float32 0.77-0.91 at k = 2 and 3, 0.96-1.35 from
      k = 4; float64 0.66-0.89 up to k = 7, 0.79-0.96 at k = 8;
    * d = 16 to 28: 0.51-0.88 at k = 2, 3 and 5-7 in both dtypes, 0.71-1.02
      at k = 4 (where the dot-product tiles fill whole vectors), 0.87-1.29
      at k = 8;
    * from d = 32 (``measured_lloyd_pass``'s table): the row-major kernels
      up to k = 8.
    """
    if n_features < 16:
        return 8 if np.dtype(dtype) == np.float64 else 3
    return 7 if n_features < 32 else 8


def use_gemm(n_clusters: int, n_features: int, dtype: np.dtype = np.float64) -> bool:
    """Whether Lloyd's pass through BLAS slabs is the fastest (``lloyd_pass``)."""
    return lloyd_pass(n_clusters, n_features, dtype) == "blas"


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


#: The direct kernels that serve any d, by ``lloyd_pass``'s name.
DIRECT_KERNELS = {
    "tiled": DirectKernels(lloyd_assign_accumulate, assign_nearest),
    "dots": DirectKernels(dots_assign_accumulate, dots_assign),
}


def direct_kernel_name(n_clusters: int, n_features: int, dtype: np.dtype) -> str:
    """Which direct kernels serve this shape: ``lloyd_pass``'s choice, and
    "dots" where that is BLAS (for the passes that do not go through BLAS:
    ``predict`` on new data, the pruned algorithms' direct passes)."""
    name = lloyd_pass(n_clusters, n_features, dtype)
    return "dots" if name == "blas" else name


def assign_kernel_name(n_clusters: int, n_features: int, dtype: np.dtype) -> str:
    """Which direct kernels find the labels alone (``DirectKernels.assign``).

    A fit's final pass, ``predict`` and ``score`` need each row's label and
    its exact squared distance, without the sums.  Measured alone (the
    assign-only pass over the map's 16 MiB of float32 or 32 MiB of float64
    blobs, best of 5, the machine of ``measured_lloyd_pass``), the tiled
    kernel, which computes the exact distances as it searches, beat the
    row-major and dot-product ones, which score first and then compute the
    label's distance again: by 1.25-2.3x at k <= 16 for d = 16 to 128 in
    float32, and 1.1-1.45x at k <= 8 for d = 9 to 16 in float64.  Below
    d = 16 at k >= 64 the dot-product kernel beat the tiled one by 1.3-1.8x,
    but there it is taken only once compiled or cached: compiling it took
    19 s (the tiled one 3 s), more than it saves a first fit.  Elsewhere the
    fused pass's kernels (``direct_kernel_name``) were the fastest or within
    1.2x.  A forced pass (``lloyd_pass_forced``) forces this choice too.
    """
    name = direct_kernel_name(n_clusters, n_features, dtype)
    if name == "unrolled" or _forced_pass is not None:
        return name
    if n_features < 16 and n_clusters >= 64:
        return "tiled" if pending(dots_pass, dtype) else "dots"
    float32 = np.dtype(dtype) == np.float32
    if n_clusters <= (16 if float32 else 8) and n_features <= (128 if float32 else 16):
        return "tiled"
    return name


def _kernel_pair(name: str, X: np.ndarray) -> DirectKernels:
    """The fused and assign-only kernels of one candidate, for X's shape."""
    n_features = X.shape[1]
    if name == "unrolled":
        return DirectKernels(*UNROLLED_KERNELS[n_features])
    if name == "rows":
        relative, absolute = score_margin(X.dtype, n_features)
        return DirectKernels(
            partial(rows_assign_accumulate, relative=relative, absolute=absolute),
            partial(rows_assign, relative=relative, absolute=absolute),
        )
    return DIRECT_KERNELS[name]


def direct_kernels(X: np.ndarray, n_clusters: int) -> DirectKernels:
    """The fastest exact direct kernels for data like ``X`` and ``n_clusters``.

    The fused pass as ``lloyd_pass`` says, the assign-only pass as
    ``assign_kernel_name`` says.  All give bit-identical results.
    """
    n_features = X.shape[1]
    fused = direct_kernel_name(n_clusters, n_features, X.dtype)
    assign = assign_kernel_name(n_clusters, n_features, X.dtype)
    return DirectKernels(
        _kernel_pair(fused, X).assign_accumulate, _kernel_pair(assign, X).assign
    )


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
    """Whether Lloyd's pass on X goes through BLAS.

    Dense rows, where ``use_gemm`` says so, or where the dot-product or
    row-major kernels would serve but are not compiled yet
    (``direct_wait_for_compile``).
    """
    return isinstance(X, np.ndarray) and (
        use_gemm(n_clusters, X.shape[1], X.dtype)
        or direct_wait_for_compile(X, n_clusters) is not None
    )


#: The direct kernels that the BLAS path stands in for while they compile, by
#: ``lloyd_pass``'s name (which is also their ``precompile`` workload).
BLAS_STANDS_IN_FOR = {"dots": dots_pass, "rows": rows_assign_accumulate}


def direct_wait_for_compile(X: np.ndarray, n_clusters: int) -> str | None:
    """The direct kernels ("dots" or "rows") that Lloyd waits for on BLAS, or None.

    All of them give the same labels and sums as the BLAS path.  The BLAS
    path has NumPy twins (``_twins_gemm``) that run at once in a fresh
    environment; the dot-product or row-major kernels would first compile
    for several seconds (a first fit at 100000 x 20, k = 3, float32, from
    an empty cache: 6.3 s compiling the row-major kernels, against 2.0 s
    through the twins).  So while the kernels that serve the shape are
    neither compiled in this process nor cached on disk for X's dtype, and
    the BLAS path's kernel is cached or its twins would run
    (``_jit.twins_would_run``), Lloyd takes the BLAS path; a fit that does
    asks for the kernels in a background process (``first_use.start_fit``),
    and once they are cached the next fit uses them.  A forced pass is taken
    as it is.
    """
    name = direct_kernel_name(n_clusters, X.shape[1], X.dtype)
    kernel = BLAS_STANDS_IN_FOR.get(name)
    if kernel is None or _forced_pass is not None or not pending(kernel, X.dtype):
        return None
    waits = compiled_for(argmin_accumulate_from_dots, X.dtype) or twins_would_run(
        argmin_accumulate_from_dots, X.dtype, "gemm"
    )
    return name if waits else None


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
