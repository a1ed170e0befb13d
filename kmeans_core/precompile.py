"""Compile the kernels ahead of time, into the cache that later processes read.

``python -m kmeans_core.precompile`` (or ``kmeans-core precompile``) runs small
fits that take each common path once, in both dtypes, so that every kernel they
call is compiled and written to the kernel cache (``_caching``): a Dockerfile
``RUN`` step, or a CI job whose cache folder is kept between runs.  A later
process then loads the kernels instead of compiling them.

* the common paths (the default): a fit on small data (one block, the path of
  a few hundred rows), the direct Lloyd path (the generic kernels, and those
  compiled per number of features for d = 1 to 8, and the row-major ones for
  d >= 9 with few clusters, and the dot-product ones), Lloyd's BLAS path, each
  algorithm ("elkan", "hamerly", "yinyang", on both of their paths),
  k-means++ on each of its scorers, ``predict``, ``transform`` and ``score``;
* ``--all`` adds ``MiniBatchKMeans``, fits with ``copy_x=False``, the
  BLAS-path k-means++ scorer, and fits on sparse CSR rows with 32- and
  64-bit indices (when scipy is installed; ``--only sparse`` without it is
  an error).

The fits run in worker processes (``--jobs``, default: one per core), and then
once more in this process, which compiles whatever a worker's cache write may
have lost (Numba's cache index is rewritten whole, so two processes adding
entries for one function at the same moment can drop one) and checks that
nothing is left to compile.  ``--where`` prints the cache folder.
``--background`` (with ``--lock``) is how ``_background`` runs it: at low
priority, removing its lock file when done.  ``--calibrate`` then measures
which kernels are fastest on this machine (``kmeans_core.calibrate``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

DTYPES = ("float32", "float64")


def _data(n: int, d: int, dtype: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-3.0, 3.0, size=(8, d))
    return (centers[rng.integers(0, 8, n)] + rng.standard_normal((n, d))).astype(dtype)


def _fit_and_use(X: np.ndarray, k: int, **params: Any) -> None:
    from . import KMeans

    model = KMeans(k, random_state=0, **params).fit(X)
    model.predict(X)
    model.score(X)
    model.transform(X[:10])


def _small(dtype: str) -> None:
    _fit_and_use(_data(200, 3, dtype), 5)


def _direct(dtype: str) -> None:
    _fit_and_use(_data(5000, 12, dtype), 16)


def _per_d(d: int) -> Callable[[str], None]:
    def workload(dtype: str) -> None:
        _fit_and_use(_data(5000, d, dtype), 8)

    return workload


def _rows(dtype: str) -> None:
    # d >= 9 with few clusters: the row-major direct kernels (``_kernels/rows``).
    # Their assign-only pass is the tiled one up to d = 128 in float32 and the
    # row-major one beyond (``dispatch.assign_kernel_name``): both, as a
    # background compile asked for by such a fit must cover its final pass.
    _fit_and_use(_data(5000, 40, dtype), 4, algorithm="lloyd")
    _fit_and_use(_data(5000, 160, dtype), 4, algorithm="lloyd")


def _dots(dtype: str) -> None:
    # d >= 16 past a few clusters: the dot-product direct kernels.
    _fit_and_use(_data(4000, 32, dtype), 40, algorithm="lloyd")
    # k <= 16: the assign-only pass is the tiled one in float32.
    _fit_and_use(_data(4000, 32, dtype), 12, algorithm="lloyd")


def _blas(dtype: str) -> None:
    # Lloyd's BLAS path, which also stands in while the dot-product kernels
    # compile (``dispatch.direct_wait_for_compile``): forced, as float64 never
    # picks it on its own.
    from .drivers.dispatch import lloyd_pass_forced

    with lloyd_pass_forced("blas"):
        _fit_and_use(_data(4000, 32, dtype), 40, algorithm="lloyd")


def _algorithm(name: str) -> Callable[[str], None]:
    def workload(dtype: str) -> None:
        _fit_and_use(_data(4000, 12, dtype), 8, algorithm=name)  # direct
        _fit_and_use(_data(4000, 32, dtype), 40, algorithm=name)  # BLAS
        if name == "yinyang":
            _fit_and_use(_data(4000, 32, dtype), 160, algorithm=name)

    return workload


def _minibatch(dtype: str) -> None:
    from . import MiniBatchKMeans

    X = _data(5000, 12, dtype)
    MiniBatchKMeans(8, random_state=0, n_init=1, max_iter=3).fit(X).predict(X)


def _no_copy(dtype: str) -> None:
    for d, k in ((12, 8), (32, 40), (120, 16)):
        for algorithm in ("lloyd", "hamerly", "yinyang"):
            _fit_and_use(_data(4000, d, dtype), k, algorithm=algorithm, copy_x=False)


def _blas_seeding(dtype: str) -> None:
    _fit_and_use(_data(3000, 120, dtype), 16)
    _fit_and_use(_data(3000, 120, dtype), 4)


def _sparse(dtype: str) -> None:
    # The one place kmeans_core imports scipy: precompiling for sparse input
    # needs a scipy matrix, and runs only when asked, where scipy is installed.
    from scipy import sparse

    X = sparse.csr_matrix(_data(3000, 40, dtype))
    X.data[X.data < 1.0] = 0.0  # about two thirds of the entries
    X.eliminate_zeros()
    wide = X.copy()
    wide.indices = wide.indices.astype(np.int64)
    wide.indptr = wide.indptr.astype(np.int64)
    for rows in (X, wide):
        _fit_and_use(rows, 8)
        _fit_and_use(rows, 40)


def scipy_installed() -> bool:
    """Whether scipy is installed (the "sparse" workload needs it); not imported."""
    import importlib.util

    try:
        return importlib.util.find_spec("scipy") is not None
    except (ImportError, ValueError):
        return False


#: Every workload, by name: ``name -> workload(dtype)``.
WORKLOADS: dict[str, Callable[[str], None]] = {
    "small": _small,
    "direct": _direct,
    **{f"d{d}": _per_d(d) for d in range(1, 9)},
    "rows": _rows,
    "dots": _dots,
    "blas": _blas,
    "elkan": _algorithm("elkan"),
    "hamerly": _algorithm("hamerly"),
    "yinyang": _algorithm("yinyang"),
    "minibatch": _minibatch,
    "no-copy": _no_copy,
    "blas-seeding": _blas_seeding,
    "sparse": _sparse,
}

#: The workloads run without ``--all``.
COMMON = ("small", "direct", *(f"d{d}" for d in range(1, 9)), "rows", "dots", "blas")
COMMON += ("elkan",)
COMMON += ("hamerly", "yinyang")


def run_workload(name: str, dtype: str) -> dict[str, Any]:
    """Run one workload with the kernels forced (no NumPy twins); report compiles.

    Parameters
    ----------
    name : str
        A key of ``WORKLOADS``.
    dtype : {"float32", "float64"}
        The data's dtype.

    Returns
    -------
    dict
        ``{"name", "dtype", "compiled", "seconds"}``: how many functions Numba
        compiled (``numba:compile`` events) and the workload's wall time.
    """
    from numba.core import event

    from . import _jit

    _jit.always_kernels()
    compiled = []

    class Counter(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            pass

        def on_end(self, ev: event.Event) -> None:
            compiled.append(ev.data["dispatcher"].py_func.__qualname__)

    start = time.perf_counter()
    with event.install_listener("numba:compile", Counter()):
        WORKLOADS[name](dtype)
    return {
        "name": name,
        "dtype": dtype,
        "compiled": len(compiled),
        "seconds": time.perf_counter() - start,
    }


def precompile(
    names: tuple[str, ...] = COMMON,
    dtypes: tuple[str, ...] = DTYPES,
    jobs: int | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Compile the kernels of ``names`` x ``dtypes`` into the cache.

    Parameters
    ----------
    names : tuple of str, default=COMMON
        Workloads (keys of ``WORKLOADS``).
    dtypes : tuple of str, default=("float32", "float64")
        Data types.
    jobs : int, optional
        Worker processes (default: ``os.cpu_count()``); 1 runs everything in
        this process.
    log : callable, optional
        Called with one progress line per finished workload.

    Returns
    -------
    dict
        ``{"workers": [...], "check": [...], "seconds"}``: the workers' and the
        final pass's ``run_workload`` reports, and the wall time.
    """
    start = time.perf_counter()
    tasks = [(name, dtype) for name in names for dtype in dtypes]
    jobs = min(jobs or os.cpu_count() or 1, len(tasks))
    workers: list[dict[str, Any]] = []
    if jobs > 1:
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_workload, *task) for task in tasks]
            for future in futures:
                workers.append(future.result())
                if log:
                    report = workers[-1]
                    log(
                        f"{report['name']} {report['dtype']}: "
                        f"{report['compiled']} compiled in {report['seconds']:.1f} s"
                    )
    check = [run_workload(*task) for task in tasks]
    return {"workers": workers, "check": check, "seconds": time.perf_counter() - start}


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``python -m kmeans_core.precompile``."""
    parser = argparse.ArgumentParser(
        prog="python -m kmeans_core.precompile",
        description="Compile kmeans_core's kernels into the cache ahead of time.",
    )
    parser.add_argument(
        "--all", action="store_true", help="every workload, not only the common ones"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(WORKLOADS),
        metavar="NAME",
        help="these workloads only: " + ", ".join(WORKLOADS),
    )
    parser.add_argument(
        "--dtype", nargs="+", choices=DTYPES, default=list(DTYPES), help="data types"
    )
    parser.add_argument(
        "--jobs", type=int, help="worker processes (default: one per core)"
    )
    parser.add_argument(
        "--where", action="store_true", help="print the cache folder and exit"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    parser.add_argument(
        "--background",
        action="store_true",
        help="run at low priority (as the background compiles of ``_background``)",
    )
    parser.add_argument(
        "--lock", type=Path, help="a lock file to remove when done (``_background``)"
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="then measure this machine's fastest kernels (``kmeans_core.calibrate``)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (``sys.argv[1:]`` by default).

    Returns
    -------
    int
        0 on success.
    """
    from ._caching import kernel_cache_dir

    args = build_parser().parse_args(argv)
    rule, where = kernel_cache_dir()
    if args.where:
        print(where)
        return 0
    names = tuple(args.only or (WORKLOADS if args.all else COMMON))
    if "sparse" in names and not scipy_installed():
        if args.only:
            print(
                "precompile: the sparse workload needs scipy; install it "
                "(pip install scipy) or leave out --only sparse",
                file=sys.stderr,
            )
            return 2
        names = tuple(name for name in names if name != "sparse")

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    if args.background:
        # Second to the process that started it, which runs a fit meanwhile.
        try:
            os.nice(19)
        except (AttributeError, OSError):
            pass
    log(f"compiling {len(names)} workloads x {len(args.dtype)} dtypes into {where}")
    try:
        report = precompile(names, tuple(args.dtype), args.jobs, log)
    finally:
        if args.lock is not None:
            args.lock.unlink(missing_ok=True)
    late = sum(r["compiled"] for r in report["check"])
    total = sum(r["compiled"] for r in report["workers"]) + late
    log(
        f"{total} functions compiled in {report['seconds']:.0f} s "
        f"({late} in the final pass); cache: {where} ({rule})"
    )
    if args.calibrate:
        from .calibrate import main as calibrate

        return calibrate(["--quiet"] if args.quiet else [])
    return 0


def command(argv: list[str] | None = None) -> int:
    """``kmeans-core precompile|calibrate [options]`` (exit status 2 otherwise)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["precompile"]:
        return main(argv[1:])
    if argv[:1] == ["calibrate"]:
        from .calibrate import main as calibrate

        return calibrate(argv[1:])
    print(
        "usage: kmeans-core precompile [--all] [--only NAME ...] "
        "[--dtype float32 float64] [--jobs N] [--where] [--quiet] "
        "[--background] [--lock FILE]\n"
        "       kmeans-core calibrate [--dtype float32 float64] [--repeats N] "
        "[--where] [--remove] [--quiet]",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
