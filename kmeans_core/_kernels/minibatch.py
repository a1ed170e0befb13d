"""The mini-batch center update: a running weighted mean per center.

Assignment and per-block accumulation of a batch reuse the Lloyd kernels
(``lloyd.lloyd_assign_accumulate`` and ``common.reduce_block_partials``); what is
specific to mini-batch k-means is only how the batch sums are folded into the
centers, which is here.
"""

from __future__ import annotations

from numba import njit

from .._config import CACHE


@njit(cache=CACHE)
def minibatch_update_centers(sums, weights, centers_old, centers_new, counts):
    """Fold one batch into the centers: ``c <- (n c + sum w x) / (n + sum w)``.

    ``n`` is the weight the center has absorbed so far (``counts``).  A center
    that received no weight in this batch keeps its position.  The arithmetic
    runs in float64 and is cast once to the data dtype, so float32 centers do
    not drift by repeated rounding of the running mean.  ``centers_old`` and
    ``centers_new`` may be the same array (each entry is read before written).

    IN sums (k, d) float64, weights (k,) float64, centers_old (k, d);
    OUT centers_new (k, d); INOUT counts (k,) float64.
    """
    n_clusters, n_features = sums.shape
    for j in range(n_clusters):
        if weights[j] > 0.0:
            total = counts[j] + weights[j]
            scale = 1.0 / total
            for f in range(n_features):
                mean = (counts[j] * float(centers_old[j, f]) + sums[j, f]) * scale
                centers_new[j, f] = mean
            counts[j] = total
        else:
            for f in range(n_features):
                centers_new[j, f] = centers_old[j, f]
