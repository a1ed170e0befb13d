"""Input checks for dask arrays: the in-memory checks, on what dask lets us see.

Shapes, dtypes and chunking are checked here, before any computation, with the
in-memory messages (``kmeans_core._validation``) applied to stand-in arrays;
value checks (NaN, negative weights) run in the first pass over the chunks
(``chunks.chunk_moments``).
"""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from .._sparse import is_sparse
from .._validation import FLOAT_DTYPES, check_array, check_sample_weight


def probe(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A read-only, zero-memory array with this shape and dtype for the checks."""
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def refuse_sparse(X: Any) -> None:
    """A TypeError for a scipy.sparse X or a dask array of sparse chunks.

    The Dask estimator's chunk kernels are the dense ones; sparse data goes to
    the in-memory ``kmeans_core.KMeans``, which takes it.
    """
    meta = getattr(X, "_meta", None) if isinstance(X, da.Array) else X
    # scipy.sparse, or pydata's ``sparse`` package (a common chunk type).
    pydata = type(meta).__module__.split(".")[0] == "sparse"
    if is_sparse(meta) or pydata:
        raise TypeError(
            "kmeans_core.dask.KMeans works on dense data only, and X is sparse "
            f"({type(meta).__module__}.{type(meta).__name__}"
            f"{' chunks' if isinstance(X, da.Array) else ''}). Cluster it in "
            "memory with kmeans_core.KMeans, which takes scipy.sparse input, or "
            "make the chunks dense (X.map_blocks(lambda b: b.toarray())) if they "
            "fit in memory that way."
        )


def as_dask_array(X: Any, dtype: Any = None) -> da.Array:
    """X as a float32/float64 dask array with one chunk across the columns.

    NumPy input (and anything array-like) is validated in memory, then wrapped.
    Sparse input, or sparse chunks, are refused (``refuse_sparse``).
    """
    refuse_sparse(X)
    if not isinstance(X, da.Array):
        return da.from_array(check_array(X, dtype=dtype), chunks=("auto", -1))
    # The in-memory checks on stand-ins, so messages are the same: first the
    # kind of values, then the shape.
    if X.dtype.kind in "USOV" and X.size:
        # Text or objects: convert a real value, so the message shows it.
        check_array(np.asarray(X[(slice(0, 1),) * X.ndim].compute()).reshape(1, 1))
    else:
        check_array(probe((1, 1), X.dtype))
    if any(np.isnan(size) for size in X.shape):
        raise ValueError(
            "X has unknown chunk sizes (nan in X.shape); call "
            "X.compute_chunk_sizes() first."
        )
    if X.ndim != 2 or 0 in X.shape:
        check_array(probe(X.shape, X.dtype))
    if dtype is None:
        dtype = X.dtype if X.dtype in FLOAT_DTYPES else np.float64
    if X.dtype != dtype:
        X = X.astype(dtype)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X


def as_dask_weights(sample_weight: Any, X: da.Array) -> da.Array:
    """Sample weights as a dask array chunked like the rows of X."""
    n_samples = X.shape[0]
    chunks = (X.chunks[0],)
    if sample_weight is None:
        return da.ones(n_samples, dtype=X.dtype, chunks=chunks)
    if not isinstance(sample_weight, da.Array):
        weights = check_sample_weight(sample_weight, n_samples, X.dtype)
        return da.from_array(weights, chunks=chunks)
    w = sample_weight
    if w.ndim != 1 or w.shape[0] != n_samples or w.dtype.kind not in "biuf":
        check_sample_weight(probe(w.shape, w.dtype), n_samples, X.dtype)
    return w.astype(X.dtype).rechunk(chunks)
