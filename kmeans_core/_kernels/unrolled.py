"""Direct Lloyd kernels compiled for one number of features (low d).

The generic kernels in ``lloyd`` and ``distances`` read ``d`` at run time, so the
loop over features stays a loop (eight features per pass), the tile transpose is
a strided copy, and the accumulation loops over features too.  When ``d`` is a
compile-time constant, LLVM unrolls all of these, keeps the running sums of 16
samples in one vector register for the whole distance, turns the transpose into
wide loads and shuffles, and scores four centers per pass over the tile so each
loaded value is used four times.  Rows of 64 bytes (float64, d = 8) are
transposed eight at a time (``transpose_tile``): copied row by row they
compiled to slow single-element shuffles, and these rows went to the generic
kernels instead.  In squares of eight a fused pass took 0.96-1.0 against
1.25-1.5 ms at 200000 x 8 k=16 (float64, medians of 30 calls, three
interleaved rounds), and 3.4-3.5 against 4.6-5.0 ms at 1000000 x 8 k=8, where
the machine's memory bandwidth varied from run to run (the fastest of 40
calls in each of four processes per side).

The fused kernel keeps each cluster's weight and sums side by side in a small
per-block array (``accumulator_lanes``), loads the row and that group whole
before writing anything (``load_row``), and is compiled with LLVM's SLP
vectoriser (``compiler.SLPCompiler``).  So adding a row is a few vector
instructions instead of d + 1 scalar load-add-store sequences, each of which
had to wait for the previous store because it might alias the next load.  One
fused pass took 0.75-0.92 of the plain loop's time at d = 4 to 8 with the
first, row-only form of this, and the weight lane brought a further 0.84-0.96
at d = 2, 3 and 7 (float32 and float64, k <= 16; the same within noise at
k >= 64, where the distances dominate).  ``python -m benchmarks.ablations``,
row "accumulation (packed rows)", times it against the plain loop.

The assign-only kernel keeps each tile's running best distances and labels in
its output arrays instead of tile buffers copied out afterwards: the copy loop
took about as long as the search (a pass took 0.04-0.05 against 0.11-0.13 ms
at 100000 x 2 k=5 and 0.10-0.14 against 0.29-0.34 ms at 200000 x 3 k=8,
float32, best of 100 calls, two interleaved rounds, identical outputs).

The numbers are the same: each distance is still summed over features in index
order (as ``squared_distance`` does), the four scores of a pass are compared in
center order with ties to the lower index, and the accumulation adds rows in row
order within each block.  So these kernels return bit-identical labels and
partial sums to the generic ones, and the pruning algorithms, which use the
generic distance, still agree with Lloyd exactly.

The kernels for each ``d <= MAX_UNROLLED_FEATURES`` are defined when this
module is imported (a closure per d; ``njit`` is lazy, so nothing compiles
then), and each is compiled on its first call and cached on disk like every
other kernel.  ``drivers.dispatch.direct_kernels`` says which pair to use for
given data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit, prange, types
from numba.core.compiler import Compiler
from numba.core.errors import TypingError
from numba.extending import overload

from .._config import CACHE, FASTMATH, MAX_UNROLLED_FEATURES, TILE_ROWS
from .compiler import SLPCompiler
from .seeding import add_potentials, sum_block_partials


@njit(inline="always")
def _transpose_row_by_row(rows, n_rows, n_features, xt):
    """Copy ``n_rows`` rows (flat, row-major) into ``xt`` as features x rows.

    Row by row: with d fixed, LLVM turns the copy of rows narrower than 64
    bytes into wide loads and shuffles.
    """
    for t in range(n_rows):
        for f in range(n_features):
            xt[f, t] = rows[t * n_features + f]


@njit(inline="always")
def _transpose_in_squares(rows, n_rows, n_features, xt):
    """``_transpose_row_by_row`` eight rows at a time, for 64-byte rows.

    Row by row, a 64-byte row (float64, d = 8) compiled to a slow sequence of
    single-element shuffles; eight rows at a time, each feature's eight values
    are written together.  The tile's last ``n_rows % 8`` rows go row by row.
    """
    n_squares = n_rows // 8 * 8
    for t0 in range(0, n_squares, 8):
        for f in range(n_features):
            for q in range(8):
                xt[f, t0 + q] = rows[(t0 + q) * n_features + f]
    for t in range(n_squares, n_rows):
        for f in range(n_features):
            xt[f, t] = rows[t * n_features + f]


def transpose_tile(rows, n_rows, n_features, xt):
    """Copy ``n_rows`` rows (flat, row-major) into ``xt`` as features x rows.

    In compiled code ``n_features`` must be a compile-time constant; the copy
    is then compiled for the row width (``_transpose_row_by_row`` below 64
    bytes, ``_transpose_in_squares`` from 64 on).  Copying 4 MiB of rows tile
    by tile took 0.04-0.08 ms row by row against 0.09-0.17 in squares for
    float32 with d = 2 to 8, 0.03-0.05 against 0.05-0.07 for float64 with
    d = 2 to 7, but 0.09-0.14 against 0.07 for float64 with d = 8 (medians
    of 40 calls, two rounds).
    """
    for t in range(n_rows):
        for f in range(n_features):
            xt[f, t] = rows[t * n_features + f]


@overload(transpose_tile, inline="always", prefer_literal=True)
def _transpose_tile_compiled(rows, n_rows, n_features, xt):
    # Chosen when the kernel is typed, from d and the dtype: one copy loop
    # per row width, no run-time branch.  The copy is exact either way.
    if not isinstance(n_features, types.IntegerLiteral):
        raise TypingError("transpose_tile needs n_features as a compile-time constant")
    row_bytes = n_features.literal_value * rows.dtype.bitwidth // 8
    copy = _transpose_in_squares if row_bytes >= 64 else _transpose_row_by_row

    def implementation(rows, n_rows, n_features, xt):
        copy(rows, n_rows, n_features, xt)

    return implementation


@njit(inline="always", fastmath=FASTMATH)
def _nearest_in_transposed_tile(xt, n_rows, n_features, centers, best_dist, best_label):
    """Nearest center of each of the ``n_rows`` columns of ``xt``.

    Scores four centers per pass.  Inside a pass the scores are compared in
    center order with a strict ``<``, so ties go to the lower index exactly as
    in a one-center-at-a-time scan.  When k is not a multiple of four, the last
    pass scores the last center again in the missing places: a repeat gives
    the very same score, which never beats the equal score before it, so the
    labels are those of a scan over the k centers.  (The remaining centers
    scored one by one left the loop scalar, branching on every row: at
    2097152 x 2 in float32, the search took 5.0 and 6.6 ms for k = 2 and 3,
    against 1.7 for k = 4; now 0.29-0.44 of that time at k = 2 and 3.)
    """
    zero = xt.dtype.type(0.0)
    for t in range(n_rows):
        best_dist[t] = np.inf
        best_label[t] = 0
    last = centers.shape[0] - 1
    for j in range(0, last + 1, 4):
        j1 = min(j + 1, last)
        j2 = min(j + 2, last)
        j3 = min(j + 3, last)
        for t in range(n_rows):
            s0 = zero
            s1 = zero
            s2 = zero
            s3 = zero
            for f in range(n_features):
                x = xt[f, t]
                d0 = x - centers[j, f]
                s0 += d0 * d0
                d1 = x - centers[j1, f]
                s1 += d1 * d1
                d2 = x - centers[j2, f]
                s2 += d2 * d2
                d3 = x - centers[j3, f]
                s3 += d3 * d3
            best = best_dist[t]
            label = best_label[t]
            if s0 < best:
                best = s0
                label = j
            if s1 < best:
                best = s1
                label = j1
            if s2 < best:
                best = s2
                label = j2
            if s3 < best:
                best = s3
                label = j3
            best_dist[t] = best
            best_label[t] = label


@njit(inline="always", fastmath=FASTMATH)
def _nearest_in_tile(rows, n_rows, n_features, centers, xt, best_dist, best_label):
    """Transpose a tile of rows into ``xt`` and find each row's nearest center."""
    transpose_tile(rows, n_rows, n_features, xt)
    _nearest_in_transposed_tile(xt, n_rows, n_features, centers, best_dist, best_label)


