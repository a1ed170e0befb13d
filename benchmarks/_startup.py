"""Fresh-process start-up: import plus first fit, cold and warm, against scikit-learn.

Each measurement is a new interpreter.  *Cold*: ``NUMBA_CACHE_DIR`` points at a new,
empty directory, so every kernel the first fit needs is compiled.  *Warm*: a second
process with the same directory loads what the cold one cached.  *scikit-learn*: the
same import and fit with ``sklearn.cluster.KMeans`` (nothing of ours to compile).  In
our processes ``benchmarks._compile_events.CompileRecorder`` records each Numba
compilation, so the report can say which functions the cold start spends its time on.
Each repeat runs cold, warm and scikit-learn back to back, so a busy machine slows all
three alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kmeans_core._background import wait_for_locks

#: Runs in the child process: ``argv[1]`` is a JSON spec; prints one JSON line.
CHILD_CODE = """
import json, sys, time
t0 = time.perf_counter()
spec = json.loads(sys.argv[1])
import numpy as np
t1 = time.perf_counter()
rec = None
if spec["lib"] == "ours":
    from benchmarks._compile_events import CompileRecorder
    rec = CompileRecorder().install()
if spec["case"] == "demo":
    from segmentation.cli import main
    t2 = t3 = time.perf_counter()
    code = main(["demo", "--out", spec["out"], "--no-progress"])
    assert code == 0, code
    t4 = t5 = time.perf_counter()
else:
    if spec["lib"] == "ours":
        from kmeans_core import KMeans
    else:
        from sklearn.cluster import KMeans
    t2 = time.perf_counter()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((spec["n"], spec["d"])).astype(spec["dtype"])
    t3 = time.perf_counter()
    KMeans(n_clusters=spec["k"], random_state=0).fit(X)
    t4 = time.perf_counter()
    KMeans(n_clusters=spec["k"], random_state=0).fit(X)
    t5 = time.perf_counter()
print(json.dumps({
    "import_numpy_s": t1 - t0,
    "import_s": t2 - t1,
    "first_fit_s": t4 - t3,
    "import_and_first_fit_s": (t2 - t0) + (t4 - t3),
    "second_fit_s": t5 - t4,
    "cpu_s": time.process_time(),
    "compile_s": rec.total_s if rec else 0.0,
    "compile_cpu_s": rec.total_cpu_s if rec else 0.0,
    "compiles": rec.records if rec else [],
}))
"""


@dataclass(frozen=True)
class Case:
    """One start-up case: a default fit of ``n x d`` data with ``k`` clusters.

    ``name == "demo"`` is the README's ``kmeans-segment demo`` instead.
    """

    name: str
    n: int = 0
    d: int = 0
    k: int = 0
    dtype: str = "float64"


#: Issue 22's three cases and the README demo.
CASES: tuple[Case, ...] = (
    Case("200x3 k=5 float64", 200, 3, 5, "float64"),
    Case("100000x16 k=32 float32", 100000, 16, 32, "float32"),
    Case("20000x64 k=256 float64", 20000, 64, 256, "float64"),
    Case("demo"),
)

#: ``--quick``: the smallest case only.
QUICK_CASES: tuple[Case, ...] = CASES[:1]


def run_child(
    case: Case, lib: str, cache_dir: str, cwd: Path, out_dir: str = ""
) -> dict[str, Any]:
    """Run :data:`CHILD_CODE` for one case in a fresh interpreter.

    Parameters
    ----------
    case : Case
        What to fit.
    lib : {"ours", "sklearn"}
        Whose ``KMeans`` to import.
    cache_dir : str
        ``NUMBA_CACHE_DIR`` for the child.
    cwd : Path
        Working directory (the repository root, so its packages are imported).
    out_dir : str, optional
        Output folder for the demo case.

    Returns
    -------
    dict
        The child's timings and compile records, plus ``process_wall_s`` (from
        starting the interpreter to its exit).

    Raises
    ------
    RuntimeError
        If the child fails.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    spec = {**asdict(case), "case": case.name, "lib": lib, "out": out_dir}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD_CODE, json.dumps(spec)],
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


def measure_case(
    case: Case, cwd: Path, *, repeats: int, sklearn: bool, log: Any = None
) -> dict[str, Any]:
    """Cold, warm and scikit-learn processes for one case, ``repeats`` times.

    Parameters
    ----------
    case : Case
        What to fit.
    cwd : Path
        Directory to run the children in.
    repeats : int
        Rounds; each has its own empty cache directory.
    sklearn : bool
        Also time scikit-learn (skipped for the demo, which it cannot run).
    log : callable, optional
        Called with a progress line.

    Returns
    -------
    dict
        ``{"case", "cold": [...], "warm": [...], "sklearn": [...]}``, one
        timing dict per process.
    """
    result: dict[str, Any] = {"case": asdict(case), "cold": [], "warm": []}
    result["sklearn"] = []
    with tempfile.TemporaryDirectory(prefix="kmeans-startup-") as root:
        for i in range(repeats):
            cache_dir = str(Path(root) / f"cache{i}")
            out_dir = str(Path(root) / f"out{i}")
            os.mkdir(cache_dir)
            for kind in ("cold", "warm"):
                if log:
                    log(f"{case.name}: {kind} {i + 1}/{repeats} ...")
                result[kind].append(run_child(case, "ours", cache_dir, cwd, out_dir))
                if kind == "cold":
                    # A first fit on the twins compiles its kernels in the
                    # background (kmeans_core._background): the warm process
                    # is the one that comes after it.
                    started = time.perf_counter()
                    if not wait_for_locks(Path(cache_dir), timeout=1800):
                        raise RuntimeError("the background compile did not finish")
                    waited = time.perf_counter() - started
                    result[kind][-1]["background_wait_s"] = waited
            if sklearn and case.name != "demo":
                result["sklearn"].append(run_child(case, "sklearn", cache_dir, cwd))
    return result


