"""Lloyd's pass through each candidate kernel: ``python -m benchmarks.lloyd_passes``.

The evidence behind ``drivers.dispatch``: one fused assign-and-accumulate
pass over X (the work of one Lloyd iteration) through each kernel that can do
it for mid and high d, on the map's data (overlapping blobs of about 16 MiB
in float32, at least 10,000 rows; ``benchmarks.map``):

* ``tiled``: ``lloyd.lloyd_assign_accumulate`` (differences, tile transposed);
* ``rows``: ``rows.rows_assign_accumulate`` (differences, rows as stored);
* ``dots``: ``dots.dots_assign_accumulate`` (dot products, one fused pass);
* ``blas``: the BLAS slabs (``drivers.gemm.assign_with_gemm``, from the
  transposed copy of X that a fit keeps; the copy is not timed);
* ``sklearn``: scikit-learn's own Lloyd pass (``lloyd_iter_chunked_dense``,
  BLAS limited to one thread as its ``fit`` does), when installed.

Best of ``--repeats`` calls per kernel, the kernels taking turns, after one
warm-up call each, so the compile is not timed; ours are set up by
``kmeans_core.calibrate.pass_runners``, as the per-machine calibration
times them.  Every cell checks that our
candidates return the same labels and sums bit for bit.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ._machine import best_times_in_turns
from ._report import markdown_table
from ._shapes import Shape, make_data

DEFAULT_D = [16, 32, 64, 128, 256, 512]
DEFAULT_K = [2, 4, 8, 16, 32, 64, 128, 256, 1024]
OURS = ["tiled", "rows", "dots", "blas"]


def _rows_for(d: int) -> int:
    """The map's n: X of about 16 MiB in float32, at least 10,000 rows."""
    return max(10_000, (16 * 2**20) // (4 * d))


def _sklearn_pass(X: np.ndarray, weights: np.ndarray, centers: np.ndarray):
    """scikit-learn's pass on the same data, or None when it is not installed."""
    try:
        from sklearn.cluster._k_means_lloyd import lloyd_iter_chunked_dense
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller = ThreadpoolController()
    k = centers.shape[0]
    out = (
        np.empty_like(centers),
        np.empty(k, X.dtype),
        np.empty(X.shape[0], np.int32),
        np.empty(k, X.dtype),
    )
    import numba

    n_threads = numba.get_num_threads()

    def run() -> None:
        with controller.limit(limits=1, user_api="blas"):
            lloyd_iter_chunked_dense(
                X, weights, centers, out[0], out[1], out[2], out[3], n_threads, True
            )

    return run


def measure(d: int, k: int, dtype: str, repeats: int) -> dict:
    """Time every candidate on one cell; say whether ours agree bit for bit."""
    from kmeans_core.calibrate import pass_centers, pass_runners

    X = make_data(Shape(_rows_for(d), d, k), dtype)
    runs = pass_runners(X, k)
    outputs = {name: tuple(a.copy() for a in runs[name]()) for name in OURS}
    sklearn_run = _sklearn_pass(X, np.ones(X.shape[0], X.dtype), pass_centers(X, k))
    if sklearn_run is not None:
        runs["sklearn"] = sklearn_run
    best = best_times_in_turns(runs, repeats)
    reference = outputs["tiled"]
    identical = all(
        all(np.array_equal(a, b) for a, b in zip(reference, outputs[name], strict=True))
        for name in OURS
    )
    return {
        "d": d,
        "k": k,
        "dtype": dtype,
        "n": X.shape[0],
        "ms": {name: 1e3 * seconds for name, seconds in best.items()},
        "identical": identical,
    }


def table(results: list[dict]) -> str:
    """Markdown: per cell, each candidate's ms, the fastest of ours, sklearn's."""
    names = list(results[0]["ms"])
    rows = []
    for r in results:
        ours = {name: r["ms"][name] for name in OURS}
        rows.append(
            [r["dtype"], str(r["d"]), str(r["k"])]
            + [f"{r['ms'][name]:.2f}" for name in names]
            + [min(ours, key=ours.get), "yes" if r["identical"] else "NO"]
        )
    header = ["dtype", "d", "k", *names, "fastest of ours", "identical"]
    return markdown_table(header, rows)


def main(argv: list[str] | None = None) -> None:
    """Print the table, and write it as JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", nargs="+", type=int, default=DEFAULT_D)
    parser.add_argument("--k", nargs="+", type=int, default=DEFAULT_K)
    dtypes = ["float32", "float64"]
    parser.add_argument("--dtype", nargs="+", default=dtypes, choices=dtypes)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from kmeans_core import _jit

    _jit.always_kernels()
    results = []
    for dtype in args.dtype:
        for d in args.d:
            for k in args.k:
                results.append(measure(d, k, dtype, args.repeats))
                r = results[-1]
                print(
                    dtype,
                    f"{d}x{k}",
                    " ".join(f"{name} {ms:.2f}" for name, ms in r["ms"].items()),
                    "identical" if r["identical"] else "DIFFERENT",
                    flush=True,
                )
    print(table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
