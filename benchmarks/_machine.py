"""Measure the machine: read bandwidth, GEMM peak, and the per-iteration bound.

The bound for one Lloyd iteration on ``X`` of shape ``(n, d)`` with ``k`` centers is
``max(bytes(X) / bandwidth, 2 * n * k * d / gemm_peak)``: an iteration must read ``X``
once and, done as a distance GEMM, cannot beat the BLAS peak.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True, fastmath=True)
def parallel_sum(a):  # pragma: no cover - compiled
    """Sum a 1-D array with all Numba threads (reads every byte once).

    Each chunk is summed with NumPy's ``sum`` on a slice, which Numba vectorises; an
    explicit scalar loop here is not vectorised and measures the adder, not memory.
    """
    n_chunks = numba.get_num_threads() * 8
    size = (a.shape[0] + n_chunks - 1) // n_chunks
    partial = np.zeros(n_chunks, dtype=np.float64)
    for c in prange(n_chunks):
        partial[c] = a[c * size : min((c + 1) * size, a.shape[0])].sum()
    return partial.sum()


@dataclass(frozen=True)
class MachineBound:
    """Measured machine limits.

    Attributes
    ----------
    bandwidth_gbs : float
        Read bandwidth in GB/s (1e9 bytes per second), all Numba threads.
    gemm_gflops : dict of str to float
        NumPy matmul peak in GFLOP/s, by dtype name ("float32", "float64").
    threads : int
        Number of Numba threads used for the bandwidth measurement.
    bandwidth_bytes : int
        Size of the array summed for the bandwidth measurement.
    gemm_size : int
        Side of the square matrices multiplied for the GEMM peak.
    """

    bandwidth_gbs: float
    gemm_gflops: dict[str, float]
    threads: int
    bandwidth_bytes: int
    gemm_size: int

    def bound_s(self, n: int, d: int, k: int, dtype: str) -> float:
        """Return the lower bound, in seconds, on one Lloyd iteration.

        Parameters
        ----------
        n, d, k : int
            Samples, features and clusters.
        dtype : str
            "float32" or "float64".

        Returns
        -------
        float
            ``max(bytes(X) / bandwidth, 2 n k d / gemm_peak)``.
        """
        read = n * d * np.dtype(dtype).itemsize / (self.bandwidth_gbs * 1e9)
        flops = 2.0 * n * k * d / (self.gemm_gflops[dtype] * 1e9)
        return max(read, flops)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)


def best_time(func: Callable[[], object], repeats: int) -> float:
    """Return the smallest wall time of ``repeats`` calls of ``func``.

    Parameters
    ----------
    func : callable
        Called with no arguments.
    repeats : int
        Number of timed calls.

    Returns
    -------
    float
        Best time in seconds.
    """
    return best_times_in_turns({"func": func}, repeats)["func"]


def best_times_in_turns(
    runs: dict[str, Callable[[], object]], repeats: int
) -> dict[str, float]:
    """Return the smallest wall time (s) of each callable, the callables taking turns.

    Parameters
    ----------
    runs : dict of str to callable
        Each called with no arguments, once per round.
    repeats : int
        Number of rounds.

    Returns
    -------
    dict of str to float
        Best time in seconds, by name.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def measure_bandwidth(n_bytes: int, repeats: int = 5) -> float:
    """Measure read bandwidth by summing a large float32 array in parallel.

    Parameters
    ----------
    n_bytes : int
        Size of the array; make it much larger than the last-level cache.
    repeats : int, default=5
        Timed passes; the best is kept.

    Returns
    -------
    float
        Bandwidth in GB/s.
    """
    a = np.ones(n_bytes // 4, dtype=np.float32)
    parallel_sum(a[:1024])  # compile (or load from cache) outside the timing
    seconds = best_time(lambda: parallel_sum(a), repeats)
    return a.nbytes / seconds / 1e9


def measure_gemm(size: int, dtype: str, repeats: int = 5) -> float:
    """Measure the NumPy (BLAS) matmul peak for square matrices.

    Parameters
    ----------
    size : int
        Side of the matrices.
    dtype : str
        "float32" or "float64".
    repeats : int, default=5
        Timed products; the best is kept.

    Returns
    -------
    float
        GFLOP/s, counting ``2 * size**3`` flops per product.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    out = np.empty((size, size), dtype=dtype)
    np.matmul(a, b, out=out)  # warm up the BLAS threads
    seconds = best_time(lambda: np.matmul(a, b, out=out), repeats)
    return 2.0 * size**3 / seconds / 1e9


class DistanceGemm:
    """The dot products of one Lloyd iteration as one BLAS call, ``X @ C.T``.

    Not a bound (our direct kernels skip BLAS at low d, and our BLAS path
    runs single-threaded products on slabs of rows), but what any GEMM-based
    Lloyd, scikit-learn's included, pays for its products at this shape with
    NumPy's BLAS and all its threads.  The peak-based bound assumes the BLAS
    reaches its square-matrix peak; products with a short inner dimension
    (d = 32) do not, and this shows by how much.

    The products go into one output of at most ``max_out_bytes`` (all n x k
    of them at every shape of issue 4), so a shape given on the command line
    whose n x k products would not fit in memory is timed in row chunks.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        The data.
    centers : ndarray of shape (k, d)
        Any centers in X's dtype (the harness passes the shared init).
    max_out_bytes : int, default=512 MiB
        Largest output buffer.
    """

    def __init__(
        self, X: np.ndarray, centers: np.ndarray, max_out_bytes: int = 512 * 2**20
    ):
        self._X = X
        self._centers_t = np.ascontiguousarray(centers.T)
        row_bytes = centers.shape[0] * X.dtype.itemsize
        self._chunk_rows = max(1, min(X.shape[0], max_out_bytes // row_bytes))
        self._out = np.empty((self._chunk_rows, centers.shape[0]), dtype=X.dtype)
        self._product(self._X)  # untimed: the output's pages, BLAS's threads

    def _product(self, rows: np.ndarray) -> None:
        for start in range(0, rows.shape[0], self._chunk_rows):
            chunk = rows[start : start + self._chunk_rows]
            np.matmul(chunk, self._centers_t, out=self._out[: chunk.shape[0]])

    def prime(self, X: np.ndarray, init: np.ndarray) -> None:
        """The product for a few rows, untimed: ``_runner.settle``'s wake-up run.

        Parameters
        ----------
        X : ndarray
            The first rows of the data.
        init : ndarray
            Unused: the centers were given to the constructor.
        """
        self._product(X)

    def time(self) -> float:
        """Return the wall time of one product for all of X, in seconds.

        Returns
        -------
        float
        """
        start = time.perf_counter()
        self._product(self._X)
        return time.perf_counter() - start


def measure_machine(*, quick: bool) -> MachineBound:
    """Measure bandwidth and GEMM peaks (float32 and float64).

    Parameters
    ----------
    quick : bool
        Use smaller arrays (for CI smoke runs).

    Returns
    -------
    MachineBound
    """
    n_bytes = (64 if quick else 1024) * 2**20
    size = 1024 if quick else 3072
    return MachineBound(
        bandwidth_gbs=measure_bandwidth(n_bytes, repeats=3 if quick else 7),
        gemm_gflops={
            dt: measure_gemm(size, dt, repeats=2 if quick else 5)
            for dt in ("float32", "float64")
        },
        threads=numba.get_num_threads(),
        bandwidth_bytes=n_bytes,
        gemm_size=size,
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info() -> list[dict]:
    """Return threadpoolctl's description of the loaded BLAS/OpenMP libraries.

    Returns
    -------
    list of dict
        One entry per library (empty when threadpoolctl is missing).
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def machine_info() -> dict:
    """Return platform facts for the report (CPU, cores, Python, Numba threads)."""
    return {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": _threading_layer(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel function has run yet
        return "not initialised"
