"""What the pruned variants (Elkan, Hamerly, Yinyang) share: bounds that stay true.

A pruned pass settles a row without computing its distances when its upper
bound is below its lower bounds.  That gives exactly Lloyd's labels only if the
bounds hold for the distances *as the kernels round them*, so every loosening
is widened by a relative slack (``bound_slack``), the center shifts are rounded
up (``round_up``), and the half center-to-center distances are lowered
(``center_half_distances``).  ``BoundedSteps`` holds the per-row bounds and the
distance counters, and ends a run with Lloyd's exhaustive pass.
"""

from __future__ import annotations

import numpy as np

from .._kernels.distances import pairwise_euclidean
from .assign import final_assignment
from .gemm import Workspace


def bound_slack(dtype: np.dtype, n_features: int) -> float:
    """Relative widening that keeps the pruning bounds true for computed distances.

    The bounds must hold for the distances as the kernels compute them (the
    root of the squared differences summed in feature order, in X's dtype),
    or a row could be settled where Lloyd's rounded distances would pick
    another center.  Such a distance is within a relative rho = (d + 4) eps / 4
    of the exact distance between the same stored values: the difference, its
    square and each of the d - 1 additions round by at most eps / 2, which the
    root halves, and the root rounds once more.  A bound b on the rounded
    distance to a center that then moves by s bounds the new rounded distance
    by (b + s) (1 + rho) / (1 - rho), about (b + s)(1 + 2 rho), and from below
    by (b - s) (1 - 2 rho); the loosening's own two roundings add eps.  Half
    a rounded center-to-center distance, lowered by a relative 2 rho, is a
    lower bound in the same sense (Elkan's and Hamerly's half-gap tests).
    This returns (d + 8) eps, more than twice the (d + 6) eps / 2 needed.  A
    bound that goes untightened for m iterations loosens by about m times it:
    0.04% after 80 iterations at d = 32 in float32.  In full fits of the
    benchmark's shapes (200000x16 and 200000x32 k=64, 100000x64 k=256,
    20000x128 k=1024, 100000x2 k=5) the widening added at most 0.03% to the
    distances computed in float32 and none in float64, and the times stayed
    within 2% (best of 7, interleaved with the unwidened bounds).
    """
    return (n_features + 8) * float(np.finfo(dtype).eps)


def round_up(center_shift: np.ndarray, dtype: np.dtype, n_features: int) -> np.ndarray:
    """The shifts in the bound dtype, raised so that loosened bounds stay bounds.

    The shifts (``common.finish_centers``) are float64 distances between the
    stored centers, rounded like any computed distance, so they are first
    raised by the float64 ``bound_slack``; one step up after the cast would
    cover that for float32 data but not for float64, and a lower bound just
    above a shift it is lowered by could otherwise stay a little too high.
    """
    raised = center_shift * (1.0 + bound_slack(np.dtype(np.float64), n_features))
    return np.nextafter(raised.astype(dtype), dtype.type(np.inf))


def center_half_distances(
    centers: np.ndarray, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """Half the distance between every pair of centers, and to the nearest other.

    Lowered by the relative ``slack`` (``bound_slack``), so the half-gap tests
    that compare them with bounds on rounded distances stay exact.
    """
    n_clusters = centers.shape[0]
    half = np.empty((n_clusters, n_clusters), dtype=centers.dtype)
    pairwise_euclidean(centers, centers, half)
    half *= centers.dtype.type(0.5 * (1.0 - slack))
    masked = half + np.diag(np.full(n_clusters, np.inf, dtype=half.dtype))
    return half, masked.min(axis=1)


class BoundedSteps:
    """Shared state of the pruning algorithms: per-sample bounds and counters.

    Subclasses say how many lower bounds a sample keeps (``_lower_shape``)
    and which kernels start, run and loosen them (``start``, ``assign``,
    ``_shift_bounds``); see ``loop`` for the protocol.
    """

    @staticmethod
    def uses_gemm(X: np.ndarray, n_clusters: int) -> bool:
        """Whether the run's passes may go through BLAS (never, unless
        overridden)."""
        return False

    def __init__(
        self, X: np.ndarray, sample_weight: np.ndarray, n_clusters: int, ws: Workspace
    ) -> None:
        self.X, self.sample_weight, self.ws = X, sample_weight, ws
        n_samples = X.shape[0]
        self.upper = np.empty(n_samples, dtype=X.dtype)
        self.lower = np.empty(self._lower_shape(n_samples, n_clusters), dtype=X.dtype)
        self.counts = np.zeros(ws.starts.shape[0] - 1, dtype=np.int64)
        self.evaluations = 0
        self.slack = bound_slack(X.dtype, X.shape[1])

    def moved(
        self, labels: np.ndarray, center_shift: np.ndarray, centers_new: np.ndarray
    ) -> None:
        self._shift_bounds(
            labels,
            round_up(center_shift, self.X.dtype, self.X.shape[1]),
            self.upper,
            self.lower,
            self.slack,
        )
        self.half, self.next_half = center_half_distances(centers_new, self.slack)
        k = centers_new.shape[0]
        self.evaluations += k * (k - 1) // 2

    def final_pass(self, centers: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
        """Lloyd's exhaustive assignment for the returned centers.

        Exhaustive, as Lloyd's, for every algorithm: then ``labels ==
        assign_labels(X, centers)`` holds by construction, whatever state the
        pruning kept (its bounds hold for the rounded distances, see
        ``bound_slack``, so a pruned pass would give the same labels).  On the
        BLAS path it reuses the run's workspace (the transposed copy, the
        distances from m).  Returns the rows' squared distances to their
        centers where the pass computed them exactly, else None
        (``assign.final_assignment``).
        """
        self.evaluations += self.X.shape[0] * centers.shape[0]
        return final_assignment(self.X, self.sample_weight, centers, self.ws, labels)
