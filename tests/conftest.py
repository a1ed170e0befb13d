"""Settings for the whole test suite."""

import os

import pytest

# A fit that runs the NumPy twins would start a background compile for later
# processes (``kmeans_core._background``): not from the test process and the
# children it starts; tests/kmeans_core/test_background.py turns it on for its own.
os.environ["KMEANS_CORE_BACKGROUND_COMPILE"] = "0"


@pytest.fixture(autouse=True)
def _twin_switches_restored():
    """Undo ``_jit.always_kernels()`` after each test (the benchmarks call it).

    The benchmarks' smoke tests run in the test process, and a benchmark
    times the compiled kernels, so it turns the first-use twins off for the
    rest of its process; the next test gets the switches as they were.
    """
    from kmeans_core import _jit

    saved = (_jit._kernels_only, _jit._twins_forced)
    yield
    _jit._kernels_only, _jit._twins_forced = saved
