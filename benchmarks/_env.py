"""Environment clean-up that must happen before NumPy is imported.

OpenBLAS reads ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` once, when the library is
loaded (that is, when NumPy is first imported). On the reference machine these variables
pin a slower kernel, so the benchmark unsets them for its own run only. This module
imports nothing but the standard library.
"""

from __future__ import annotations

import os
import sys

BLAS_ENV_VARS: tuple[str, ...] = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: Records, across a re-exec, which variables were unset and their original values.
UNSET_RECORD_VAR = "KMEANS_BENCH_UNSET_BLAS_ENV"


def blas_vars_present(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Return the OpenBLAS variables that are set.

    Parameters
    ----------
    environ : dict of str to str, optional
        The environment to inspect; ``os.environ`` by default.

    Returns
    -------
    dict of str to str
        Name to value, for each variable of ``BLAS_ENV_VARS`` that is set.
    """
    env = os.environ if environ is None else environ
    return {name: env[name] for name in BLAS_ENV_VARS if name in env}


def numpy_loaded() -> bool:
    """Return whether NumPy (hence OpenBLAS) is already loaded in this process."""
    return "numpy" in sys.modules


def _encode(values: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in values.items())


def unset_record() -> dict[str, str]:
    """Return the variables unset by :func:`clean_blas_env` (possibly before a re-exec).

    Returns
    -------
    dict of str to str
        Name to original value.
    """
    raw = os.environ.get(UNSET_RECORD_VAR, "")
    pairs = (item.split("=", 1) for item in raw.split(";") if "=" in item)
    return dict(pairs)


def clean_blas_env(*, reexec: bool, module: str = "benchmarks.compare") -> list[str]:
    """Unset the OpenBLAS variables for this run, before NumPy is loaded.

    If NumPy is not loaded yet, the variables are simply removed from ``os.environ``.
    If it is already loaded (OpenBLAS has read them) and ``reexec`` is true, the process
    replaces itself with ``python -m module <same args>`` under the cleaned environment;
    that call does not return. Otherwise the variables are left alone and reported.

    Parameters
    ----------
    reexec : bool
        Allow replacing the current process (only for command-line use).
    module : str, default="benchmarks.compare"
        Module to run again with ``python -m`` when re-executing.

    Returns
    -------
    list of str
        Names of variables that are still in effect (empty when the clean-up worked).
    """
    present = blas_vars_present()
    if not present:
        return []
    record = {**unset_record(), **present}
    if not numpy_loaded():
        for name in present:
            del os.environ[name]
        os.environ[UNSET_RECORD_VAR] = _encode(record)
        return []
    if reexec:
        env = {k: v for k, v in os.environ.items() if k not in present}
        env[UNSET_RECORD_VAR] = _encode(record)
        sys.stdout.flush()
        sys.stderr.flush()
        argv = [sys.executable, "-m", module, *sys.argv[1:]]
        os.execve(sys.executable, argv, env)
    return sorted(present)