def _best(runs: list[dict[str, Any]], key: str = "process_wall_s") -> float | None:
    return min(run[key] for run in runs) if runs else None


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _x(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.2f}x"


def summary_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per case, the best process wall times and their ratios (JSON-ready).

    Parameters
    ----------
    results : list of dict
        :func:`measure_case` outputs.

    Returns
    -------
    list of dict
        ``{"case", "cold_s", "warm_s", "sklearn_s", "cold_compile_s",
        "cold_compile_cpu_s", "cold_cpu_s", "warm_cpu_s", "sklearn_cpu_s",
        "cold_import_s", "warm_fit_s", "cold_first_s", "warm_first_s",
        "sklearn_first_s", "cold_second_fit_s"}`` per case (None where not
        measured; ``*_cpu_s`` of a whole process counts every thread, spinning
        ones too; ``*_first_s`` is import plus first fit, issue 22's measure).
    """
    rows = []
    for res in results:
        rows.append(
            {
                "case": res["case"]["name"],
                "cold_s": _best(res["cold"]),
                "warm_s": _best(res["warm"]),
                "sklearn_s": _best(res["sklearn"]),
                "cold_compile_s": _best(res["cold"], "compile_s"),
                "cold_compile_cpu_s": _best(res["cold"], "compile_cpu_s"),
                "cold_cpu_s": _best(res["cold"], "cpu_s"),
                "warm_cpu_s": _best(res["warm"], "cpu_s"),
                "sklearn_cpu_s": _best(res["sklearn"], "cpu_s"),
                "cold_import_s": _best(res["cold"], "import_s"),
                "warm_fit_s": _best(res["warm"], "first_fit_s"),
                "cold_first_s": _best(res["cold"], "import_and_first_fit_s"),
                "warm_first_s": _best(res["warm"], "import_and_first_fit_s"),
                "sklearn_first_s": _best(res["sklearn"], "import_and_first_fit_s"),
                "cold_second_fit_s": _best(res["cold"], "second_fit_s"),
            }
        )
    return rows


def top_compiles(res: dict[str, Any], top: int) -> list[dict[str, Any]]:
    """The ``top`` functions by compile self time in the fastest cold process."""
    from benchmarks._compile_events import by_function

    if not res["cold"]:
        return []
    fastest = min(res["cold"], key=lambda run: run["process_wall_s"])
    return by_function(fastest["compiles"])[:top]


def startup_markdown(results: list[dict[str, Any]], top: int = 10) -> str:
    """Markdown: the summary table, then each case's slowest compilations.

    Parameters
    ----------
    results : list of dict
        :func:`measure_case` outputs.
    top : int, default=10
        Functions listed per case.

    Returns
    -------
    str
    """
    from benchmarks._report import markdown_table

    header = [
        "case",
        "ours, cold",
        "ours, warm",
        "scikit-learn",
        "cold / sklearn",
        "warm / sklearn",
        "cold / warm",
        "import + 1st fit: cold / sklearn",
        "warm / sklearn (1st fit)",
        "2nd fit (cold)",
        "compile (cold)",
        "compile CPU (cold)",
        "import (cold)",
    ]
    table = [
        [
            row["case"],
            _s(row["cold_s"]),
            _s(row["warm_s"]),
            _s(row["sklearn_s"]),
            _x(row["cold_s"], row["sklearn_s"]),
            _x(row["warm_s"], row["sklearn_s"]),
            _x(row["cold_s"], row["warm_s"]),
            _x(row["cold_first_s"], row["sklearn_first_s"]),
            _x(row["warm_first_s"], row["sklearn_first_s"]),
            _s(row["cold_second_fit_s"]),
            _s(row["cold_compile_s"]),
            _s(row["cold_compile_cpu_s"]),
            _s(row["cold_import_s"]),
        ]
        for row in summary_rows(results)
    ]
    n_rounds = max(len(res["cold"]) for res in results)
    parts = [
        "# Start-up: import plus first default fit, fresh processes (s)",
        "",
        f"Process wall time, from interpreter start to exit, best of {n_rounds}; "
        "each process imports, fits once, then fits again. The ratios marked "
        "1st fit compare import plus the first fit alone. "
        "Cold: empty Numba cache; warm: the next process on that cache. Compile: "
        "the sum of Numba's compile events (self time) in the cold process, as wall "
        "time and as the compiling thread's CPU time (less inflated by a busy "
        "machine).",
        "",
        markdown_table(header, table),
        "",
    ]
    for res in results:
        rows = [
            [f"`{c['name'].removeprefix('kmeans_core.')}`", str(c["n_signatures"])]
            + [_s(c["self_s"]), _s(c["self_cpu_s"])]
            for c in top_compiles(res, top)
        ]
        if rows:
            parts += [f"## {res['case']['name']}: slowest compilations (cold)", ""]
            header = ["function", "signatures", "s", "CPU s"]
            parts += [markdown_table(header, rows), ""]
    return "\n".join(parts)