def _row_loader(n_features: int) -> Callable:
    """``load(flat, offset)``: the ``n_features`` values from ``flat[offset]`` on.

    Returns them as a tuple, built one element at a time by nested inline
    helpers (a tuple's length must be known when Numba types it).  ``offset``
    must be unsigned (``np.uint64``), as the added positions are.
    """
    if n_features == 1:

        @njit(inline="always")
        def load(flat, offset):
            return (flat[offset],)

        return load

    head = _row_loader(n_features - 1)
    last = np.uint64(n_features - 1)

    @njit(inline="always")
    def load(flat, offset):
        return head(flat, offset) + (flat[offset + last],)

    return load


def load_row(flat, offset, n_features):
    """The row of ``n_features`` values from ``flat[offset]`` on, as a tuple.

    In compiled code ``n_features`` must be a compile-time constant (the kernels
    pass their built-in ``d``).  Loading the whole row before any running sum is
    written is what lets LLVM pack the accumulation into vector instructions:
    a store into the sums could otherwise alias the row's later elements, so
    each element would have to be loaded after the previous store.
    """
    return tuple(flat[offset : offset + n_features])


@overload(load_row, inline="always", prefer_literal=True)
def _load_row_compiled(flat, offset, n_features):
    # An overload rather than a loader captured by each kernel's closure:
    # Numba's disk cache keys a closure by its captured values, and a captured
    # dispatcher pickles differently in every process, so the kernels would be
    # recompiled in every new process.
    if not isinstance(n_features, types.IntegerLiteral):
        raise TypingError("load_row needs n_features as a compile-time constant")
    load = _row_loader(n_features.literal_value)

    def implementation(flat, offset, n_features):
        # Unsigned positions: Numba then adds no test for a negative index
        # (counted from the end) to each load.  Offsets are never negative.
        return load(flat, np.uint64(offset))

    return implementation


