"""Sparse input: recognise it, check it, and hold it as the kernels read it.

scipy.sparse matrices and arrays are recognised by their attributes and their
class's module, so kmeans_core never imports scipy: a caller with sparse data
has it loaded already.  ``check_csr`` turns CSR, CSC, COO (and the other
formats) into ``CSRRows``: CSR float32/float64 data with int32/int64 indices is
used without a copy; anything else is converted once, and nothing is ever
written into the caller's matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels.sparse_rows import (
    NOT_CANONICAL,
    OUT_OF_RANGE,
    csr_column_moments,
    csr_index_status,
    csr_row_sq_norms,
    csr_rows_to_dense,
    csr_take_rows,
)

FLOAT_DTYPES = (np.float64, np.float32)
INDEX_DTYPES = (np.int32, np.int64)


def is_sparse(X: Any) -> bool:
    """Whether X is a scipy.sparse matrix or array (without importing scipy)."""
    module = getattr(type(X), "__module__", "") or ""
    return (
        module.startswith("scipy.sparse")
        and hasattr(X, "tocsr")
        and hasattr(X, "format")
    )


class CSRRows:
    """The rows of a CSR matrix, as the kernels read them.

    ``data``, ``indices`` and ``indptr`` are C-contiguous arrays (data
    float32 or float64; indices and indptr both int32 or both int64) in
    canonical form: each row's column indices strictly increasing, every
    value finite.  ``matrix()`` gives them as a scipy CSR object (for a
    callable ``init``): the caller's own when it needed no conversion.
    """

    ndim = 2

    def __init__(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        shape: tuple[int, int],
        source: Any = None,
    ) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (int(shape[0]), int(shape[1]))
        self.dtype = data.dtype
        # The scipy CSR object these arrays came from, unchanged, or another
        # scipy sparse object whose class builds one (None: neither).
        self._source = source
        self._sq_norms: np.ndarray | None = None
        self._lengths: np.ndarray | None = None

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def matrix(self) -> Any:
        """These rows as a scipy CSR object (the caller's own if unconverted)."""
        source = self._source
        if source is None:
            raise TypeError("These rows were not built from a scipy.sparse object.")
        if (
            getattr(source, "format", None) == "csr"
            and source.data is self.data
            and source.indices is self.indices
            and source.indptr is self.indptr
        ):
            return source
        csr_class = type(source.tocsr()) if source.format != "csr" else type(source)
        return csr_class((self.data, self.indices, self.indptr), shape=self.shape)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(data, indices, indptr)``, the kernels' first three arguments."""
        return self.data, self.indices, self.indptr

    def row_sq_norms(self) -> np.ndarray:
        """``|x_i|^2`` of every row in float64 (computed once, then kept)."""
        if self._sq_norms is None:
            self._sq_norms = np.empty(self.shape[0])
            csr_row_sq_norms(self.data, self.indptr, self._sq_norms)
        return self._sq_norms

    def astype(self, dtype: Any, copy: bool = True) -> CSRRows:
        """The same rows with ``data`` in ``dtype`` (self when it already is)."""
        if self.dtype == dtype:
            return self
        return CSRRows(
            self.data.astype(dtype), self.indices, self.indptr, self.shape, self._source
        )

    def take(self, rows: np.ndarray) -> CSRRows:
        """The rows ``rows`` (in that order, repeats allowed) as new ``CSRRows``."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if self._lengths is None:
            # Kept: the mini-batch estimator takes a few rows per step.
            self._lengths = np.diff(self.indptr)
        lengths = self._lengths[rows]
        indptr = np.zeros(rows.shape[0] + 1, dtype=self.indptr.dtype)
        np.cumsum(lengths, out=indptr[1:])
        data = np.empty(int(indptr[-1]), dtype=self.dtype)
        indices = np.empty(int(indptr[-1]), dtype=self.indices.dtype)
        csr_take_rows(self.data, self.indices, self.indptr, rows, data, indices, indptr)
        return CSRRows(data, indices, indptr, (rows.shape[0], self.shape[1]))

    def dense_rows(self, rows: Any) -> np.ndarray:
        """The rows ``rows`` as a dense C-contiguous array in the data dtype."""
        rows = np.ascontiguousarray(np.atleast_1d(rows), dtype=np.int64)
        out = np.empty((rows.shape[0], self.shape[1]), dtype=self.dtype)
        csr_rows_to_dense(self.data, self.indices, self.indptr, rows, out)
        return out

    def mean_and_variance(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-column mean and population variance over all rows, in float64."""
        mean, variance = np.empty(self.shape[1]), np.empty(self.shape[1])
        csr_column_moments(self.data, self.indices, self.indptr, mean, variance)
        return mean, variance


def take_rows(X: np.ndarray | CSRRows, rows: np.ndarray) -> np.ndarray | CSRRows:
    """``X[rows]`` for dense or sparse rows (sparse stays sparse)."""
    return X.take(rows) if isinstance(X, CSRRows) else X[rows]


def dense_rows(X: np.ndarray | CSRRows, rows: np.ndarray) -> np.ndarray:
    """``X[rows]`` as a dense array, for dense or sparse rows."""
    return X.dense_rows(rows) if isinstance(X, CSRRows) else X[rows]


def _as_csr_object(X: Any, name: str) -> Any:
    """X as a scipy CSR object (X itself when it is one)."""
    if X.format == "csr":
        return X
    try:
        return X.tocsr()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} could not be converted to CSR ({X.format} format): {exc}"
        ) from exc


