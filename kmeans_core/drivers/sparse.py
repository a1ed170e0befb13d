"""Lloyd's pass, relocation and inertia over CSR rows (``_sparse.CSRRows``).

These functions have the signatures of the dense kernels that
``dispatch.RowKernels`` bundles, with ``CSRRows`` in place of X, so the
iteration loop and the mini-batch steps run sparse data unchanged; each
prepares what the kernels in ``_kernels/sparse.py`` need of the centers (their
transpose, norms and radius) and calls them.

On sparse data every ``algorithm`` runs these passes: Lloyd's result, which
the pruned variants return anyway (``dispatch.run_algorithm``).
"""

from __future__ import annotations

import numpy as np

from .._blocks import sparse_block_starts
from .._kernels.sparse import (
    center_norms,
    sparse_accumulate,
    sparse_assign,
    sparse_inertia,
    sparse_pairwise_distances,
    sparse_relocate_empty_clusters,
    sparse_settle_near_ties,
)
from .._sparse import CSRRows

#: Units in the last place of float64 (the arithmetic of every sparse kernel).
_UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2


def blocks(X: CSRRows, n_clusters: int) -> np.ndarray:
    """The fixed row blocks of X's partial sums (``_blocks.sparse_block_starts``)."""
    return sparse_block_starts(X.shape[0], n_clusters, X.shape[1], X.nnz)


def exact_norms(centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``|c|^2`` of each center as a double-double ``(hi, lo)`` pair."""
    hi, lo = np.empty(centers.shape[0]), np.empty(centers.shape[0])
    center_norms(centers, hi, lo)
    return hi, lo


#: Largest relative error of rounding a float64 center coordinate to float32.
_FLOAT32_ROUNDING = 2.0**-24


class _CenterTerms:
    """What the assignment needs of the centers: transpose, half norms, radius.

    The transpose that the scores gather from is float32 for either dtype:
    every nonzero of a row reads one row of it (k values) at a column chosen
    by the data, so at large d the pass waits on memory, and float32 halves
    what it reads.  At 100000 x 20000 with k=50 (25 nonzeros per row) the
    products of a float64 pass took 214 ms of CPU time from the float64
    transpose (8 MB, beyond this machine's caches) and 150 ms from the
    float32 one (one thread; at 100000 x 200, 88 and 51 ms).  For float64
    data the rounding of the centers to float32 is part of the scores'
    error bound (``tie_margin``), so it only sends more near-ties to the
    exact re-decision: the labels are the same.
    """

    def __init__(self, X: CSRRows, centers: np.ndarray) -> None:
        self.centers = np.ascontiguousarray(centers, dtype=X.dtype)
        self.centers_t = np.ascontiguousarray(self.centers.T, dtype=np.float32)
        self.half_norms = 0.5 * np.einsum(
            "ij,ij->i", self.centers, self.centers, dtype=np.float64
        )
        n_features = X.shape[1]
        # At least every |c|, allowing for the rounding of the norms.
        largest = 2.0 * float(self.half_norms.max(initial=0.0))
        self.radius = np.sqrt(largest * (1.0 + 2.0 * (n_features + 2) * _UNIT_ROUNDOFF))
        # Per unit of (|x| + radius)^2: see ``_kernels.sparse.tie_bound``.
        self.tie_margin = 4.0 * (n_features + 3) * _UNIT_ROUNDOFF
        if X.dtype != np.float32:
            # x . c with c rounded to float32 errs by up to 2^-24 |x| |c|.
            self.tie_margin += 2.0 * _FLOAT32_ROUNDING


def _row_norms(X: CSRRows) -> np.ndarray:
    return np.sqrt(X.row_sq_norms())


def assign(
    X: CSRRows,
    centers: np.ndarray,
    block_starts: np.ndarray,
    labels: np.ndarray,
    min_sq_dist: np.ndarray,
) -> None:
    """Nearest-center labels of the rows of X (``distances.assign_nearest``'s role).

    ``block_starts`` and ``min_sq_dist`` are accepted for the dense kernels'
    signature; the distances are not written.
    """
    terms = _CenterTerms(X, centers)
    row_norms = _row_norms(X)
    doubtful = np.empty(X.shape[0], dtype=np.uint8)
    sparse_assign(
        *X.arrays(),
        terms.centers_t,
        terms.half_norms,
        row_norms,
        terms.tie_margin,
        terms.radius,
        labels,
        doubtful,
    )
    rows = np.flatnonzero(doubtful).astype(np.int64)
    if rows.shape[0]:
        hi, lo = exact_norms(terms.centers)
        sparse_settle_near_ties(
            *X.arrays(),
            terms.centers,
            terms.centers_t,
            terms.half_norms,
            hi,
            lo,
            row_norms,
            terms.tie_margin,
            terms.radius,
            rows,
            labels,
        )


def assign_accumulate(
    X: CSRRows,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    block_starts: np.ndarray,
    labels: np.ndarray,
    partial_sums: np.ndarray,
    partial_weights: np.ndarray,
) -> None:
    """Labels, then each block's partial sums (``lloyd_assign_accumulate``'s role)."""
    assign(X, centers, block_starts, labels, np.empty(0, X.dtype))
    sparse_accumulate(
        *X.arrays(),
        sample_weight,
        labels,
        block_starts,
        partial_sums,
        partial_weights,
    )


def relocate(
    X: CSRRows,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    labels: np.ndarray,
    sums: np.ndarray,
    weights: np.ndarray,
) -> int:
    """Empty clusters onto the farthest rows (``common.relocate_empty_clusters``)."""
    if weights.min() > 0.0:
        return 0
    hi, lo = exact_norms(centers)
    return int(
        sparse_relocate_empty_clusters(
            *X.arrays(), sample_weight, centers, hi, lo, labels, sums, weights
        )
    )


def inertia(
    X: CSRRows,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    labels: np.ndarray,
    block_starts: np.ndarray,
) -> float:
    """Exact weighted inertia (``common.weighted_inertia``'s role)."""
    hi, lo = exact_norms(centers)
    return float(
        sparse_inertia(
            *X.arrays(), sample_weight, centers, hi, lo, labels, block_starts
        )
    )


def distances(X: CSRRows, centers: np.ndarray) -> np.ndarray:
    """Euclidean distances from every row to every center, in X's dtype."""
    hi, lo = exact_norms(centers)
    out = np.empty((X.shape[0], centers.shape[0]), dtype=X.dtype)
    sparse_pairwise_distances(*X.arrays(), centers, hi, lo, out)
    return out
