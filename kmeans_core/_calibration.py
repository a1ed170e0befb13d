"""Per-machine calibration of Lloyd's pass: the file, and the lookup dispatch makes.

``dispatch.lloyd_pass``'s built-in rule was measured on one machine; on
another the crossovers move (on the AVX-512 machine of issue 21's first map
the direct kernels beat BLAS by 1.3-4.3x in cells where the rule of that time
chose BLAS).  ``python -m kmeans_core.calibrate`` (or ``kmeans-core
calibrate``) times one Lloyd pass through each candidate for d >= 16, the
row-major, dot-product and BLAS kernels, on blobs of 16 MiB, over a grid of
(d, k) in both dtypes, and writes the fastest per cell to
``calibration.json`` in the kernel cache folder (this module reads and
writes it; ``calibrate`` measures).  From then on
``dispatch.lloyd_pass`` takes, for a shape with d >= 16, the choice of the
nearest grid cell (in log d and log k).

Every candidate gives the same labels and sums bit for bit, so a calibration
can only change speed.  A candidate replaces the built-in choice only when it
was faster by more than ``calibrate.MARGIN``, so noise does not flip cells.  A
file written on another CPU, for other kernel sources, or that
cannot be read is ignored, and so is any file while the environment variable
``KMEANS_CORE_CALIBRATION`` is "0" (or "off", "false", "no").
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

ENV_SWITCH = "KMEANS_CORE_CALIBRATION"
FILE_NAME = "calibration.json"
#: The grid of the calibration.
GRID_FEATURES = (16, 32, 64, 128, 256, 512)
GRID_CLUSTERS = (4, 8, 16, 32, 64, 128, 256, 1024)


def enabled() -> bool:
    """Whether a calibration file is used (``ENV_SWITCH`` not set off)."""
    value = os.environ.get(ENV_SWITCH, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def machine() -> str:
    """The CPU the kernels are compiled for, as Numba names it with its features."""
    from ._kernels.dots import dots_pass

    name, features = dots_pass.targetctx.codegen().magic_tuple()[1:]
    return f"{name} {features}"


#: The sources whose speed the calibration measures (``kernels_fingerprint``).
MEASURED_SOURCES = (
    "_kernels/dots.py",
    "_kernels/panels.py",
    "_kernels/rows.py",
    "drivers/gemm.py",
)


def kernels_fingerprint() -> str:
    """A digest of the measured kernels' sources: a calibration of other code
    (an older or newer kmeans_core) does not apply."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in MEASURED_SOURCES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


def calibration_path() -> Path:
    """``calibration.json`` in the kernel cache folder (``_caching``)."""
    from numba.core import config

    from ._caching import CACHE_DIR_ENV

    return _calibration_path(os.environ.get(CACHE_DIR_ENV), config.CACHE_DIR)


@lru_cache(maxsize=8)
def _calibration_path(env_dir: str | None, numba_dir: str) -> Path:
    # Keyed by the settings that place the cache: finding the folder took
    # about 20 us (paths and permission checks), and dispatch asks for this
    # file about 17 times per fit, once per kernel choice.
    from ._caching import kernel_cache_dir

    return kernel_cache_dir()[1] / FILE_NAME


@lru_cache(maxsize=1)
def _loaded(path: Path, stamp: tuple[int, int]) -> dict[str, dict] | None:
    try:
        content = json.loads(path.read_text())
        applies = content["machine"] == machine()
        if not applies or content["kernels"] != kernels_fingerprint():
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
    from another CPU or for other kernel sources.  Read again when the file
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


def write(calibration: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``calibration`` as JSON (to ``calibration_path()`` by default)."""
    path = calibration_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(calibration, indent=1))
    temporary.replace(path)  # readers never see half a file
    return path