def accumulator_lanes(n_features: int) -> int:
    """Lanes per cluster in the fused kernel's running sums: a power of two.

    Lane 0 holds the cluster's weight, lanes 1 to d its weighted sums, and the
    rest are padding, so that each row's update is one whole group of vector
    lanes (2, 4, 8 or 16 float64 values).
    """
    lanes = 2
    while lanes < n_features + 1:
        lanes *= 2
    return lanes


@njit(inline="always")
def _add_row_packed(flat, offset, weight, label, running, n_features, lanes):
    """Add the row at ``flat[offset]`` and its weight to ``label``'s lanes.

    ``running`` holds ``lanes`` float64 values per cluster: the weight, the d
    sums, then padding.  The row and the cluster's lanes are loaded whole
    before anything is written, so under SLP the update is a few vector
    instructions.  ``n_features`` and ``lanes`` must be compile-time constants.

    Every position is unsigned, so Numba adds no test for a negative index to
    each access: adding the rows of 16 MiB took 0.63-0.97 of the time (d = 2,
    4, 7 and 8, k = 2 to 32, both dtypes, 1 and 2 threads), and a whole fused
    pass 0.86-0.95 (medians, where its search was unchanged).
    """
    x = load_row(flat, offset, n_features)
    base = np.uint64(label) * np.uint64(lanes)
    old = load_row(running, base, lanes)
    running[base] = old[0] + weight
    for f in range(n_features):
        running[base + np.uint64(1 + f)] = old[1 + f] + weight * np.float64(x[f])
    for f in range(n_features + 1, lanes):
        running[base + np.uint64(f)] = old[f]


@njit(inline="always")
def _unpack_sums(running, lanes, block_sums, block_weights):
    """Copy the packed lanes of every cluster into its weight and sums."""
    n_clusters, n_features = block_sums.shape
    for j in range(n_clusters):
        block_weights[j] = running[j * lanes]
        for f in range(n_features):
            block_sums[j, f] = running[j * lanes + 1 + f]


