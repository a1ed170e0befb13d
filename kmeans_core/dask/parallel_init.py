"""k-means|| (Bahmani et al., 2012): scalable k-means++ seeding over the chunks."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np

from .._rng import random_integers
from ..runs import fit_kmeans, scaled_tolerance
from .chunks import chunk_candidate_weights, chunk_oversample
from .passes import ChunkedData, sample_rows


def first_center(data: ChunkedData, rng: Any) -> np.ndarray:
    """One row drawn with probability proportional to its weight."""
    p = data.chunk_weights / data.chunk_weights.sum()
    chunk = int(rng.choice(p.shape[0], p=p))
    w = data.blocks[chunk][1].compute().astype(np.float64)
    row = int(rng.choice(w.shape[0], p=w / w.sum()))
    return np.asarray(data.X[data.offsets[chunk] + row].compute())[None, :]


def kmeans_parallel(
    data: ChunkedData,
    n_clusters: int,
    rng: Any,
    *,
    oversampling_factor: float = 2.0,
    n_rounds: int = 5,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> np.ndarray:
    """k-means|| (Bahmani et al., 2012): initial centers in ``n_rounds + 1`` passes.

    A first center drawn in proportion to the weights; then each round keeps
    every row independently with probability ``min(1, l * cost / phi)``
    (l = ``oversampling_factor * n_clusters``), about l new candidates per
    round.  Each candidate is weighted by the sample weight of the rows nearest
    to it, and the weighted candidates are reduced to ``n_clusters`` centers in
    memory by weighted k-means++ and Lloyd.
    """
    oversampling = oversampling_factor * n_clusters
    candidates = first_center(data, rng)
    run_seed = int(random_integers(rng, 2**31 - 1, 1)[0])
    call = dask.delayed(chunk_oversample, pure=True)
    for round_ in range(n_rounds):
        shared = dask.delayed(candidates)
        parts = dask.compute(
            *[
                call(x, w, shared, oversampling, (run_seed, round_, i))
                for i, (x, w) in enumerate(data.blocks)
            ]
        )
        phi = sum(p[0] for p in parts)
        if phi <= 0:
            break  # every row sits on a candidate already
        new = [rows[keys > phi / oversampling] for _, rows, keys in parts]
        candidates = np.concatenate([candidates, *new])
    if candidates.shape[0] < n_clusters:
        # Fewer distinct rows than clusters: pad with random rows.
        extra, _ = sample_rows(data, n_clusters, rng)
        candidates = np.concatenate([candidates, extra[:n_clusters]])
    candidates = np.ascontiguousarray(candidates, dtype=data.X.dtype)
    weights = np.sum(data.map(chunk_candidate_weights, candidates), axis=0)
    result = fit_kmeans(
        candidates,
        weights.astype(candidates.dtype),
        n_clusters=n_clusters,
        init="k-means++",
        n_init=1,
        max_iter=max_iter,
        tol=scaled_tolerance(candidates, tol),
        algorithm="lloyd",
        random_state=rng,
    )
    return result.centers
