"""pytest configuration for the benchmark suite (``pytest benchmarks``).

Unsets ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` if NumPy is not loaded yet, and
reports the BLAS kernel in the pytest header.
"""

from __future__ import annotations

from benchmarks._env import clean_blas_env, unset_record

_STILL_SET = clean_blas_env(reexec=False)


def pytest_report_header() -> list[str]:
    """Add the OpenBLAS clean-up outcome and the BLAS kernel to the header."""
    from benchmarks._machine import blas_info

    lines = [f"OPENBLAS_* unset for this run: {unset_record() or 'none were set'}"]
    if _STILL_SET:
        lines.append(f"OPENBLAS_* still in effect (NumPy loaded first): {_STILL_SET}")
    for lib in blas_info():
        lines.append(
            f"BLAS: {lib.get('internal_api')} {lib.get('version')} "
            f"arch={lib.get('architecture')} threads={lib.get('num_threads')}"
        )
    return lines
