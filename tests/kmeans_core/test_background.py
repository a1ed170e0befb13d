"""The background compile that a first fit on the NumPy twins starts (``_background``).

The end-to-end test runs fresh interpreters with their own cache folder: the
first fits through the twins and starts the compile; once it is done, a second
process running the same fit with the kernels forced compiles nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kmeans_core import _background

from .child_processes import COMPILE_COUNTER, env_with, run_python

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Child code: a default fit of 3000 x 32, k=16, float32 (Lloyd's BLAS path,
#: where the twins run while the kernels are not cached); prints what Numba
#: compiled of ours and the fit, and logs to stderr.
FIT_CODE = (
    """
import json, logging, sys
import numpy as np
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
"""
    + COMPILE_COUNTER
    + """
from kmeans_core import KMeans, _jit
if "--kernels" in sys.argv:
    _jit.always_kernels()
rng = np.random.default_rng(3)
X = rng.standard_normal((3000, 32)) + 4 * rng.integers(0, 5, (3000, 1))
X = X.astype("float32")
model = KMeans(16, random_state=0).fit(X)
print(json.dumps({
    "compiled": [c for c in compiled if c.startswith("kmeans_core")],
    "centers": model.cluster_centers_.tolist(),
    "labels": model.labels_.tolist(),
    "n_iter": model.n_iter_,
}))
"""
)


def _fit(env: dict[str, str], *flags: str) -> tuple[dict, str]:
    proc = run_python(["-c", FIT_CODE, *flags], env, REPO_ROOT, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


@pytest.mark.slow
def test_first_fit_on_twins_fills_the_cache_for_the_next_process(tmp_path):
    cache = tmp_path / "cache"
    env = env_with(KMEANS_CORE_CACHE_DIR=str(cache), KMEANS_CORE_BACKGROUND_COMPILE="1")
    first, log = _fit(env)
    assert "in the background" in log, log
    # The fit itself ran on the twins: none of Lloyd's BLAS-path kernels compiled.
    assert not any("argmin_accumulate_from_dots" in c for c in first["compiled"])
    assert _background.wait_for_locks(cache, timeout=600)
    second, log = _fit(env, "--kernels")
    assert second["compiled"] == []
    assert "in the background" not in log
    # Twins and kernels: the same fit.
    assert second["labels"] == first["labels"]
    assert second["centers"] == first["centers"]
    assert second["n_iter"] == first["n_iter"]


@pytest.fixture
def no_spawn(monkeypatch, tmp_path):
    """``subprocess.Popen`` recorded instead of run; locks under ``tmp_path``."""
    launched: list[list[str]] = []

    class FakeProcess:
        pid = 12345

        def __init__(self, command, **kwargs):
            launched.append(command)
            assert kwargs["env"][_background.ENV_SWITCH] == "0"
            # The child imports this very kmeans_core: from the front of its
            # path, or from site-packages where this one was installed.
            root = Path(_background.__file__).resolve().parents[1]
            path = kwargs["env"].get("PYTHONPATH", "")
            first = Path(path.split(os.pathsep)[0]) if path else None
            assert first == root or root.name in ("site-packages", "dist-packages")

    monkeypatch.setattr(_background.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(
        _background, "lock_path", lambda w, d: tmp_path / f"{'+'.join(w)}-{d}.lock"
    )
    monkeypatch.setattr(_background, "_launched", set())
    monkeypatch.setattr(_background, "_requested", set())
    monkeypatch.setattr(_background, "_children", {})
    monkeypatch.setenv(_background.ENV_SWITCH, "1")
    return launched


def test_start_launches_one_precompile_per_dtype_once(no_spawn, tmp_path):
    _background.request("blas", "float32")
    _background.request("hamerly", "float32")
    _background.request("blas", "float64")
    assert _background.start() == 12345
    assert len(no_spawn) == 2
    first = no_spawn[0]
    assert first[1:4] == ["-m", "kmeans_core.precompile", "--background"]
    assert first[first.index("--only") + 1 : first.index("--dtype")] == [
        "blas",
        "hamerly",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "blas+hamerly-float32.lock",
        "blas-float64.lock",
    ]
    # Asked again in the same process: nothing new starts.
    _background.request("blas", "float32")
    assert _background.start() is None
    assert len(no_spawn) == 2


def test_a_held_lock_keeps_a_second_process_from_compiling(no_spawn, tmp_path):
    (tmp_path / "blas-float32.lock").touch()
    _background.request("blas", "float32")
    assert _background.start() is None
    assert no_spawn == []


def test_a_stale_lock_is_taken_over(no_spawn, tmp_path):
    lock = tmp_path / "blas-float32.lock"
    lock.touch()
    old = lock.stat().st_mtime - _background.STALE_LOCK_SECONDS - 5
    os.utime(lock, (old, old))
    _background.request("blas", "float32")
    assert _background.start() == 12345


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_the_switch_turns_it_off(no_spawn, monkeypatch, value):
    monkeypatch.setenv(_background.ENV_SWITCH, value)
    assert not _background.enabled()
    _background.request("blas", "float32")
    assert _background.start() is None
    assert no_spawn == []


def test_wait_for_locks_times_out_while_a_lock_is_held(tmp_path):
    (tmp_path / "sub").mkdir()
    lock = tmp_path / "sub" / "background-blas-float32.lock"
    lock.touch()
    assert not _background.wait_for_locks(tmp_path, timeout=0.3)
    lock.unlink()
    assert _background.wait_for_locks(tmp_path, timeout=0.3)


def test_running_follows_the_lock_and_its_process(no_spawn, monkeypatch, tmp_path):
    from kmeans_core import _caching

    monkeypatch.setattr(_caching, "kernel_cache_dir", lambda: (None, tmp_path))
    assert not _background.running()
    lock = tmp_path / "background-blas-float32.lock"
    lock.write_text(str(os.getpid()))  # a live process
    assert _background.running()
    lock.write_text("")  # just launched, its id not written yet
    assert _background.running()
    old = lock.stat().st_mtime - _background.UNWRITTEN_LOCK_SECONDS - 1
    os.utime(lock, (old, old))
    assert not _background.running()
    lock.write_text(str(2**22 + 12345))  # beyond any pid: a compile that died
    assert not _background.running()
    lock.write_text(str(os.getpid()))
    old = lock.stat().st_mtime - _background.STALE_LOCK_SECONDS - 1
    os.utime(lock, (old, old))
    assert not _background.running()


def test_running_asks_our_own_child_not_its_pid(no_spawn, monkeypatch, tmp_path):
    from kmeans_core import _caching

    monkeypatch.setattr(_caching, "kernel_cache_dir", lambda: (None, tmp_path))

    class Child:
        returncode = None

        def poll(self):
            return self.returncode

    child = Child()
    monkeypatch.setitem(_background._children, os.getpid(), child)
    (tmp_path / "background-dots-float32.lock").write_text(str(os.getpid()))
    assert _background.running()
    child.returncode = 1  # exited without removing its lock: not running
    assert not _background.running()