def _define_kernels(n_features: int, packed: bool = True) -> tuple[Callable, Callable]:
    """The fused and the assign-only kernel with ``d = n_features`` built in.

    Called at import, below: ``njit`` is lazy, so this defines the kernels and
    nothing is compiled until a kernel's first call.  ``packed=False`` gives
    the fused kernel the plain accumulation loop instead of the packed one
    (see the module docstring); ``benchmarks.ablations`` times the two.
    """
    # A closure variable is a compile-time constant to Numba: the loops over
    # features below have a fixed trip count.  Numba's disk cache keys closures
    # by the values they capture, so each d gets its own cache entry.
    d = n_features
    lanes = accumulator_lanes(d)

    @njit(
        parallel=True,
        fastmath=FASTMATH,
        cache=CACHE,
        pipeline_class=SLPCompiler if packed else Compiler,
    )
    def assign_accumulate_fixed_d(
        X, sample_weight, centers, block_starts, labels, partial_sums, partial_weights
    ):
        flat = X.reshape(-1)
        n_clusters = centers.shape[0]
        for b in prange(block_starts.shape[0] - 1):
            block_sums = partial_sums[b]
            block_weights = partial_weights[b]
            # Packed: each cluster's weight, sums and padding side by side,
            # copied into the block's partials at the end; plain: the partials.
            running = np.zeros(n_clusters * lanes if packed else 0)
            if not packed:
                block_sums[:] = 0.0
                block_weights[:] = 0.0
            xt = np.empty((d, TILE_ROWS), dtype=X.dtype)
            best_dist = np.empty(TILE_ROWS, dtype=X.dtype)
            for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
                n_rows = min(TILE_ROWS, block_starts[b + 1] - start)
                rows = flat[start * d : (start + n_rows) * d]
                tile_labels = labels[start : start + n_rows]
                _nearest_in_tile(rows, n_rows, d, centers, xt, best_dist, tile_labels)
                for t in range(n_rows):
                    label = tile_labels[np.uint64(t)]
                    # As ``common.accumulate_row``, with the loop over features
                    # unrolled: the same float64 additions in the same order.
                    weight = np.float64(sample_weight[np.uint64(start + t)])
                    if packed:
                        _add_row_packed(
                            flat, (start + t) * d, weight, label, running, d, lanes
                        )
                    else:
                        block_weights[label] += weight
                        for f in range(d):
                            block_sums[label, f] += weight * np.float64(rows[t * d + f])
            if packed:
                _unpack_sums(running, lanes, block_sums, block_weights)

    @njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
    def assign_fixed_d(X, centers, block_starts, labels, min_sq_dist):
        flat = X.reshape(-1)
        for b in prange(block_starts.shape[0] - 1):
            xt = np.empty((d, TILE_ROWS), dtype=X.dtype)
            for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
                stop = min(start + TILE_ROWS, block_starts[b + 1])
                # The search keeps its running best in the outputs themselves
                # (see the module docstring).
                _nearest_in_tile(
                    flat[start * d : stop * d],
                    stop - start,
                    d,
                    centers,
                    xt,
                    min_sq_dist[start:stop],
                    labels[start:stop],
                )

    return assign_accumulate_fixed_d, assign_fixed_d


def _define_potentials(n_features: int) -> Callable:
    """``seeding.candidate_potentials`` with ``d = n_features`` built in.

    The tile copy and the distance loop unroll as in Lloyd's kernels; each
    distance is still summed feature by feature from 0, and the potentials are
    added by the same helpers, so the numbers equal the generic kernel's.
    """
    d = n_features

    @njit(parallel=True, fastmath=FASTMATH, cache=CACHE)
    def candidate_potentials_fixed_d(
        X, sample_weight, candidates, closest, block_starts, out, distances
    ):
        store = distances.shape[0] > 0
        n_candidates = candidates.shape[0]
        n_blocks = block_starts.shape[0] - 1
        flat = X.reshape(-1)
        zero = X.dtype.type(0.0)
        partial = np.zeros((n_blocks, n_candidates), dtype=np.float64)
        for b in prange(n_blocks):
            xt = np.empty((d, TILE_ROWS), dtype=X.dtype)
            dist = np.empty(TILE_ROWS, dtype=X.dtype)
            for start in range(block_starts[b], block_starts[b + 1], TILE_ROWS):
                n_rows = min(TILE_ROWS, block_starts[b + 1] - start)
                transpose_tile(flat[start * d : (start + n_rows) * d], n_rows, d, xt)
                for c in range(n_candidates):
                    for t in range(n_rows):
                        s = zero
                        for f in range(d):
                            diff = xt[f, t] - candidates[c, f]
                            s += diff * diff
                        dist[t] = s
                    if store:
                        for t in range(n_rows):
                            distances[c, start + t] = dist[t]
                    partial[b, c] = add_potentials(
                        dist, n_rows, closest, sample_weight, start, partial[b, c]
                    )
        sum_block_partials(partial, out)

    return candidate_potentials_fixed_d


def unrolled_applies(n_features: int) -> bool:
    """Whether the per-d kernels serve rows of ``n_features`` values (either dtype).

    64-byte rows (float64, d = 8) went to the generic kernels until
    ``transpose_tile`` copied them eight rows at a time: row by row that copy
    had made the per-d kernel slower than the generic one.
    """
    return n_features <= MAX_UNROLLED_FEATURES


#: The unrolled kernels, ``d -> (assign_accumulate, assign)``, defined once per
#: process for each d they cover.
UNROLLED_KERNELS = {d: _define_kernels(d) for d in range(1, MAX_UNROLLED_FEATURES + 1)}

#: k-means++ candidate scoring with d built in, ``d -> candidate_potentials``.
UNROLLED_POTENTIALS = {
    d: _define_potentials(d) for d in range(1, MAX_UNROLLED_FEATURES + 1)
}
