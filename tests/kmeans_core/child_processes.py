"""Shared by the tests that run fresh interpreters (start-up, background compile)."""

from __future__ import annotations

import os

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