def _check_indptr(indptr: np.ndarray, n_samples: int, nnz_stored: int, name: str):
    if indptr.ndim != 1 or indptr.shape[0] != n_samples + 1:
        raise ValueError(
            f"{name}.indptr is malformed: it has {indptr.shape[0]} entries, "
            f"but a CSR matrix with {n_samples} rows needs {n_samples + 1}."
        )
    if indptr[0] != 0:
        raise ValueError(
            f"{name}.indptr is malformed: it starts at {indptr[0]}, not 0."
        )
    if n_samples and (np.diff(indptr) < 0).any():
        raise ValueError(f"{name}.indptr is malformed: it decreases.")
    if indptr[-1] > nnz_stored:
        raise ValueError(
            f"{name}.indptr is malformed: it ends at {indptr[-1]}, but "
            f"{name} stores only {nnz_stored} values and indices."
        )


def _check_values(data: np.ndarray, name: str) -> None:
    if np.isfinite(data.sum(dtype=np.float64)):
        return
    if np.isnan(data).any():
        raise ValueError(
            f"Input {name} contains NaN among its stored values. Drop or impute "
            "missing values before clustering."
        )
    if np.isinf(data).any():
        raise ValueError(
            f"Input {name} contains infinity among its stored values. Remove or "
            "clip infinite values before clustering."
        )
    raise ValueError(
        f"Input {name} has values too large for float64 arithmetic; rescale the "
        "data before clustering."
    )


def _float_data(data: np.ndarray, dtype: Any, name: str) -> np.ndarray:
    kind = data.dtype.kind
    if kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} holds complex numbers; pass the "
            "real part or split real and imaginary parts into separate features."
        )
    if kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers; its values have dtype {data.dtype}."
        )
    if dtype is None:
        dtype = data.dtype if data.dtype in FLOAT_DTYPES else np.float64
    return np.ascontiguousarray(data, dtype=dtype)


def check_csr(
    X: Any, *, name: str = "X", dtype: Any = None, min_samples: int = 1
) -> CSRRows:
    """Validate a scipy.sparse X and return its rows as canonical ``CSRRows``.

    Raises a ValueError for NaN or infinity among the stored values, negative
    or out-of-range column indices and a malformed ``indptr``.  Unsorted or
    repeated column indices are made canonical (sorted, repeats summed) on a
    copy; the caller's matrix is never modified.
    """
    if len(X.shape) != 2:
        raise ValueError(
            f"Expected a 2D sparse matrix for {name}, got shape {X.shape}."
        )
    n_samples, n_features = (int(s) for s in X.shape)
    if n_samples < min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={X.shape}) while a "
            f"minimum of {min_samples} is required: {name} has too few rows."
        )
    if n_features < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of "
            f"1 is required: {name} has no columns."
        )
    csr = _as_csr_object(X, name)
    indptr = np.asarray(csr.indptr)
    indices = np.asarray(csr.indices)
    raw_data = np.asarray(csr.data)
    if indices.dtype.kind not in "iu" or indptr.dtype.kind not in "iu":
        raise ValueError(f"{name} has non-integer column indices or row pointers.")
    _check_indptr(indptr, n_samples, min(indices.shape[0], raw_data.shape[0]), name)
    nnz = int(indptr[-1])
    index_dtype = (
        np.int32
        if (indices.dtype == np.int32 and indptr.dtype == np.int32)
        else np.int64
    )
    indptr = np.ascontiguousarray(indptr, dtype=index_dtype)
    # Slice only where more is stored than used: a view would not be the
    # caller's array itself (``CSRRows.matrix``).
    if indices.shape[0] != nnz:
        indices = indices[:nnz]
    if raw_data.shape[0] != nnz:
        raw_data = raw_data[:nnz]
    indices = np.ascontiguousarray(indices, dtype=index_dtype)
    data = _float_data(raw_data, dtype, name)
    status = csr_index_status(indices, indptr, n_features)
    if status == OUT_OF_RANGE:
        bad = indices[(indices < 0) | (indices >= n_features)]
        raise ValueError(
            f"{name} has column indices out of range: {bad[:5].tolist()} (a "
            f"matrix with {n_features} columns needs indices in [0, {n_features}))."
        )
    _check_values(data, name)
    if status == NOT_CANONICAL:
        # Sort each row's indices and sum repeats, on a copy (scipy's own
        # methods, on an object of the caller's class).
        copy = type(csr)((data.copy(), indices.copy(), indptr.copy()), shape=X.shape)
        copy.sum_duplicates()
        csr = copy
        indptr = np.ascontiguousarray(copy.indptr, dtype=index_dtype)
        indices = np.ascontiguousarray(copy.indices, dtype=index_dtype)
        data = np.ascontiguousarray(copy.data, dtype=data.dtype)
    return CSRRows(data, indices, indptr, (n_samples, n_features), csr)
