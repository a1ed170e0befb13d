"""The client side: passes over the chunks and what is done with their results.

``prepare`` validates and summarises X in one pass; ``run_lloyd`` is one
Lloyd run, one map over the chunks per iteration, with the chunk partials
added in chunk order so the result does not depend on the scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np

from .._kernels.common import (
    finish_centers,
    reduce_block_partials,
    relocate_empty_clusters,
)
from .._rng import random_integers
from .._validation import check_sample_weight
from ..drivers import RunResult, use_gemm
from .chunks import chunk_farthest, chunk_final, chunk_lloyd, chunk_moments


@dataclass
class ChunkedData:
    """Validated X and weights, their chunks as delayed blocks, and summaries."""

    X: da.Array
    weights: da.Array
    blocks: list[tuple[Any, Any]]
    offsets: np.ndarray
    chunk_weights: np.ndarray
    mean: np.ndarray
    mean_variance: float

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    def map(self, func: Callable[..., Any], *args: Any) -> tuple:
        """Run ``func(x, w, *args)`` on every chunk; results in chunk order.

        Array arguments are sent once, as their own graph node, rather than
        copied into every task.
        """
        shared = [dask.delayed(a) if isinstance(a, np.ndarray) else a for a in args]
        call = dask.delayed(func, pure=True)
        return dask.compute(*[call(x, w, *shared) for x, w in self.blocks])


def prepare(X: da.Array, weights: da.Array) -> ChunkedData:
    """Validate the values chunk by chunk and summarise X, in one pass."""
    blocks = list(
        zip(X.to_delayed().ravel(), weights.to_delayed().ravel(), strict=True)
    )
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
    data = ChunkedData(X, weights, blocks, offsets, np.empty(0), np.empty(0), 0.0)
    call = dask.delayed(chunk_moments, pure=True)
    parts = dask.compute(
        *[call(x, w, int(off)) for (x, w), off in zip(blocks, offsets, strict=False)]
    )
    # Chan et al.'s pairwise update: exact in exact arithmetic, stable in floats.
    n, mean, m2 = 0, np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for n_b, mean_b, m2_b, _ in parts:
        if n_b == 0:
            continue
        total = n + n_b
        delta = mean_b - mean
        mean = mean + delta * (n_b / total)
        m2 = m2 + m2_b + delta**2 * (n * n_b / total)
        n = total
    data.chunk_weights = np.array([p[3] for p in parts])
    if data.chunk_weights.sum() <= 0:
        check_sample_weight(np.zeros(1), 1, X.dtype)  # raises the usual message
    data.mean = mean
    data.mean_variance = float(np.mean(m2 / n))
    return data


def sample_rows(
    data: ChunkedData, size: int, rng: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random rows (all of X, in order, when it has no more than that)."""
    if data.n_samples <= size:
        return dask.compute(data.X, data.weights)
    rows = np.unique(random_integers(rng, data.n_samples, size))
    return dask.compute(data.X[rows], data.weights[rows])


def relocate(
    data: ChunkedData,
    centers: np.ndarray,
    sums: np.ndarray,
    weights: np.ndarray,
) -> None:
    """Relocate empty clusters onto the farthest rows, as the in-memory path does."""
    n_empty = int((weights == 0).sum())
    parts = data.map(chunk_farthest, centers, n_empty)
    rows = np.concatenate([p[0] for p in parts])
    row_weights = np.concatenate([p[1] for p in parts])
    labels = np.concatenate([p[2] for p in parts])
    relocate_empty_clusters(rows, row_weights, centers, labels, sums, weights)


def run_lloyd(
    data: ChunkedData,
    centers_init: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    verbose: int = 0,
    record_history: bool = False,
) -> tuple[RunResult, np.ndarray]:
    """Lloyd's algorithm, one map over the chunks per iteration.

    Convergence is tested on the center shift alone.  That stops at the same
    iteration as the in-memory test "labels unchanged, or shift <= tol": equal
    labels give bit-identical sums, so their shift is exactly 0 <= tol.
    Returns the run and the number of rows per cluster.
    """
    n_clusters, n_features = centers_init.shape
    centers = np.array(centers_init, dtype=data.X.dtype, order="C", copy=True)
    centers_new = np.empty_like(centers)
    sums = np.empty((n_clusters, n_features))
    weights = np.empty(n_clusters)
    center_shift = np.empty(n_clusters)
    reference = (
        data.mean.astype(data.X.dtype)
        if use_gemm(n_clusters, n_features, data.X.dtype)
        else None
    )
    with_inertia = bool(verbose or record_history)
    history: list[dict] | None = [] if record_history else None
    converged = False
    iteration = 0
    for iteration in range(max_iter):
        parts = data.map(chunk_lloyd, centers, reference, with_inertia)
        reduce_block_partials(
            np.stack([p[0] for p in parts]),
            np.stack([p[1] for p in parts]),
            sums,
            weights,
        )
        if (weights == 0).any():
            relocate(data, centers, sums, weights)
        finish_centers(sums, weights, centers, centers_new, center_shift)
        if with_inertia:
            inertia = float(sum(p[2] for p in parts))
            if verbose:
                print(f"Iteration {iteration}, inertia {inertia}.")
            if history is not None:
                history.append({"centers": centers.copy(), "inertia": inertia})
        centers, centers_new = centers_new, centers
        shift = float(np.dot(center_shift, center_shift))
        converged = shift <= tol
        if converged:
            if verbose:
                print(f"Converged at iteration {iteration}: center shift {shift}.")
            break
    final = data.map(chunk_final, centers)
    inertia = float(sum(p[0] for p in final))
    counts = np.sum([p[1] for p in final], axis=0)
    if history is not None:
        history.append({"centers": centers.copy(), "inertia": inertia})
    n_iter = iteration + 1
    result = RunResult(
        labels=np.empty(0, dtype=np.int32),  # labels stay lazy: see KMeans.labels_
        inertia=inertia,
        centers=centers,
        n_iter=n_iter,
        converged=converged,
        n_distance_evaluations=(n_iter + 1) * data.n_samples * n_clusters,
        history=history,
    )
    return result, counts
