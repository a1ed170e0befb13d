"""Compile-time switches shared by every Numba kernel.

Nothing here holds logic: the kernels import these constants so that one edit
changes the whole library consistently.
"""

from __future__ import annotations

#: LLVM fast-math flags used by every kernel.  ``nnan``/``ninf`` are left out on
#: purpose: they let LLVM assume NaN and inf never occur, which has shipped silent
#: NaN bugs in other Numba projects.  ``reassoc`` is left out too: it would let
#: LLVM reorder the sum over features differently in different kernels, and then
#: Lloyd, Elkan and Hamerly could disagree on near-ties.  ``contract`` (FMA) is
#: left out as well: it only allows fusing, and whether LLVM fuses depends on
#: how each loop was vectorised, so the same distance could round differently
#: in two kernels (docs/algorithm.md, "How the fast version does it").
FASTMATH: set[str] = {"nsz", "arcp", "afn"}

#: Flags for *candidate scores* only (``_kernels/rows.py``): reordering and
#: fusing let LLVM vectorise a sum over the features of one row, and a score
#: only proposes the nearest center.  Every label is still decided from
#: ``squared_distance`` wherever the scores' rounding could matter, so labels
#: stay identical to every other kernel's.
SCORE_FASTMATH: set[str] = FASTMATH | {"reassoc", "contract"}

#: Cache compiled kernels on disk next to the sources (or under
#: ``NUMBA_CACHE_DIR``), so only the first process pays the JIT compile.
CACHE: bool = True

#: Rows per block below which a block is not split further.  Blocks are the unit
#: of parallel work and of partial sums; their boundaries depend only on the data
#: shape, never on the thread count, which is what makes results bit-identical
#: for any number of threads.
MIN_BLOCK_ROWS: int = 1024

#: Upper bound on the bytes of per-block partial sums (float64, k x d per block).
PARTIALS_BUDGET_BYTES: int = 16 * 2**20

#: The number of blocks always lies in [MIN_BLOCKS_CAP, MAX_BLOCKS] (when n allows).
MAX_BLOCKS: int = 256
MIN_BLOCKS_CAP: int = 16

#: Samples processed together by the tiled low-dimensional assignment kernel.
#: The tile is transposed into a small buffer so the innermost loop runs over
#: samples and vectorises.
TILE_ROWS: int = 64

#: Largest number of features for which the direct Lloyd kernels are compiled
#: with d built in (one kernel per d; see ``_kernels/unrolled.py``).  Above it,
#: four unrolled centers' running sums no longer fit in the vector registers and
#: the generic kernels were as fast or faster in our measurements.
MAX_UNROLLED_FEATURES: int = 8

#: Bytes of one tile's dot products in the dot-product direct kernels
#: (``_kernels/dots.py``): small enough to stay in L1/L2 with the tile's rows.
DOT_TILE_BYTES: int = 64 * 2**10
#: Bytes of the distance buffer per GEMM slab in the high-dimensional path.
GEMM_SLAB_BYTES: int = 2 * 2**20

#: How many times cheaper a distance is through BLAS (Lloyd's GEMM path) than in
#: Yinyang's direct group searches.  On the GEMM shapes a Yinyang pass whose
#: searches would compute more than 1/YINYANG_GEMM_SPEEDUP of the distances
#: from its rows in doubt to all k centers scores those rows through BLAS
#: instead (see ``drivers.yinyang.YinyangSteps``).  A pass that searched nearly every
#: row and group took 81-92 ms against 22-25 ms for a BLAS pass at 100000x64
#: k=256 and 20000x128 k=1024.  In full fits (float32, best of 3
#: interleaved; 2, 4, 8, 16 and infinity, which is BLAS every pass), 4 was
#: the fastest at 200000x32 k=64, 50000x64 k=512 and 20000x128 k=1024, and
#: 8% slower than 8 and 16 at 100000x64 k=256; the spread was 5-17%.
YINYANG_GEMM_SPEEDUP: float = 4.0

#: On the GEMM shapes, a Hamerly pass goes through BLAS (every row scored,
#: every bound renewed; ``drivers.hamerly.HamerlySteps``) when more than this share of
#: the rows fail the bound test after the centers moved.  Full fits from one
#: shared init (default tol, best of 3 interleaved), with the share at 0.2,
#: 0.35, 0.5, 0.7 and never, in ms: 414, 422, 419, 433, 493 at 200000x32 k=64,
#: 375, 376, 379, 399, 467 at 100000x32 k=128, 302, 316, 329, 326, 366 at
#: 200000x16 k=64 (float32); 636, 634, 625, 625, 777; 581, 582, 583, 616, 686;
#: 406, 411, 425, 426, 490 (float64).  Flat from 0.2 to 0.5; 0.35 is between.
HAMERLY_GEMM_SHARE: float = 0.35

#: A Yinyang pass that goes through BLAS scores only the rows left in doubt by
#: its filter, gathered, unless they are more than this share of all rows: then
#: every row is scored (no gather, and every bound is renewed).
YINYANG_FULL_PASS_SHARE: float = 0.5

#: ``algorithm="auto"`` runs Yinyang only while its group bounds (n x k/20
#: values of X's dtype) take at most this many bytes, Hamerly beyond.
YINYANG_MAX_BOUND_BYTES: int = 512 * 2**20

#: From this many features on, a block whose labels changed since its partial
#: sums were written re-sums only the clusters that gained or lost rows
#: (``common.accumulate_block``); narrower rows re-sum the whole block, which
#: costs about as much as finding the changed clusters.
RESUM_BY_CLUSTER_MIN_FEATURES: int = 16
