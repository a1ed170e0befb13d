"""Random draws that the estimators share, for either kind of NumPy generator.

A ``random_state`` may be a legacy ``RandomState`` (what an int seed becomes,
so that draws match scikit-learn's) or a ``Generator``; their methods differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def random_integers(rng: Any, high: int, size: int) -> np.ndarray:
    """Uniform integers in [0, high): ``randint`` or ``integers`` by generator kind."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size)
    return rng.randint(0, high, size)
