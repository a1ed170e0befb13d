"""Elkan's algorithm: n x k lower bounds, center-to-center distances each iteration.

Returns Lloyd's exact result with fewer distances; the kernels are in
``_kernels/elkan.py``, the shared bound arithmetic in ``bounds``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._kernels.elkan import (
    elkan_assign_accumulate,
    elkan_init_bounds,
    elkan_shift_bounds,
)
from .bounds import BoundedSteps, center_half_distances
from .loop import RunResult, run


class ElkanSteps(BoundedSteps):
    """Elkan: n x k lower bounds, center-to-center distances each iteration."""

    _shift_bounds = staticmethod(elkan_shift_bounds)

    @staticmethod
    def _lower_shape(n_samples: int, n_clusters: int) -> tuple[int, ...]:
        return (n_samples, n_clusters)

    def start(self, centers: np.ndarray, labels: np.ndarray) -> None:
        self.half, self.next_half = center_half_distances(centers, self.slack)
        elkan_init_bounds(
            self.X,
            centers,
            self.half,
            self.ws.starts,
            labels,
            self.upper,
            self.lower,
            self.counts,
        )
        self.evaluations += int(self.counts.sum())

    def assign(self, centers: np.ndarray, labels: np.ndarray, accumulate: bool) -> None:
        ws = self.ws
        elkan_assign_accumulate(
            self.X,
            self.sample_weight,
            centers,
            self.half,
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


def run_elkan(
    X: np.ndarray, sample_weight: np.ndarray, centers_init: np.ndarray, **options: Any
) -> RunResult:
    """One run of Elkan's algorithm: Lloyd's result with fewer distances."""
    return run(ElkanSteps, X, sample_weight, centers_init, **options)
