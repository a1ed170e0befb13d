"""Per-machine calibration of Lloyd's pass: which candidate is fastest here.

``dispatch.lloyd_pass``'s built-in rule was measured on one machine; on
another the crossovers move (on the AVX-512 machine of issue 21's first map
the direct kernels beat BLAS by 1.3-4.3x in cells where the rule of that time
chose BLAS).  ``python -m kmeans_core.calibrate`` (or ``kmeans-core
calibrate``) times one Lloyd pass through each candidate for d >= 16, the
row-major, dot-product and BLAS kernels, on blobs of about ``DATA_BYTES``,
over a grid of (d, k) in both dtypes, and writes the fastest per cell to
``calibration.json`` in the kernel cache folder.  From then on
``dispatch.lloyd_pass`` takes, for a shape with d >= 16, the choice of the
nearest grid cell (in log d and log k).

Every candidate gives the same labels and sums bit for bit, so a calibration
can only change speed.  A candidate replaces the built-in choice only when it
was faster by more than ``MARGIN``, so timing noise does not flip cells.  A
file written on another CPU, by another version of kmeans_core, or that
cannot be read is ignored, and so is any file while the environment variable
``KMEANS_CORE_CALIBRATION`` is "0" (or "off", "false", "no").
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

ENV_SWITCH = "KMEANS_CORE_CALIBRATION"
FILE_NAME = "calibration.json"
#: The grid of the calibration.
GRID_FEATURES = (16, 32, 64, 128, 256, 512)
GRID_CLUSTERS = (4, 8, 16, 32, 64, 128, 256, 1024)
#: Candidates for d >= 16 (the tiled kernels never won there).
CANDIDATES = ("rows", "dots", "blas")
#: Size of X per cell in float32 (twice that in float64), as the map's 16 MiB.
DATA_BYTES = 16 * 2**20
#: A candidate replaces the built-in choice only when this much faster.
MARGIN = 0.05


def enabled() -> bool:
    """Whether a calibration file is used (``ENV_SWITCH`` not set off)."""
    value = os.environ.get(ENV_SWITCH, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def machine() -> str:
    """The CPU the kernels are compiled for, as Numba names it with its features."""
    from ._kernels.dots import dots_pass

    name, features = dots_pass.targetctx.codegen().magic_tuple()[1:]
    return f"{name} {features}"


def _version() -> str:
    from . import __version__

    return __version__


def calibration_path() -> Path:
    """``calibration.json`` in the kernel cache folder (``_caching``)."""
    from ._caching import kernel_cache_dir

    return kernel_cache_dir()[1] / FILE_NAME


@lru_cache(maxsize=1)
def _loaded(path: Path, stamp: tuple[int, int]) -> dict[str, dict] | None:
    try:
        content = json.loads(path.read_text())
        if content["machine"] != machine() or content["version"] != _version():
            return None
        return {
            dtype: {(int(d), int(k)): name for d, k, name in cells}
            for dtype, cells in content["choices"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def choices() -> dict[str, dict] | None:
    """The calibrated choices, ``{dtype: {(d, k): name}}``, or None.

    None when switched off, when there is no file, or when it is unreadable,
    from another CPU or from another version.  Read again when the file
    changes.
    """
    if not enabled():
        return None
    path = calibration_path()
    try:
        info = path.stat()
    except OSError:
        return None
    return _loaded(path, (info.st_mtime_ns, info.st_size))


def _nearest(value: int, grid: Iterable[int]) -> int:
    return min(grid, key=lambda g: (abs(np.log2(value / g)), g))


def calibrated_pass(n_clusters: int, n_features: int, dtype: Any) -> str | None:
    """The calibrated candidate for this shape, or None (no calibration, d < 16)."""
    if n_features < 16:
        return None
    table = choices()
    if table is None:
        return None
    cells = table.get(str(np.dtype(dtype)))
    if not cells:
        return None
    d = _nearest(n_features, {d for d, _ in cells})
    k = _nearest(n_clusters, {k for dd, k in cells if dd == d})
    return cells.get((d, k))


def pass_runners(X: np.ndarray, n_clusters: int) -> dict[str, Callable[[], tuple]]:
    """One Lloyd pass on X through each candidate, from the same centers.

    Returns ``{name: run}``; ``run()`` does the pass and returns its
    ``(labels, partial_sums, partial_weights)``.  The BLAS candidate works
    from the transposed copy of X that a fit keeps (made here, not timed).
    """
    from ._kernels.dots import dots_assign_accumulate
    from ._kernels.lloyd import lloyd_assign_accumulate, transposed_rows
    from ._kernels.rows import rows_assign_accumulate, score_margin
    from .drivers.gemm import Workspace, assign_with_gemm, gemm_reference

    n_samples, n_features = X.shape
    rng = np.random.default_rng(1)
    weights = np.ones(n_samples, X.dtype)
    centers = X[rng.choice(n_samples, n_clusters, replace=False)].copy()
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


def calibrate(
    dtypes: Iterable[str] = ("float32", "float64"),
    features: Iterable[int] = GRID_FEATURES,
    clusters: Iterable[int] = GRID_CLUSTERS,
    *,
    data_bytes: int = DATA_BYTES,
    repeats: int = 3,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time the candidates over the grid and return the calibration.

    Returns the content of ``calibration.json``: ``machine``, ``version``,
    ``choices`` (``{dtype: [[d, k, name], ...]}``) and ``seconds`` (``{dtype:
    [[d, k, {name: s}], ...]}``, the measurements behind them).
    """
    from .drivers.dispatch import measured_lloyd_pass

    result: dict[str, Any] = {
        "machine": machine(),
        "version": _version(),
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


def write(calibration: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``calibration`` as JSON (to ``calibration_path()`` by default)."""
    path = calibration_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(calibration, indent=1))
    temporary.replace(path)  # readers never see half a file
    return path
