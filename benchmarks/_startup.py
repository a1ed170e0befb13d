"""Cold and warm start: import plus first fit on a 200 x 3 array, in fresh processes.

Cold: ``NUMBA_CACHE_DIR`` points at a new, empty directory, so every kernel that the
first fit needs is compiled. Warm: a second process with the same directory loads the
kernels that the cold process cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Runs in the child process; prints one JSON line of in-process timings.
CHILD_CODE = """
import json, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
from kmeans_core import KMeans
t2 = time.perf_counter()
X = np.random.default_rng(0).standard_normal((200, 3))
t3 = time.perf_counter()
KMeans(n_clusters=5, random_state=0).fit(X)
t4 = time.perf_counter()
KMeans(n_clusters=5, random_state=0).fit(X)
t5 = time.perf_counter()
print(json.dumps({
    "import_numpy_s": t1 - t0,
    "import_kmeans_core_s": t2 - t1,
    "first_fit_s": t4 - t3,
    "import_and_first_fit_s": (t2 - t0) + (t4 - t3),
    "second_fit_s": t5 - t4,
}))
"""


def run_child(cache_dir: str, cwd: Path) -> dict[str, Any]:
    """Run :data:`CHILD_CODE` in a fresh interpreter with ``NUMBA_CACHE_DIR`` set.

    Parameters
    ----------
    cache_dir : str
        Numba cache directory for the child.
    cwd : Path
        Working directory (the repository root, so ``kmeans_core`` is importable).

    Returns
    -------
    dict
        The child's timings plus ``process_wall_s`` (including interpreter start-up).

    Raises
    ------
    RuntimeError
        If the child fails.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD_CODE],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"start-up child failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    return result


def measure_startup(cwd: Path, *, cold_repeats: int, warm_repeats: int) -> dict:
    """Measure cold starts (fresh cache each) and warm starts (reusing the cache).

    Parameters
    ----------
    cwd : Path
        Directory to run the children in.
    cold_repeats : int
        Cold processes, each with its own empty cache directory.
    warm_repeats : int
        Warm processes, reusing the last cold process's cache directory.

    Returns
    -------
    dict
        ``{"cold": [...], "warm": [...]}``, one timing dict per process.
    """
    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="kmeans-bench-numba-") as root:
        for i in range(cold_repeats):
            cache_dir = str(Path(root) / f"cache{i}")
            os.mkdir(cache_dir)
            cold.append(run_child(cache_dir, cwd))
        for _ in range(warm_repeats):
            warm.append(run_child(cache_dir, cwd))
    return {"cold": cold, "warm": warm}


def startup_markdown(result: dict[str, Any]) -> str:
    """Return a Markdown table of the best cold and warm timings (ms).

    Parameters
    ----------
    result : dict
        Output of :func:`measure_startup`.

    Returns
    -------
    str
    """
    keys = [
        "import_numpy_s",
        "import_kmeans_core_s",
        "first_fit_s",
        "import_and_first_fit_s",
        "second_fit_s",
        "process_wall_s",
    ]
    lines = [
        "| start | " + " | ".join(k.removesuffix("_s") for k in keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for kind in ("cold", "warm"):
        runs = result[kind]
        best = [min(run[k] for run in runs) * 1e3 for k in keys]
        cells = " | ".join(f"{v:.1f}" for v in best)
        lines.append(f"| {kind} (best of {len(runs)}) | {cells} |")
    return "\n".join(lines)
