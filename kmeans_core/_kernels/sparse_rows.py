"""Input-side kernels over CSR rows: checks, norms, moments, row gathering.

The passes of a run are in ``sparse.py``; these serve validation
(``_sparse``), the tolerance, seeding and the mini-batches.  ``indptr`` is
checked (``_sparse.check_csr``) before any of them reads through it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import CACHE

#: ``csr_index_status`` results.
CANONICAL, NOT_CANONICAL, OUT_OF_RANGE = 0, 1, 2


@njit(cache=CACHE)
def csr_index_status(indices, indptr, n_features):
    """Whether the column indices are canonical, and in range.

    IN indices (nnz,), indptr (n + 1,) (checked: non-decreasing, within
    ``indices``), n_features.  Returns ``OUT_OF_RANGE`` (2) if an index is
    negative or at least ``n_features``, else ``NOT_CANONICAL`` (1) if a row's
    indices are not strictly increasing (unsorted or repeated), else
    ``CANONICAL`` (0).
    """
    status = CANONICAL
    for i in range(indptr.shape[0] - 1):
        previous = -1
        for p in range(indptr[i], indptr[i + 1]):
            f = indices[p]
            if f < 0 or f >= n_features:
                return OUT_OF_RANGE
            if f <= previous:
                status = NOT_CANONICAL
            previous = f
    return status


@njit(parallel=True, cache=CACHE)
def csr_row_sq_norms(data, indptr, out):
    """``|x_i|^2`` of every row, summed in float64 in storage order.

    IN data, indptr; OUT out (n,) float64.
    """
    for i in prange(indptr.shape[0] - 1):
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            v = np.float64(data[p])
            acc += v * v
        out[i] = acc


@njit(cache=CACHE)
def csr_column_moments(data, indices, indptr, mean, variance):
    """Per-column mean and population variance over all n rows, in float64.

    Two passes: the means, then the squared deviations of the nonzeros plus
    ``mean^2`` for each row whose entry is zero.  (Serial: a parallel form
    would need a d-long partial per block.)

    IN data, indices, indptr; OUT mean (d,), variance (d,) float64.
    """
    n_samples = indptr.shape[0] - 1
    n_features = mean.shape[0]
    counts = np.zeros(n_features, dtype=np.int64)
    mean[:] = 0.0
    variance[:] = 0.0
    nnz = indptr[n_samples]
    for p in range(nnz):
        mean[indices[p]] += np.float64(data[p])
        counts[indices[p]] += 1
    for f in range(n_features):
        mean[f] /= n_samples
    for p in range(nnz):
        diff = np.float64(data[p]) - mean[indices[p]]
        variance[indices[p]] += diff * diff
    for f in range(n_features):
        variance[f] = (variance[f] + (n_samples - counts[f]) * mean[f] ** 2) / n_samples


@njit(parallel=True, cache=CACHE)
def csr_take_rows(data, indices, indptr, rows, out_data, out_indices, out_indptr):
    """Copy the rows ``rows`` (in that order) into a new CSR.

    IN data, indices, indptr, rows (m,) int64, out_indptr (m + 1,) (the
    running sums of the rows' lengths); OUT out_data, out_indices.
    """
    for r in prange(rows.shape[0]):
        i = rows[r]
        start = indptr[i]
        offset = out_indptr[r] - start
        for p in range(start, indptr[i + 1]):
            out_data[p + offset] = data[p]
            out_indices[p + offset] = indices[p]


@njit(parallel=True, cache=CACHE)
def csr_rows_to_dense(data, indices, indptr, rows, out):
    """The rows ``rows`` as dense rows: ``out[r] = X[rows[r]]``.

    IN data, indices, indptr, rows (m,) int64; OUT out (m, d).
    """
    for r in prange(rows.shape[0]):
        i = rows[r]
        out[r, :] = 0
        for p in range(indptr[i], indptr[i + 1]):
            out[r, indices[p]] = data[p]
