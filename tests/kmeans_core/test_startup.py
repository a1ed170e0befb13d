"""Start-up: where kernels are cached, the precompile command, and cold fits.

Each test runs fresh interpreters (``subprocess``) with their own cache folders,
and counts Numba's ``numba:compile`` events to see what a process compiled.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from .child_processes import COMPILE_COUNTER, env_with, run_python

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Child code: fit 200 x 3 (k=5, float64), predict; print compiles and results.
FIT_CODE = (
    """
import json, sys
import numpy as np
"""
    + COMPILE_COUNTER
    + """
from kmeans_core import KMeans, _caching, _jit
if "--kernels" in sys.argv:
    _jit.always_kernels()
X = np.random.default_rng(0).standard_normal((200, 3))
model = KMeans(5, random_state=0).fit(X)
labels = model.predict(X)
rule, where = _caching.kernel_cache_dir()
print(json.dumps({
    "compiled": compiled,
    "rule": rule,
    "where": str(where),
    "centers": model.cluster_centers_.tolist(),
    "labels": labels.tolist(),
    "n_iter": model.n_iter_,
}))
"""
)


_env = env_with


def _run(args: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> str:
    return run_python(args, env, cwd).stdout


def _fit(env: dict[str, str], *flags: str, cwd: Path = REPO_ROOT) -> dict:
    out = _run(["-c", FIT_CODE, *flags], env, cwd)
    return json.loads(out.strip().splitlines()[-1])


def _ours(compiled: list[str]) -> list[str]:
    return [name for name in compiled if name.startswith("kmeans_core.")]


@pytest.mark.slow
def test_precompile_fills_the_cache_a_fresh_process_reads(tmp_path):
    """Precompiled: a fresh process compiles nothing and matches a cold process.

    The cold process (an empty cache) runs the NumPy twins and compiles
    nothing either; both give the same centers, labels and iterations.
    """
    cache = tmp_path / "cache"
    _run(
        ["-m", "kmeans_core.precompile", "--only", "small", "--jobs", "2", "--quiet"],
        _env(NUMBA_CACHE_DIR=str(cache)),
    )
    warm = _fit(_env(NUMBA_CACHE_DIR=str(cache)), "--kernels")
    assert warm["compiled"] == []
    assert warm["rule"] == "NUMBA_CACHE_DIR"
    assert Path(warm["where"]).is_relative_to(cache)
    cold = _fit(_env(NUMBA_CACHE_DIR=str(tmp_path / "empty")))
    assert cold["compiled"] == []
    for key in ("centers", "labels", "n_iter"):
        assert cold[key] == warm[key]


def _read_only_copy(target: Path) -> Path:
    """kmeans_core's sources under ``target``, where no cache can be written.

    The files and folders lose their write permission, and each package folder
    gets a *file* named ``__pycache__``, so that even a root user (who ignores
    permissions) cannot create the folder Numba would cache into.
    """
    site = target / "site"
    shutil.copytree(
        REPO_ROOT / "kmeans_core",
        site / "kmeans_core",
        ignore=shutil.ignore_patterns("__pycache__", "*.nb[ic]"),
    )
    for folder, _, files in os.walk(site, topdown=False):
        (Path(folder) / "__pycache__").write_text("")
        for name in files + ["__pycache__"]:
            path = Path(folder) / name
            path.chmod(stat.S_IREAD)
        Path(folder).chmod(stat.S_IREAD | stat.S_IEXEC)
    return site


@pytest.mark.slow
def test_read_only_install_caches_kernels_in_the_user_folder(tmp_path):
    site = _read_only_copy(tmp_path)
    try:
        env = _env(
            PYTHONPATH=str(site),
            XDG_CACHE_HOME=str(tmp_path / "xdg"),
            PYTHONDONTWRITEBYTECODE="1",
        )
        first = _fit(env, "--kernels", cwd=tmp_path)
        assert first["rule"] == "user"
        assert Path(first["where"]).is_relative_to(tmp_path / "xdg" / "kmeans_core")
        assert _ours(first["compiled"])
        assert list(Path(first["where"]).glob("*.nbi"))
        second = _fit(env, "--kernels", cwd=tmp_path)
        assert second["compiled"] == []
        assert second["centers"] == first["centers"]
    finally:
        for folder, _, _ in os.walk(site):
            Path(folder).chmod(stat.S_IRWXU)


def test_nothing_writable_still_imports_and_fits(tmp_path):
    """No writable cache folder at all: a temporary one, and a warning."""
    site = _read_only_copy(tmp_path)
    blocked = tmp_path / "blocked"
    blocked.write_text("")  # a file: no cache folder can be made below it
    try:
        env = _env(
            PYTHONPATH=str(site),
            XDG_CACHE_HOME=str(blocked),
            HOME=str(blocked),
            PYTHONDONTWRITEBYTECODE="1",
        )
        result = _fit(env, cwd=tmp_path)
        assert result["rule"] == "temporary"
        assert result["compiled"] == []
    finally:
        for folder, _, _ in os.walk(site):
            Path(folder).chmod(stat.S_IRWXU)


#: Child code: one small kernel from the package on ``PYTHONPATH``, compiled
#: (or loaded) for float64; prints what Numba compiled.
ONE_KERNEL_CODE = (
    """
