"""Hamerly's algorithm: one upper and one lower bound per row.

Returns Lloyd's exact result with O(n) extra memory; the kernels are in
``_kernels/hamerly.py``, the shared bound arithmetic in ``bounds``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import HAMERLY_GEMM_SHARE
from .._kernels.hamerly import (
    hamerly_assign_accumulate,
    hamerly_bounds_from_dots,
    hamerly_count_doubtful,
    hamerly_init_bounds,
    hamerly_shift_bounds,
)
from .bounds import BoundedSteps, center_half_distances
from .dispatch import pruning_uses_gemm
from .gemm import Workspace, for_each_gemm_slab
from .loop import RunResult, run


class HamerlySteps(BoundedSteps):
    """Hamerly: one upper and one lower bound per sample.

    On Lloyd's BLAS shapes (``dispatch.pruning_uses_gemm``) the first assignment, and
    every pass in which more than ``HAMERLY_GEMM_SHARE`` of the rows fail the
    bound test after the centers moved, score every row through BLAS
    (``hamerly_bounds_from_dots``); the other passes search the rows in doubt
    directly.  In the early iterations nearly every row is in doubt, and a
    direct pass took 12 ms against 7-9 for a BLAS pass at 200000x32 k=64
    (float32).
    """

    @staticmethod
    def uses_gemm(X: np.ndarray, n_clusters: int) -> bool:
        return pruning_uses_gemm(n_clusters, X.shape[1])

    _shift_bounds = staticmethod(hamerly_shift_bounds)

    def __init__(
        self, X: np.ndarray, sample_weight: np.ndarray, n_clusters: int, ws: Workspace
    ) -> None:
        super().__init__(X, sample_weight, n_clusters, ws)
        self.doubtful_share = 0.0
        self.full_passes = 0

    @staticmethod
    def _lower_shape(n_samples: int, n_clusters: int) -> tuple[int, ...]:
        return (n_samples,)

    def _full_pass(
        self, centers: np.ndarray, labels: np.ndarray, accumulate: bool
    ) -> None:
        """Every row through BLAS: Lloyd's labels and fresh bounds."""
        X, ws = self.X, self.ws

        def finish_slab(first, last, start, dots_t, half_norms, tie_margin):
            hamerly_bounds_from_dots(
                X,
                self.sample_weight,
                centers,
                dots_t,
                half_norms,
                tie_margin,
                ws.row_radius,
                start,
                ws.starts,
                first,
                last,
                labels,
                self.upper,
                self.lower,
                ws.previous_labels,
                ws.partial_sums,
                ws.partial_weights,
                accumulate,
            )

        for_each_gemm_slab(X, centers, ws, finish_slab)
        self.evaluations += X.shape[0] * centers.shape[0]
        self.full_passes += 1

    def start(self, centers: np.ndarray, labels: np.ndarray) -> None:
        self.half, self.next_half = center_half_distances(centers, self.slack)
        if self.ws.gemm:
            self._full_pass(centers, labels, False)
            return
        hamerly_init_bounds(
            self.X, centers, self.ws.starts, labels, self.upper, self.lower
        )
        self.evaluations += self.X.shape[0] * centers.shape[0]

    def assign(self, centers: np.ndarray, labels: np.ndarray, accumulate: bool) -> None:
        ws = self.ws
        if ws.gemm and self.doubtful_share > HAMERLY_GEMM_SHARE:
            self._full_pass(centers, labels, accumulate)
            return
        hamerly_assign_accumulate(
            self.X,
            self.sample_weight,
            centers,
            self.next_half,
            ws.starts,
            labels,
            self.upper,
            self.lower,
            ws.previous_labels,
            ws.partial_sums,
            ws.partial_weights,
            self.counts,
            accumulate,
        )
        self.evaluations += int(self.counts.sum())

    def moved(
        self, labels: np.ndarray, center_shift: np.ndarray, centers_new: np.ndarray
    ) -> None:
        super().moved(labels, center_shift, centers_new)
        if self.ws.gemm:
            doubtful = hamerly_count_doubtful(
                labels, self.upper, self.lower, self.next_half
            )
            self.doubtful_share = doubtful / labels.shape[0]


def run_hamerly(
    X: np.ndarray, sample_weight: np.ndarray, centers_init: np.ndarray, **options: Any
) -> RunResult:
    """One run of Hamerly's algorithm: Lloyd's result with O(n) extra memory."""
    return run(HamerlySteps, X, sample_weight, centers_init, **options)
