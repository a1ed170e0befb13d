"""Random draws that the estimators share, for either kind of NumPy generator.

A ``random_state`` may be a legacy ``RandomState`` (what an int seed becomes,
so that draws match scikit-learn's) or a ``Generator``; their methods differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _twins
from ._jit import call
from ._kernels.seeding import weighted_index


def random_integers(rng: Any, high: int, size: int) -> np.ndarray:
    """Uniform integers in [0, high): ``randint`` or ``integers`` by generator kind."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size)
    return rng.randint(0, high, size)


def weighted_choice(
    random_state: np.random.RandomState | np.random.Generator, weights64: np.ndarray
) -> int:
    """A row drawn with probability proportional to its weight (k-means++'s first).

    Draws what scikit-learn's ``random_state.choice(n, p=w / w.sum())`` draws;
    for a ``RandomState`` through ``weighted_index``, which consumes the same
    single uniform and picks the same row.
    """
    total = weights64.sum()
    if isinstance(random_state, np.random.RandomState) and np.isfinite(total):
        uniform = random_state.random_sample()
        # The NumPy twin until the kernel is compiled (``_jit.call``).
        twin = _twins.weighted_index
        return int(call(weighted_index, twin, weights64, total, uniform))
    return int(random_state.choice(weights64.shape[0], p=weights64 / total))
