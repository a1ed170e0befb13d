"""Whole-array statistics: input checks, ``tol``, the BLAS reference, labels.

Large arrays go to the parallel kernels in ``_kernels.moments``.  For small
ones, starting the parallel region (and waking its threads) costs more than the
work: with the parallel kernels, a 200 x 3 default fit took 116 us against 99
us with NumPy (best of 30 back-to-back fits).  Their sum stays in NumPy; their
means and variances go to the serial kernel, which gives the parallel kernels'
numbers in one compiled call instead of five NumPy operations on a float64
copy (200 x 3 float32: 26-33 against 87-96 us as the first call after a 0.3 s
pause, 3 against 17 us back to back).
"""

from __future__ import annotations

import numpy as np

from . import _twins
from ._jit import call
from ._kernels.moments import (
    column_means,
    column_moments_serial,
    column_variances,
    total_sum,
)
from ._sparse import CSRRows

#: Arrays with fewer values than this are summed by NumPy.
PARALLEL_MIN_VALUES = 65536


def _use_kernels(X: np.ndarray) -> bool:
    return (
        X.size >= PARALLEL_MIN_VALUES
        and X.ndim == 2
        and X.dtype in (np.float32, np.float64)
    )


def data_sum(X: np.ndarray) -> float:
    """Sum of all entries of X, accumulated in float64."""
    # The kernel reads X as one flat run of values: C order only.
    if _use_kernels(X) and X.flags.c_contiguous:
        return float(call(total_sum, _twins.total_sum, X, path="gemm"))
    return float(X.sum(dtype=np.float64))


def mean_and_variance(X: np.ndarray | CSRRows) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and population variance of a 2-D X, in float64.

    Two passes (the mean, then the squared deviations from it); X is never
    copied.  Sparse rows count their implicit zeros.
    """
    if isinstance(X, CSRRows):
        return X.mean_and_variance()
    mean, variance = np.empty(X.shape[1]), np.empty(X.shape[1])
    if _use_kernels(X):  # large data: on the budget of the BLAS path's twins
        call(column_means, _twins.column_means, X, mean, path="gemm")
        twin = _twins.column_variances
        call(column_variances, twin, X, mean, variance, path="gemm")
    else:
        call(column_moments_serial, _twins.column_moments_serial, X, mean, variance)
    return mean, variance


#: ``count_distinct_labels`` first counts every this many-th label.
_LABEL_SAMPLE_STEP = 64


def count_distinct_labels(labels: np.ndarray, n_clusters: int) -> int:
    """How many of the values 0 to ``n_clusters - 1`` occur in ``labels``.

    Labels lie in [0, k), so counting them is one pass, unlike ``np.unique``
    (a sort or hash of n values, about 1 ms at n = 100000).  But
    ``np.bincount`` first converts int32 labels to int64: 4.9 ms at 2097152
    labels, a fifth of a one-iteration fit there.  So every 64th label is
    counted first; if those hold all k values, so do all the labels, and the
    count is exact without reading the rest.  Only when the sample misses a
    value are all the labels counted.
    """
    n_samples = labels.shape[0]
    if n_samples >= 8 * _LABEL_SAMPLE_STEP * n_clusters:
        sample = labels[::_LABEL_SAMPLE_STEP]
        if np.count_nonzero(np.bincount(sample, minlength=n_clusters)) == n_clusters:
            return n_clusters
    return int(np.count_nonzero(np.bincount(labels, minlength=n_clusters)))