import json
import numpy as np
"""
    + COMPILE_COUNTER
    + """
from kmeans_core._kernels.moments import column_moments_serial
column_moments_serial(np.ones((5, 2)), np.zeros(2), np.zeros(2))
print(json.dumps(compiled))
"""
)


def test_cached_kernel_is_dropped_after_an_edit_to_any_kernel_source(tmp_path):
    """An edit to the file of a kernel's callees recompiles it; others do not.

    ``column_moments_serial`` lives in ``moments.py``. Editing ``common.py``
    (another kernel file, whose code a kernel may inline) must send it to be
    compiled again; editing ``estimator.py`` (no kernel code) must not. The
    package is a writable copy, so the kernels are cached beside their source
    (the in-tree rule), as in a development checkout.
    """
    site = tmp_path / "site"
    shutil.copytree(
        REPO_ROOT / "kmeans_core",
        site / "kmeans_core",
        ignore=shutil.ignore_patterns("__pycache__", "*.nb[ic]"),
    )
    env = _env(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")

    def compiled() -> list[str]:
        out = _run(["-c", ONE_KERNEL_CODE], env, cwd=tmp_path)
        return json.loads(out.strip().splitlines()[-1])

    def edit(name: str) -> None:
        with open(site / "kmeans_core" / name, "a") as source:
            source.write("\n# edited by the test\n")

    kernel = "kmeans_core._kernels.moments.column_moments_serial"
    assert kernel in compiled()
    assert list((site / "kmeans_core" / "_kernels" / "__pycache__").glob("*.nbi"))
    edit("estimator.py")
    assert compiled() == []
    edit("_kernels/common.py")
    assert kernel in compiled()


def test_cache_dir_variable_wins_over_numba_cache_dir(tmp_path):
    env = _env(
        NUMBA_CACHE_DIR=str(tmp_path / "numba"),
        KMEANS_CORE_CACHE_DIR=str(tmp_path / "ours"),
    )
    out = _run(["-m", "kmeans_core.precompile", "--where"], env)
    assert Path(out.strip()).is_relative_to(tmp_path / "ours")


#: Child code: a default fit of a sparse CSR float32 matrix, kernels forced;
#: prints what Numba compiled.
SPARSE_FIT_CODE = (
    """
import json
import numpy as np
from scipy import sparse
"""
    + COMPILE_COUNTER
    + """
from kmeans_core import KMeans, _jit
_jit.always_kernels()
rng = np.random.default_rng(5)
X = sparse.random(2500, 60, density=0.2, format="csr", random_state=5)
X = X.astype(np.float32)
KMeans(12, random_state=0).fit(X).predict(X)
from kmeans_core._kernels.sparse import sparse_assign
# Loaded from the cache or compiled: either way, the sparse kernels ran.
print(json.dumps({"compiled": compiled, "ran": len(sparse_assign.overloads)}))
"""
)


@pytest.mark.slow
def test_precompile_all_covers_sparse_rows(tmp_path):
    pytest.importorskip("scipy")
    cache = tmp_path / "cache"
    env = _env(KMEANS_CORE_CACHE_DIR=str(cache))
    _run(
        ["-m", "kmeans_core.precompile", "--only", "sparse", "--dtype", "float32"]
        + ["--jobs", "1", "--quiet"],
        env,
    )
    out = json.loads(_run(["-c", SPARSE_FIT_CODE], env).strip().splitlines()[-1])
    assert out["ran"] > 0
    assert _ours(out["compiled"]) == []


def test_precompile_only_sparse_without_scipy_is_a_clear_error(monkeypatch, capsys):
    from kmeans_core import precompile

    monkeypatch.setattr(precompile, "scipy_installed", lambda: False)
    assert precompile.main(["--only", "sparse", "--quiet"]) == 2
    assert "needs scipy" in capsys.readouterr().err
    assert "sparse" in precompile.WORKLOADS
    assert "sparse" not in precompile.COMMON
