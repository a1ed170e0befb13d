"""Initial centers from sparse rows (``_sparse.CSRRows``); the centers are dense.

The same draws as the dense seeding (``init``), in the same order, so an
integer ``random_state`` picks the rows that scikit-learn picks on the same
sparse data.  k-means++ measures with the expanded form ``|x|^2 + |c|^2 -
2 x . c`` (clipped at 0), as scikit-learn does on sparse data, from the rows'
squared norms (``x_squared_norms`` when the caller gives them); the
sparse-dense products are Numba kernels (``_kernels.sparse``).
"""

from __future__ import annotations

import math

import numpy as np

from ._blocks import block_starts
from ._kernels.seeding import draw_candidates
from ._kernels.sparse_seeding import (
    sparse_candidate_potentials,
    sparse_lower_closest,
)
from ._rng import weighted_choice
from ._sparse import CSRRows

#: The candidates' distances to every row are kept for lowering ``closest``
#: (instead of a second pass) while they take at most this many bytes.
_KEPT_DISTANCES_MAX_BYTES = 64 * 2**20


def sparse_kmeans_plusplus(
    X: CSRRows,
    n_clusters: int,
    sample_weight: np.ndarray,
    random_state: np.random.RandomState | np.random.Generator,
    n_local_trials: int | None = None,
    x_squared_norms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy weighted k-means++ on CSR rows; returns ``(centers, indices)``.

    ``x_squared_norms`` (float64, validated by the caller) replaces the rows'
    own squared norms in the distances.
    """
    n_samples, n_features = X.shape
    if n_local_trials is None:
        n_local_trials = 2 + int(math.log(n_clusters))
    row_sq_norms = X.row_sq_norms() if x_squared_norms is None else x_squared_norms
    weights64 = sample_weight.astype(np.float64)
    starts = block_starts(n_samples, n_local_trials, n_features)
    arrays = X.arrays()

    centers = np.empty((n_clusters, n_features), dtype=X.dtype)
    indices = np.full(n_clusters, -1, dtype=np.intp)
    first = weighted_choice(random_state, weights64)
    centers[0] = X.dense_rows(first)[0]
    indices[0] = first
    closest = np.full(n_samples, np.inf)
    sparse_lower_closest(
        *arrays, row_sq_norms, centers[0], float(row_sq_norms[first]), closest
    )
    potential = float(closest @ weights64)

    kept = n_samples * n_local_trials * 8 <= _KEPT_DISTANCES_MAX_BYTES
    distances = np.empty((n_samples if kept else 0, n_local_trials))
    partial = np.empty((starts.shape[0] - 1, n_local_trials))
    candidate_ids = np.empty(n_local_trials, dtype=np.int64)
    for c in range(1, n_clusters):
        # Rows drawn with probability proportional to w * D(x)^2.
        thresholds = random_state.uniform(size=n_local_trials) * potential
        draw_candidates(weights64, closest, thresholds, candidate_ids)
        candidates = X.dense_rows(candidate_ids)
        candidate_sq_norms = row_sq_norms[candidate_ids].astype(np.float64)
        sparse_candidate_potentials(
            *arrays,
            row_sq_norms,
            sample_weight,
            np.ascontiguousarray(candidates.T),
            candidate_sq_norms,
            closest,
            starts,
            partial,
            distances,
        )
        potentials = np.zeros(n_local_trials)
        for block in range(partial.shape[0]):  # in block order
            potentials += partial[block]
        best = int(np.argmin(potentials))
        potential = float(potentials[best])
        if kept:
            np.minimum(closest, distances[:, best], out=closest)
        else:
            sparse_lower_closest(
                *arrays,
                row_sq_norms,
                candidates[best],
                float(candidate_sq_norms[best]),
                closest,
            )
        centers[c] = candidates[best]
        indices[c] = candidate_ids[best]
    return centers, indices
