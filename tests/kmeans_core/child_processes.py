"""Shared by the tests that run fresh interpreters (start-up, background compile)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Child code that records the name of every function Numba compiles, in the
#: list ``compiled``; put it before ``import kmeans_core``.
COMPILE_COUNTER = """
from numba.core import event
compiled = []

class Counter(event.Listener):
    def on_start(self, ev):
        pass

    def on_end(self, ev):
        func = ev.data["dispatcher"].py_func
        compiled.append(func.__module__ + "." + func.__qualname__)

event.register("numba:compile", Counter())
"""


def env_with(**values: str) -> dict[str, str]:
    """This process's environment without its cache folders, plus ``values``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NUMBA_CACHE_DIR", "KMEANS_CORE_CACHE_DIR", "XDG_CACHE_HOME")
    }
    env.update(values)
    return env


def run_python(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 900
) -> subprocess.CompletedProcess:
    """``python ARGS`` in a fresh interpreter; asserts it succeeded (stderr shown)."""
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc
