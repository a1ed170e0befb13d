"""The steps of ``MiniBatchKMeans``: one batch update, and when to stop.

``minibatch_step`` assigns a batch with Lloyd's kernels (``drivers.assign``),
moves each center to the running weighted mean of the rows it absorbed, and
reassigns centers that absorbed little; ``EarlyStopping`` is scikit-learn's
stopping rule on the smoothed batch inertia.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels.minibatch import minibatch_update_centers
from ._sparse import CSRRows, dense_rows
from .drivers import (
    Workspace,
    accumulate_batch,
    blas_applies,
    gemm_reference,
    row_kernels,
)


def minibatch_step(
    X: np.ndarray | CSRRows,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    centers_new: np.ndarray,
    counts: np.ndarray,
    rng: Any,
    *,
    random_reassign: bool,
    reassignment_ratio: float,
    verbose: int,
) -> float:
    """One mini-batch update; returns the batch inertia before the update."""
    blas = X.shape[0] and blas_applies(X, centers.shape[0])
    ws = Workspace(X, centers.shape[0], gemm_reference(X) if blas else None)
    labels = np.empty(X.shape[0], dtype=np.int32)
    accumulate_batch(X, sample_weight, centers, ws, labels)
    inertia = float(
        row_kernels(X, centers.shape[0]).inertia(
            X, sample_weight, centers, labels, ws.starts
        )
    )
    minibatch_update_centers(ws.sums, ws.weights, centers, centers_new, counts)
    if random_reassign and reassignment_ratio > 0:
        reassign_low_counts(X, centers_new, counts, rng, reassignment_ratio, verbose)
    return inertia


def reassign_low_counts(
    X: np.ndarray | CSRRows,
    centers: np.ndarray,
    counts: np.ndarray,
    rng: Any,
    reassignment_ratio: float,
    verbose: int,
) -> None:
    """Move centers with little absorbed weight onto random rows of the batch."""
    to_reassign = counts < reassignment_ratio * counts.max()
    # Never move more than half a batch worth of centers at once.
    if to_reassign.sum() > 0.5 * X.shape[0]:
        keep = np.argsort(counts, kind="stable")[int(0.5 * X.shape[0]) :]
        to_reassign[keep] = False
    n_reassigns = int(to_reassign.sum())
    if n_reassigns:
        rows = rng.choice(X.shape[0], replace=False, size=n_reassigns)
        if verbose:
            print(f"[MiniBatchKMeans] Reassigning {n_reassigns} cluster centers.")
        centers[to_reassign] = dense_rows(X, rows)
    if (~to_reassign).any():
        # Not zero: a reassigned center would be reassigned again at once.
        counts[to_reassign] = np.min(counts[~to_reassign])


class EarlyStopping:
    """scikit-learn's stopping rule for ``MiniBatchKMeans.fit``.

    The batch inertia is normalised by the batch size and smoothed by an
    exponentially weighted average (EWA) whose span is about one pass over the
    data; the fit stops when the centers barely move (``tol``) or when the EWA
    has not improved for ``max_no_improvement`` steps.
    """

    def __init__(
        self,
        batch_size: int,
        n_samples: int,
        tol: float,
        max_no_improvement: int | None,
        verbose: int,
    ) -> None:
        self.batch_size = batch_size
        self.alpha = min(batch_size * 2.0 / (n_samples + 1), 1.0)
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.verbose = verbose
        self.ewa_inertia: float | None = None
        self.ewa_inertia_min: float | None = None
        self.no_improvement = 0

    def stop(self, step: int, n_steps: int, shift: float, batch_inertia: float) -> bool:
        """Whether to stop after ``step`` (0-based)."""
        batch_inertia /= self.batch_size
        step += 1
        # The first step measures the inertia of the initialisation.
        if step == 1:
            if self.verbose:
                print(
                    f"Minibatch step {step}/{n_steps}: mean batch inertia: "
                    f"{batch_inertia}"
                )
            return False
        if self.ewa_inertia is None:
            self.ewa_inertia = batch_inertia
        else:
            self.ewa_inertia = (
                self.ewa_inertia * (1 - self.alpha) + batch_inertia * self.alpha
            )
        if self.verbose:
            print(
                f"Minibatch step {step}/{n_steps}: mean batch inertia: "
                f"{batch_inertia}, ewa inertia: {self.ewa_inertia}"
            )
        if self.tol > 0.0 and shift <= self.tol:
            if self.verbose:
                print(f"Converged (small centers change) at step {step}/{n_steps}")
            return True
        if self.ewa_inertia_min is None or self.ewa_inertia < self.ewa_inertia_min:
            self.no_improvement = 0
            self.ewa_inertia_min = self.ewa_inertia
        else:
            self.no_improvement += 1
        if (
            self.max_no_improvement is not None
            and self.no_improvement >= self.max_no_improvement
        ):
            if self.verbose:
                print(
                    "Converged (lack of improvement in inertia) at step "
                    f"{step}/{n_steps}"
                )
            return True
        return False
