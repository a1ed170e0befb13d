"""Shared fixtures for the kmeans_core estimator-level tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def numba_threads():
    """Yield ``numba.set_num_threads`` and restore the thread count afterwards."""
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    try:
        yield numba.set_num_threads
    finally:
        numba.set_num_threads(before)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
