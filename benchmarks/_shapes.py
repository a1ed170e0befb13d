"""Benchmark shapes and synthetic data (the table of issue 4, and sparse shapes).

A shape with ``nnz_per_row`` is sparse: TF-IDF-like CSR rows (``make_data``
builds them with scipy, which only the benchmark imports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Shape:
    """A benchmark problem size.

    Attributes
    ----------
    n, d, k : int
        Samples, features and clusters.
    nnz_per_row : int
        0 for dense data; else the data is sparse (CSR) with about this many
        nonzeros per row.
    """

    n: int
    d: int
    k: int
    nnz_per_row: int = 0

    @property
    def sparse(self) -> bool:
        """Whether the data of this shape is sparse."""
        return self.nnz_per_row > 0

    @property
    def label(self) -> str:
        """Short human label, e.g. ``"1000000x8 k=8"`` or ``"... sparse 25/row"``."""
        suffix = f" sparse {self.nnz_per_row}/row" if self.sparse else ""
        return f"{self.n}x{self.d} k={self.k}{suffix}"

    @property
    def key(self) -> str:
        """Command-line spelling, e.g. ``"1000000x8x8"`` or ``"100000x20000x50s25"``."""
        suffix = f"s{self.nnz_per_row}" if self.sparse else ""
        return f"{self.n}x{self.d}x{self.k}{suffix}"


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

#: Sparse shapes (``--sparse``): TF-IDF-like text, issue 23's target.
SPARSE_SHAPES: tuple[Shape, ...] = (Shape(100_000, 20_000, 50, 25),)

#: A small sparse shape for CI smoke runs.
QUICK_SPARSE_SHAPES: tuple[Shape, ...] = (Shape(5_000, 2_000, 10, 10),)


def parse_shape(text: str) -> Shape:
    """Parse ``"NxDxK"`` or ``"NxDxKsZ"`` (``","`` and ``"_"`` in numbers allowed).

    Parameters
    ----------
    text : str
        For example ``"100000x64x256"``, ``"1_000_000x8x8"``, or
        ``"100000x20000x50s25"`` for sparse rows with about 25 nonzeros each.

    Returns
    -------
    Shape

    Raises
    ------
    ValueError
        If the text is not three positive integers separated by ``x``.
    """
    parts = text.lower().replace(",", "").replace("_", "").split("x")
    nnz = "0"
    if parts and "s" in parts[-1]:
        parts[-1], nnz = parts[-1].split("s", 1)
    try:
        n, d, k = (int(p) for p in parts)
        nnz_per_row = int(nnz)
    except ValueError:
        raise ValueError(
            f"shape {text!r} is not NxDxK or NxDxKsZ, e.g. 100000x8x8"
        ) from None
    if min(n, d, k) < 1 or k > n or not 0 <= nnz_per_row <= d:
        raise ValueError(f"shape {text!r} needs positive n, d, k with k <= n")
    return Shape(n, d, k, nnz_per_row)


def make_data(shape: Shape, dtype: str, seed: int = 0) -> Any:
    """Return overlapping Gaussian blobs, C-contiguous, of the given dtype.

    The blobs overlap strongly, so Lloyd keeps changing labels for many iterations:
    a fixed-iteration fit with ``tol=0`` then runs all its iterations.  For a
    sparse shape, TF-IDF-like CSR rows instead (``make_sparse_data``).

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
    ndarray of shape (n, d), or a scipy CSR matrix for a sparse shape
    """
    if shape.sparse:
        return make_sparse_data(shape, dtype, seed)
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-1.5, 1.5, size=(shape.k, shape.d))
    labels = rng.integers(0, shape.k, size=shape.n)
    X = rng.standard_normal((shape.n, shape.d), dtype=np.float32)
    X += centers[labels].astype(np.float32)
    return np.ascontiguousarray(X, dtype=dtype)


def make_sparse_data(shape: Shape, dtype: str, seed: int = 0) -> Any:
    """TF-IDF-like rows: CSR, about ``shape.nnz_per_row`` terms each, L2-normalised.

    Documents come from ``2 * k`` topics, each with its own vocabulary of 400
    terms; four fifths of a document's terms come from its topic and the rest
    from the whole vocabulary with Zipf-like frequencies.  Repeated terms add
    up to counts; the values are counts times the terms' inverse document
    frequencies, and each row is scaled to unit length, as
    ``TfidfVectorizer`` does.

    Parameters
    ----------
    shape : Shape
        A sparse shape.
    dtype : str
        "float32" or "float64".
    seed : int, default=0
        Seed of the NumPy generator.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, d), canonical (sorted indices)
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n, d, per_row = shape.n, shape.d, shape.nnz_per_row
    n_topics = 2 * shape.k
    vocab = rng.integers(0, d, size=(n_topics, min(400, d)))
    own = max(1, 4 * per_row // 5)
    topic = rng.integers(0, n_topics, size=n)
    terms_own = vocab[topic[:, None], rng.integers(0, vocab.shape[1], (n, own))]
    zipf = 1.0 / np.arange(1, d + 1)
    terms_any = rng.choice(d, size=(n, per_row - own), p=zipf / zipf.sum())
    cols = np.concatenate([terms_own, terms_any], axis=1).ravel()
    rows = np.repeat(np.arange(n), per_row)
    counts = sp.csr_matrix((np.ones(cols.shape[0]), (rows, cols)), shape=(n, d))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=d)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    counts.data *= idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-300)) @ counts)
    counts.sort_indices()
    return counts.astype(dtype)


def make_init(X: Any, k: int, seed: int = 0) -> np.ndarray:
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
    if hasattr(X, "toarray"):
        return np.ascontiguousarray(X[rows].toarray())
    return np.ascontiguousarray(X[rows])
