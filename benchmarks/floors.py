"""How far a Lloyd iteration sits above the machine bound, and where the rest goes.

``python -m benchmarks.floors`` takes cells of the map (``benchmarks.map``:
the same overlapping blobs, the same n, the same shared init) and times, in
one process, taking turns, each as a multiple of the map's bound (reading X
once at the bandwidth of ``_machine.measure_machine``):

``read X``
    A parallel sum over this very X: the bound as this X is read (part of
    16-32 MiB may be served from the last-level cache).
``labels floor``
    A pass that reads every row and writes one int32 label per row, with no
    distance at all: the least traffic any Lloyd pass has, since it must
    write the labels it finds.  The map's bound does not count that write.
``assign``
    Our assign-only pass (``DirectKernels.assign``, as dispatched), which
    finds the nearest center of every row and writes its label and distance.
``fused``
    Our fused pass (``DirectKernels.assign_accumulate``): ``assign`` plus
    each cluster's weighted sums, added in row order within each block.
``fit / iter``
    A fit of ``--iters`` iterations (``tol=0``) divided by ``--iters``: the
    map's per-iteration figure.
``fixed``
    What a fit costs besides its iterations: a one-iteration fit less one
    iteration, where an iteration is ``(fit(iters) - fit(1)) / (iters - 1)``.
    Validation, the fresh result arrays, the final pass that labels the rows
    for the returned centers, and the inertia.

For each figure the best of ``--repeats``.  Reading the columns left to
right says which part of the issue-21 target "at most 3x the bound" each
cost uses up.  The data, kernels and fits are our own only; the peers are
in ``benchmarks.map``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

from benchmarks._machine import best_times_in_turns, measure_bandwidth, parallel_sum
from benchmarks._report import markdown_table
from benchmarks._shapes import Shape, make_data, make_init
from benchmarks.map import parse_cell, rows_for

DEFAULT_CELLS = ["2x2", "2x3", "4x4", "8x3", "8x16", "16x4"]
#: Rows the floor pass reads before writing their labels.
FLOOR_TILE_ROWS = 256
#: Bytes summed to measure the bandwidth, far beyond the last-level cache.
BANDWIDTH_BYTES = 1024 * 2**20
COLUMNS = ["read X", "labels floor", "assign", "fused", "fit / iter", "fixed"]


@njit(parallel=True, fastmath=True)
def _labels_floor(X, labels):  # pragma: no cover - compiled
    """Read every value of X and write one int32 per row: a pass with no distance.

    Tile by tile, over contiguous chunks as the kernels go: the tile's values
    are summed (a vectorised read of every byte), then its rows' labels are
    all set to the sign of the running sum (a vectorised write).  Any per-row
    work compiled slower than our own assign-only pass at d = 2, which writes
    a distance as well.  The sum is returned so that the compiler cannot drop
    the read.
    """
    n_rows, n_features = X.shape
    flat = X.reshape(-1)
    n_chunks = numba.get_num_threads() * 8
    size = (n_rows + n_chunks - 1) // n_chunks
    partial = np.zeros(n_chunks)
    for c in prange(n_chunks):
        stop = min((c + 1) * size, n_rows)
        for start in range(c * size, stop, FLOOR_TILE_ROWS):
            end = min(start + FLOOR_TILE_ROWS, stop)
            partial[c] += flat[start * n_features : end * n_features].sum()
            labels[start:end] = np.int32(partial[c] > 0)
    return partial.sum()


def measure(
    d: int, k: int, dtype: str, *, iters: int, repeats: int, bandwidth_gbs: float
) -> dict:
    """Every column for one cell, in ms and as a multiple of the bound."""
    from kmeans_core import KMeans
    from kmeans_core._blocks import block_starts
    from kmeans_core.drivers.dispatch import direct_kernels
    from kmeans_core.exceptions import ConvergenceWarning

    n = rows_for(d)
    X = make_data(Shape(n, d, k), dtype)
    centers = make_init(X, k)
    kernels = direct_kernels(X, k)
    starts = block_starts(n, k, d)
    n_blocks = starts.shape[0] - 1
    weights = np.ones(n, X.dtype)
    labels = np.empty(n, np.int32)
    distances = np.empty(n, X.dtype)
    sums, cluster_weights = np.empty((n_blocks, k, d)), np.empty((n_blocks, k))
    flat = X.reshape(-1)

    def fit(n_iter: int) -> Callable[[], object]:
        model = KMeans(k, init=centers, n_init=1, max_iter=n_iter, tol=0.0)

        def run() -> object:
            with warnings.catch_warnings():  # it stops at max_iter by design
                warnings.simplefilter("ignore", ConvergenceWarning)
                return model.fit(X)

        return run

    runs = {
        "read X": lambda: parallel_sum(flat),
        "labels floor": lambda: _labels_floor(X, labels),
        "assign": lambda: kernels.assign(X, centers, starts, labels, distances),
        "fused": lambda: kernels.assign_accumulate(
            X, weights, centers, starts, labels, sums, cluster_weights
        ),
        "fit 1": fit(1),
        f"fit {iters}": fit(iters),
    }
    for run in runs.values():  # compile or load outside the timing
        run()
    ms = {name: 1e3 * t for name, t in best_times_in_turns(runs, repeats).items()}
    per_iteration = (ms[f"fit {iters}"] - ms["fit 1"]) / (iters - 1)
    ms["fit / iter"] = ms.pop(f"fit {iters}") / iters
    ms["fixed"] = ms.pop("fit 1") - per_iteration
    bound_ms = 1e3 * X.nbytes / (bandwidth_gbs * 1e9)
    return {
        "d": d,
        "k": k,
        "dtype": dtype,
        "n": n,
        "bound_ms": bound_ms,
        "ms": ms,
        "x_bound": {name: value / bound_ms for name, value in ms.items()},
    }


def table(results: list[dict]) -> str:
    """Markdown: per cell, the bound in ms and every column as a multiple of it."""
    rows = [
        [r["dtype"], f"{r['d']} x {r['k']}", str(r["n"]), f"{r['bound_ms']:.2f}"]
        + [f"{r['x_bound'][name]:.2f}" for name in COLUMNS]
        for r in results
    ]
    return markdown_table(["dtype", "d x k", "n", "bound (ms)", *COLUMNS], rows)


def main(argv: list[str] | None = None) -> None:
    """Print the table, and write it as JSON with ``--json``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.floors", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--cells", nargs="+", default=DEFAULT_CELLS, metavar="DxK")
    dtypes = ["float32", "float64"]
    parser.add_argument("--dtype", nargs="+", default=dtypes, choices=dtypes)
    parser.add_argument("--iters", type=int, default=10, help="iterations of a fit")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.iters < 2:
        parser.error("--iters must be at least 2 (the fixed cost is a difference)")
    cells = [parse_cell(cell) for cell in args.cells]
    from kmeans_core import _jit

    _jit.always_kernels()
    bandwidth = measure_bandwidth(BANDWIDTH_BYTES, repeats=7)
    print(f"bandwidth {bandwidth:.1f} GB/s, {numba.get_num_threads()} threads")
    results = []
    for dtype in args.dtype:
        for d, k in cells:
            results.append(
                measure(
                    d,
                    k,
                    dtype,
                    iters=args.iters,
                    repeats=args.repeats,
                    bandwidth_gbs=bandwidth,
                )
            )
            print(table(results[-1:]).splitlines()[-1], flush=True)
    print(table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
