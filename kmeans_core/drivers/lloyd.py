"""Lloyd's algorithm: every row scored against every center, each iteration.

The assignment runs the fused direct kernels or the BLAS slabs, as
``dispatch`` decides; data that fits one block runs whole in one compiled call
(``_kernels/small.py``), which skips the Python loop's per-iteration overhead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _twins
from .._blocks import block_starts
from .._jit import call
from .._kernels.small import lloyd_serial
from .assign import final_assignment
from .dispatch import blas_applies, row_kernels
from .gemm import Workspace, assign_with_gemm
from .loop import RunResult, run


class LloydSteps:
    """Exhaustive assignment: the fused direct kernel or the GEMM path."""

    @staticmethod
    def uses_gemm(X: np.ndarray, n_clusters: int) -> bool:
        return blas_applies(X, n_clusters)

    def __init__(
        self, X: np.ndarray, sample_weight: np.ndarray, n_clusters: int, ws: Workspace
    ) -> None:
        self.X, self.sample_weight, self.ws = X, sample_weight, ws
        self.evaluations = 0
        self._per_pass = X.shape[0] * n_clusters
        self._direct = row_kernels(X, n_clusters).direct

    def start(self, centers: np.ndarray, labels: np.ndarray) -> None:
        pass

    def assign(self, centers: np.ndarray, labels: np.ndarray, accumulate: bool) -> None:
        X, ws = self.X, self.ws
        if ws.gemm:
            assign_with_gemm(X, self.sample_weight, centers, ws, labels, accumulate)
        elif accumulate:
            self._direct.assign_accumulate(
                X,
                self.sample_weight,
                centers,
                ws.starts,
                labels,
                ws.partial_sums,
                ws.partial_weights,
            )
        else:
            self._direct.assign(
                X, centers, ws.starts, labels, np.empty(X.shape[0], X.dtype)
            )
        self.evaluations += self._per_pass

    def moved(
        self, labels: np.ndarray, center_shift: np.ndarray, centers_new: np.ndarray
    ) -> None:
        pass

    def final_pass(self, centers: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
        """One more exhaustive pass, on the run's workspace, without sums.

        Returns the rows' squared distances to their centers where the pass
        computed them exactly (``assign.final_assignment``), else None.
        """
        self.evaluations += self._per_pass
        return final_assignment(self.X, self.sample_weight, centers, self.ws, labels)


def run_lloyd(
    X: np.ndarray, sample_weight: np.ndarray, centers_init: np.ndarray, **options: Any
) -> RunResult:
    """One run of Lloyd's algorithm from ``centers_init``."""
    n_samples, n_features = X.shape
    n_clusters = centers_init.shape[0]
    one_block = block_starts(n_samples, n_clusters, n_features).shape[0] == 2
    if (
        row_kernels(X, n_clusters).dense
        and not blas_applies(X, n_clusters)
        and one_block
        and not options.get("verbose")
        and not options.get("record_history")
    ):
        return run_small_lloyd(
            X,
            sample_weight,
            centers_init,
            options.get("max_iter", 300),
            options.get("tol", 0.0),
        )
    return run(LloydSteps, X, sample_weight, centers_init, **options)


def run_small_lloyd(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers_init: np.ndarray,
    max_iter: int,
    tol: float,
) -> RunResult:
    """Lloyd on data that fits one block: the whole run in one compiled call."""
    centers = np.array(centers_init, dtype=X.dtype, order="C", copy=True)
    labels = np.empty(X.shape[0], dtype=np.int32)
    n_iter, converged, inertia = call(
        lloyd_serial,
        _twins.lloyd_serial,
        *(X, sample_weight, centers, max_iter, tol, labels),
    )
    strict_pass = 0 if converged and n_iter < max_iter else 1
    return RunResult(
        labels=labels,
        inertia=float(inertia),
        centers=centers,
        n_iter=int(n_iter),
        converged=bool(converged),
        n_distance_evaluations=(n_iter + strict_pass) * X.shape[0] * centers.shape[0],
    )
