"""Chunk functions: they run on the workers, on NumPy chunks.

Each calls the same kernels as the in-memory estimator on its own rows and
returns small results (k x d partial sums, a few rows, counts) that the client
combines in chunk order (``passes``).
"""

from __future__ import annotations

import numpy as np

from .._blocks import block_starts
from .._kernels.common import weighted_inertia
from .._kernels.distances import distance_to_assigned, pairwise_euclidean
from .._validation import check_finite, check_sample_weight
from ..drivers import (
    Workspace,
    accumulate_batch,
    assign_labels,
    direct_kernels,
    labels_and_inertia,
)


def contiguous(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(x), np.ascontiguousarray(w)


def chunk_moments(x: np.ndarray, w: np.ndarray, offset: int) -> tuple:
    """Validate one chunk's values; return its size, mean, M2 and weight sum."""
    x, w = contiguous(x, w)
    try:
        check_finite(x, "X")
    except ValueError as exc:
        raise ValueError(
            f"{exc} (rows counted from row {offset}, where this chunk starts)"
        ) from None
    if not (np.isfinite(w).all() and (w >= 0).all()):
        check_sample_weight(w, w.shape[0], w.dtype)  # raises the usual message
    mean = x.mean(axis=0, dtype=np.float64)
    m2 = ((x - mean) ** 2).sum(axis=0)
    return x.shape[0], mean, m2, float(w.sum(dtype=np.float64))


def chunk_lloyd(
    x: np.ndarray,
    w: np.ndarray,
    centers: np.ndarray,
    reference: np.ndarray | None,
    with_inertia: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """One Lloyd assignment of a chunk: its per-cluster sums, weights (inertia)."""
    x, w = contiguous(x, w)
    ws = Workspace(x, centers.shape[0], reference)
    labels = np.empty(x.shape[0], dtype=np.int32)
    accumulate_batch(x, w, centers, ws, labels)
    inertia = (
        float(weighted_inertia(x, w, centers, labels, ws.starts))
        if with_inertia
        else 0.0
    )
    return ws.sums, ws.weights, inertia


def chunk_farthest(
    x: np.ndarray, w: np.ndarray, centers: np.ndarray, n_far: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chunk's ``n_far`` rows farthest from their centers, with weights, labels.

    The union over chunks holds the global farthest rows, which is all that
    the relocation of empty clusters needs.
    """
    x, w = contiguous(x, w)
    labels = assign_labels(x, centers)
    distances = np.empty(x.shape[0])
    distance_to_assigned(x, centers, labels, distances)
    n_far = min(n_far, x.shape[0])
    rows = np.sort(np.argpartition(distances, -n_far)[-n_far:])
    return x[rows], w[rows], labels[rows]


def chunk_final(
    x: np.ndarray, w: np.ndarray, centers: np.ndarray
) -> tuple[float, np.ndarray]:
    """Inertia and per-cluster row counts of a chunk under the final centers."""
    x, w = contiguous(x, w)
    labels, inertia = labels_and_inertia(x, w, centers)
    return inertia, np.bincount(labels, minlength=centers.shape[0])


def chunk_nearest(
    x: np.ndarray, w: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and weighted squared distances (float64) to the nearest candidate."""
    x, w = contiguous(x, w)
    labels = np.empty(x.shape[0], dtype=np.int32)
    nearest = np.empty(x.shape[0], dtype=x.dtype)
    starts = block_starts(x.shape[0], *candidates.shape)
    direct_kernels(x, candidates.shape[0]).assign(
        x, candidates, starts, labels, nearest
    )
    return labels, w.astype(np.float64) * nearest


def chunk_oversample(
    x: np.ndarray,
    w: np.ndarray,
    candidates: np.ndarray,
    oversampling: float,
    seed: tuple[int, ...],
) -> tuple[float, np.ndarray, np.ndarray]:
    """One k-means|| round on a chunk, in a single pass.

    Row i is to be kept with probability ``min(1, l * cost_i / phi)`` (cost is
    the weighted squared distance to the nearest candidate, phi its total over
    all chunks, l the oversampling).  With a uniform draw ``u_i`` that is
    ``cost_i / u_i > phi / l``.  phi is not known yet, but it is at least this
    chunk's share, so the rows passing the test with the chunk's share are a
    superset (about ``l`` rows); they are returned with their keys and the
    client applies the exact threshold.  The draws are seeded by (run, round,
    chunk), so the result does not depend on the scheduler.
    """
    _, cost = chunk_nearest(x, w, candidates)
    phi_chunk = float(cost.sum())
    u = np.random.default_rng(seed).random(cost.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = np.where(cost > 0, cost / u, 0.0)
    keep = keys > phi_chunk / oversampling
    return phi_chunk, np.ascontiguousarray(x[keep]), keys[keep]


def chunk_candidate_weights(
    x: np.ndarray, w: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Summed sample weight of the chunk's rows nearest to each candidate."""
    labels, _ = chunk_nearest(x, w, candidates)
    return np.bincount(labels, weights=w, minlength=candidates.shape[0])


def predict_block(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    check_finite(x, "X")
    return assign_labels(x, centers)


def transform_block(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    check_finite(x, "X")
    out = np.empty((x.shape[0], centers.shape[0]), dtype=x.dtype)
    pairwise_euclidean(x, centers, out)
    return out
