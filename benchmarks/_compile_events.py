"""Per-function compile times from Numba's ``"numba:compile"`` events.

Numba broadcasts a ``"numba:compile"`` event around every compilation of a
dispatcher (a cache miss; a function loaded from the on-disk cache sends none).
A function that calls another compiles its callee inside its own event, so the
events nest: ``CompileRecorder`` keeps both the inclusive time of each event
and its self time (inclusive minus the callees compiled inside it), whose sum
over all events is the process's total compile time.

Imports only the standard library and ``numba.core.event`` (which imports
Numba), so a fresh process can install the recorder before anything compiles.
"""

from __future__ import annotations

import time
from typing import Any

from numba.core import event


def function_name(dispatcher: Any) -> str:
    """``module.qualname`` of a dispatcher's Python function, ``<locals>`` dropped."""
    func = dispatcher.py_func
    qualname = func.__qualname__.replace("<locals>.", "")
    return f"{func.__module__}.{qualname}"


class CompileRecorder(event.Listener):
    """Record every ``"numba:compile"`` event: name, signature, inclusive and self time.

    Use as a context manager (``with CompileRecorder() as rec: ...``) or call
    :meth:`install` once for the rest of the process.  ``records`` holds one
    dict per finished compilation, in the order they finished.
    """

    kind = "numba:compile"

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        # Per open event: [wall start, CPU start, callees' wall, callees' CPU].
        self._stack: list[list[float]] = []

    def on_start(self, ev: event.Event) -> None:
        self._stack.append([time.perf_counter(), time.thread_time(), 0.0, 0.0])

    def on_end(self, ev: event.Event) -> None:
        start, cpu_start, callees, callees_cpu = self._stack.pop()
        inclusive = time.perf_counter() - start
        inclusive_cpu = time.thread_time() - cpu_start
        if self._stack:
            self._stack[-1][2] += inclusive
            self._stack[-1][3] += inclusive_cpu
        data = ev.data or {}
        dispatcher = data.get("dispatcher")
        self.records.append(
            {
                "name": function_name(dispatcher) if dispatcher else "?",
                "signature": ", ".join(str(a) for a in data.get("args", ())),
                "inclusive_s": inclusive,
                "self_s": inclusive - callees,
                "self_cpu_s": inclusive_cpu - callees_cpu,
            }
        )

    def install(self) -> CompileRecorder:
        """Register for the rest of the process; returns self."""
        event.register(self.kind, self)
        return self

    def __enter__(self) -> CompileRecorder:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        event.unregister(self.kind, self)

    @property
    def total_s(self) -> float:
        """Total compile time (the sum of self times: nothing counted twice)."""
        return sum(r["self_s"] for r in self.records)

    @property
    def total_cpu_s(self) -> float:
        """Total compile CPU time of the compiling threads."""
        return sum(r["self_cpu_s"] for r in self.records)


def by_function(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Self time summed per function name, largest first.

    Parameters
    ----------
    records : list of dict
        ``CompileRecorder.records`` (possibly from several processes).

    Returns
    -------
    list of dict
        ``{"name", "n_signatures", "self_s", "self_cpu_s"}`` per function.
    """
    totals: dict[str, list[float]] = {}
    for rec in records:
        entry = totals.setdefault(rec["name"], [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += rec["self_s"]
        entry[2] += rec.get("self_cpu_s", 0.0)
    rows = [
        {"name": name, "n_signatures": int(n), "self_s": s, "self_cpu_s": cpu}
        for name, (n, s, cpu) in totals.items()
    ]
    return sorted(rows, key=lambda row: -row["self_s"])
