"""Benchmark shapes and synthetic data (the table of issue 4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Shape:
    """A benchmark problem size.

    Attributes
    ----------
    n, d, k : int
        Samples, features and clusters.
    """

    n: int
    d: int
    k: int

    @property
    def label(self) -> str:
        """Short human label, e.g. ``"1000000x8 k=8"``."""
        return f"{self.n}x{self.d} k={self.k}"

    @property
    def key(self) -> str:
        """Command-line spelling, e.g. ``"1000000x8x8"``."""
        return f"{self.n}x{self.d}x{self.k}"


#: The shapes of issue 4's targets table.
FULL_SHAPES: tuple[Shape, ...] = (
    Shape(100_000, 2, 5),
    Shape(1_000_000, 8, 8),
    Shape(200_000, 32, 64),
    Shape(100_000, 64, 256),
    Shape(20_000, 128, 1024),
    Shape(200, 3, 5),
)

#: Tiny shapes for CI smoke runs (one per regime).
QUICK_SHAPES: tuple[Shape, ...] = (
    Shape(5_000, 2, 5),
    Shape(10_000, 8, 8),
    Shape(4_000, 16, 32),
    Shape(200, 3, 5),
)


def parse_shape(text: str) -> Shape:
    """Parse ``"NxDxK"`` (``","`` and ``"_"`` in numbers are allowed).

    Parameters
    ----------
    text : str
        For example ``"100000x64x256"`` or ``"1_000_000x8x8"``.

    Returns
    -------
    Shape

    Raises
    ------
    ValueError
        If the text is not three positive integers separated by ``x``.
    """
    parts = text.lower().replace(",", "").replace("_", "").split("x")
    try:
        n, d, k = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"shape {text!r} is not NxDxK, e.g. 100000x8x8") from None
    if min(n, d, k) < 1 or k > n:
        raise ValueError(f"shape {text!r} needs positive n, d, k with k <= n")
    return Shape(n, d, k)


def make_data(shape: Shape, dtype: str, seed: int = 0) -> np.ndarray:
    """Return overlapping Gaussian blobs, C-contiguous, of the given dtype.

    The blobs overlap strongly, so Lloyd keeps changing labels for many iterations:
    a fixed-iteration fit with ``tol=0`` then runs all its iterations.

    Parameters
    ----------
    shape : Shape
        Problem size; the data has ``shape.k`` blobs.
    dtype : str
        "float32" or "float64".
    seed : int, default=0
        Seed of the NumPy generator.

    Returns
    -------
    ndarray of shape (n, d)
    """
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-1.5, 1.5, size=(shape.k, shape.d))
    labels = rng.integers(0, shape.k, size=shape.n)
    X = rng.standard_normal((shape.n, shape.d), dtype=np.float32)
    X += centers[labels].astype(np.float32)
    return np.ascontiguousarray(X, dtype=dtype)


def make_init(X: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Return a shared initial-centers array: distinct rows of ``X`` chosen at random.

    Every implementation starts from this same array, so their iterations are
    comparable one to one.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Data.
    k : int
        Number of centers.
    seed : int, default=0
        Seed of the NumPy generator.

    Returns
    -------
    ndarray of shape (k, d), same dtype as X
    """
    rng = np.random.default_rng(seed + 1)
    rows = np.sort(rng.choice(X.shape[0], size=k, replace=False))
    return np.ascontiguousarray(X[rows])
