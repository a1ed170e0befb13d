"""Measure which kernel runs Lloyd's pass fastest on this machine.

``python -m kmeans_core.calibrate`` (or ``kmeans-core calibrate``) times the
candidates for Lloyd's pass on a grid of shapes (``_calibration``; about a
minute on two cores, after the kernels are compiled) and writes the winners
next to the compiled kernels, where every later process finds them.  Results
do not change, only speed.  ``KMEANS_CORE_CALIBRATION=0`` ignores the file;
``--where`` prints its path; ``--remove`` deletes it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import numpy as np

from . import _calibration
from ._kernels.dots import dots_assign_accumulate
from ._kernels.lloyd import lloyd_assign_accumulate, transposed_rows
from ._kernels.rows import rows_assign_accumulate, score_margin
from .drivers.dispatch import measured_lloyd_pass
from .drivers.gemm import Workspace, assign_with_gemm, gemm_reference

#: Candidates for d >= 16 (the tiled kernels never won there).
CANDIDATES = ("rows", "dots", "blas")
#: Size of X per cell in float32 (twice that in float64), as the map's 16 MiB.
DATA_BYTES = 16 * 2**20
#: A candidate replaces the built-in choice only when this much faster.
MARGIN = 0.05


def pass_centers(X: np.ndarray, n_clusters: int) -> np.ndarray:
    """The centers the timed passes start from: ``n_clusters`` rows of X."""
    rng = np.random.default_rng(1)
    return X[rng.choice(X.shape[0], n_clusters, replace=False)].copy()


def pass_runners(X: np.ndarray, n_clusters: int) -> dict[str, Callable[[], tuple]]:
    """One Lloyd pass on X through each candidate, from ``pass_centers``.

    Returns ``{name: run}``; ``run()`` does the pass and returns its
    ``(labels, partial_sums, partial_weights)``.  The BLAS candidate works
    from the transposed copy of X that a fit keeps (made here, not timed).
    """
    n_samples, n_features = X.shape
    weights = np.ones(n_samples, X.dtype)
    centers = pass_centers(X, n_clusters)
    ws = Workspace(X, n_clusters, gemm_reference(X))
    ws.rows_t = np.empty((n_features, n_samples), X.dtype)
    transposed_rows(X, ws.reference, ws.centred, ws.rows_t)
    relative, absolute = score_margin(X.dtype, n_features)
    direct = {
        "tiled": lloyd_assign_accumulate,
        "rows": partial(rows_assign_accumulate, relative=relative, absolute=absolute),
        "dots": dots_assign_accumulate,
    }
    runners: dict[str, Callable[[], tuple]] = {}
    for name, kernel in direct.items():
        out = (
            np.empty(n_samples, np.int32),
            np.empty_like(ws.partial_sums),
            np.empty_like(ws.partial_weights),
        )

        def run(kernel=kernel, out=out) -> tuple:
            kernel(X, weights, centers, ws.starts, *out)
            return out

        runners[name] = run
    blas_labels = np.empty(n_samples, np.int32)

    def run_blas() -> tuple:
        assign_with_gemm(X, weights, centers, ws, blas_labels, True)
        return blas_labels, ws.partial_sums, ws.partial_weights

    runners["blas"] = run_blas
    return runners


def time_candidates(
    X: np.ndarray, n_clusters: int, names: Iterable[str], repeats: int
) -> dict[str, float]:
    """Best-of-``repeats`` seconds per candidate, taking turns, after a warm-up.

    Raises
    ------
    RuntimeError
        If two candidates disagree on a label or a sum (a bug: they must not).
    """
    runners = pass_runners(X, n_clusters)
    names = list(names)
    first = [tuple(a.copy() for a in runners[name]()) for name in names]
    for name, out in zip(names[1:], first[1:], strict=True):
        if not all(np.array_equal(a, b) for a, b in zip(first[0], out, strict=True)):
            raise RuntimeError(f"Lloyd's pass through {name} disagrees with {names[0]}")
    best = dict.fromkeys(names, np.inf)
    for _ in range(repeats):
        for name in names:
            start = time.perf_counter()
            runners[name]()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def blobs(n_features: int, n_clusters: int, dtype: str, data_bytes: int) -> np.ndarray:
    """Overlapping blobs of about ``data_bytes`` in float32 (at least 2048 rows)."""
    rng = np.random.default_rng(0)
    n_samples = max(2048, data_bytes // (4 * n_features), n_clusters)
    centers = rng.uniform(-1.5, 1.5, size=(n_clusters, n_features))
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    X += centers[rng.integers(0, n_clusters, n_samples)].astype(np.float32)
    return np.ascontiguousarray(X, dtype=dtype)


def run_calibration(
    dtypes: Iterable[str] = ("float32", "float64"),
    features: Iterable[int] = _calibration.GRID_FEATURES,
    clusters: Iterable[int] = _calibration.GRID_CLUSTERS,
    *,
    data_bytes: int = DATA_BYTES,
    repeats: int = 3,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time the candidates over the grid and return the calibration.

    Returns the content of ``calibration.json``: ``machine``, ``kernels``,
    ``choices`` (``{dtype: [[d, k, name], ...]}``) and ``seconds`` (``{dtype:
    [[d, k, {name: s}], ...]}``, the measurements behind them).
    """
    result: dict[str, Any] = {
        "machine": _calibration.machine(),
        "kernels": _calibration.kernels_fingerprint(),
        "choices": {},
        "seconds": {},
    }
    for dtype in dtypes:
        chosen, measured = [], []
        for d in features:
            for k in clusters:
                X = blobs(d, k, dtype, data_bytes)
                seconds = time_candidates(X, k, CANDIDATES, repeats)
                built_in = measured_lloyd_pass(k, d, dtype)
                fastest = min(seconds, key=seconds.get)
                if (
                    built_in in seconds
                    and seconds[fastest] > (1 - MARGIN) * seconds[built_in]
                ):
                    fastest = built_in
                chosen.append([d, k, fastest])
                measured.append([d, k, seconds])
                if log:
                    times = " ".join(f"{n} {1e3 * s:.2f}" for n, s in seconds.items())
                    log(f"{dtype} d={d} k={k}: {times} ms -> {fastest}")
        result["choices"][dtype] = chosen
        result["seconds"][dtype] = measured
    return result


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``python -m kmeans_core.calibrate``."""
    parser = argparse.ArgumentParser(
        prog="python -m kmeans_core.calibrate",
        description="Measure which kernel runs Lloyd's pass fastest on this machine.",
    )
    dtypes = ["float32", "float64"]
    parser.add_argument("--dtype", nargs="+", choices=dtypes, default=dtypes)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed passes per candidate (best of)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    parser.add_argument("--where", action="store_true", help="print the file's path")
    parser.add_argument("--remove", action="store_true", help="delete the file")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status (0 on success)."""
    args = build_parser().parse_args(argv)
    path = _calibration.calibration_path()
    if args.where:
        print(path)
        return 0
    if args.remove:
        path.unlink(missing_ok=True)
        return 0
    if args.repeats < 1:
        print("calibrate: --repeats must be at least 1", file=sys.stderr)
        return 2

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    from ._jit import always_kernels

    always_kernels()  # time the kernels, not their NumPy twins
    calibration = run_calibration(args.dtype, repeats=args.repeats, log=log)
    log(f"wrote {_calibration.write(calibration)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
