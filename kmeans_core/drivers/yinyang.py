"""Yinyang k-means: an upper bound plus one lower bound per group of centers.

Returns Lloyd's exact result with group-level pruning; the kernels are in
``_kernels/yinyang.py`` (direct passes) and ``_kernels/yinyang_blas.py`` (BLAS
passes), the shared bound arithmetic in ``bounds``.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from .._config import GEMM_SLAB_BYTES, YINYANG_FULL_PASS_SHARE, YINYANG_GEMM_SPEEDUP
from .._kernels.common import accumulate_blocks
from .._kernels.yinyang import (
    yinyang_filter,
    yinyang_init_bounds,
    yinyang_search_accumulate,
)
from .._kernels.yinyang_blas import (
    gather_rows,
    yinyang_bounds_for_rows,
    yinyang_bounds_from_dots,
)
from .._threads import run_in_workers, single_threaded_blas
from .bounds import BoundedSteps, round_up
from .dispatch import pruning_uses_gemm, yinyang_group_count
from .gemm import Workspace, dots_from_rows, for_each_gemm_slab, gemm_expansion
from .lloyd import run_lloyd
from .loop import RunResult, run


class YinyangSteps(BoundedSteps):
    """Yinyang: upper bound plus one lower bound per group of centers.

    On Lloyd's BLAS shapes (``dispatch.pruning_uses_gemm``) the first assignment is a
    full pass through BLAS that sets every bound.  A later pass whose group
    searches would compute more than a ``1 / YINYANG_GEMM_SPEEDUP`` share of
    the distances from its rows in doubt to all k centers scores those rows
    through BLAS instead (``_rows_pass``; a full pass when they are more than
    ``YINYANG_FULL_PASS_SHARE`` of all rows); the other passes search only the
    groups whose bounds fail.
    """

    @staticmethod
    def uses_gemm(X: np.ndarray, n_clusters: int) -> bool:
        return pruning_uses_gemm(n_clusters, X.shape[1])

    def __init__(
        self, X: np.ndarray, sample_weight: np.ndarray, n_clusters: int, ws: Workspace
    ) -> None:
        self.n_groups = yinyang_group_count(n_clusters)
        super().__init__(X, sample_weight, n_clusters, ws)
        self.shift = np.zeros(n_clusters, dtype=X.dtype)
        self.group_shift = np.zeros(self.n_groups, dtype=X.dtype)
        self.best_sq = np.empty(X.shape[0], dtype=X.dtype)
        self.estimates = np.zeros_like(self.counts)
        self.full_passes = 0
        self.rows_passes = 0

    def _lower_shape(self, n_samples: int, n_clusters: int) -> tuple[int, ...]:
        return (n_samples, self.n_groups)

    def start(self, centers: np.ndarray, labels: np.ndarray) -> None:
        self.group_of = group_centers(centers, self.n_groups)
        order = np.argsort(self.group_of, kind="stable")
        self.group_members = order.astype(np.int64)
        counts = np.bincount(self.group_of, minlength=self.n_groups)
        self.group_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        ws = self.ws
        if ws.gemm:
            self._full_pass(centers, labels, True)
        else:
            yinyang_init_bounds(
                self.X,
                self.sample_weight,
                centers,
                self.group_of,
                ws.starts,
                labels,
                self.upper,
                self.lower,
                ws.partial_sums,
                ws.partial_weights,
            )
            self.evaluations += self.X.shape[0] * centers.shape[0]
        # The first pass already accumulated: the loop's first assignment, with
        # the same centers, has nothing to do.
        self.sums_current = True

    def _full_pass(
        self, centers: np.ndarray, labels: np.ndarray, accumulate: bool
    ) -> None:
        """Every distance through BLAS; exact labels and fresh bounds."""
        X, ws = self.X, self.ws

        def finish_slab(first, last, start, dots_t, half_norms, tie_margin):
            yinyang_bounds_from_dots(
                X,
                self.sample_weight,
                centers,
                dots_t,
                half_norms,
                tie_margin,
                ws.row_radius,
                start,
                self.group_ptr,
                self.group_members,
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
        # n x k scores plus one direct distance per row for the upper bound.
        self.evaluations += X.shape[0] * (centers.shape[0] + 1)
        self.full_passes += 1

    def _rows_pass(
        self,
        centers: np.ndarray,
        labels: np.ndarray,
        rows: np.ndarray,
        accumulate: bool,
    ) -> None:
        """The rows in doubt through BLAS, gathered: exact labels, fresh bounds.

        The other rows keep their labels (the filter proved them) and their
        loosened bounds.  Cut into slabs as the full pass is, one per worker
        thread at a time.
        """
        X, ws = self.X, self.ws
        shifted_centers, half_norms, tie_margin = gemm_expansion(centers, ws.reference)
        n_clusters, n_features = centers.shape
        # At most GEMM_SLAB_BYTES of scores a slab, and a slab for every
        # worker (the labels do not depend on how the rows are cut).
        slab_rows = max(
            1,
            min(
                GEMM_SLAB_BYTES // (n_clusters * X.dtype.itemsize),
                -(-rows.shape[0] // numba.get_num_threads()),
            ),
        )

        def one_slab(slab: int) -> None:
            slab_rows_ids = rows[slab * slab_rows : (slab + 1) * slab_rows]
            rows_X = np.empty((slab_rows_ids.shape[0], n_features), dtype=X.dtype)
            rows_radius = np.empty(slab_rows_ids.shape[0])
            gather_rows(X, slab_rows_ids, ws.row_radius, rows_X, rows_radius)
            dots_t = dots_from_rows(shifted_centers, rows_X, ws)
            yinyang_bounds_for_rows(
                rows_X,
                centers,
                dots_t,
                half_norms,
                tie_margin,
                rows_radius,
                self.group_ptr,
                self.group_members,
                slab_rows_ids,
                labels,
                self.upper,
                self.lower,
            )

        with single_threaded_blas():
            run_in_workers(one_slab, range(-(-rows.shape[0] // slab_rows)))
        if accumulate:
            accumulate_blocks(
                X,
                self.sample_weight,
                labels,
                ws.starts,
                ws.previous_labels,
                ws.partial_sums,
                ws.partial_weights,
            )
        # The rows' k scores plus one direct distance each for the upper bound.
        self.evaluations += rows.shape[0] * (n_clusters + 1)
        self.rows_passes += 1

    def assign(self, centers: np.ndarray, labels: np.ndarray, accumulate: bool) -> None:
        if self.sums_current:
            self.sums_current = False
            return
        X, ws = self.X, self.ws
        yinyang_filter(
            X,
            centers,
            self.shift,
            self.group_shift,
            self.group_ptr,
            ws.starts,
            labels,
            self.upper,
            self.lower,
            self.best_sq,
            self.counts,
            self.estimates,
            ws.gemm,  # the estimate only chooses between search and BLAS pass
            self.slack,
        )
        self.evaluations += int(self.counts.sum())
        searches = int(self.estimates.sum())
        doubtful = np.flatnonzero(self.best_sq >= 0) if ws.gemm else None
        if ws.gemm and searches * YINYANG_GEMM_SPEEDUP > doubtful.size * len(centers):
            if doubtful.size > YINYANG_FULL_PASS_SHARE * X.shape[0]:
                self._full_pass(centers, labels, accumulate)
            else:
                self._rows_pass(centers, labels, doubtful, accumulate)
        else:
            yinyang_search_accumulate(
                X,
                self.sample_weight,
                centers,
                self.group_ptr,
                self.group_members,
                self.group_of,
                ws.starts,
                labels,
                self.upper,
                self.lower,
                self.best_sq,
                ws.previous_labels,
                ws.partial_sums,
                ws.partial_weights,
                self.counts,
                accumulate,
            )
            self.evaluations += int(self.counts.sum())
        # The bounds are now valid for these centers: no drift pending.
        self.shift[:] = 0
        self.group_shift[:] = 0

    def moved(
        self, labels: np.ndarray, center_shift: np.ndarray, centers_new: np.ndarray
    ) -> None:
        # Yinyang loosens its bounds inside the next assignment pass.
        self.shift = round_up(center_shift, self.X.dtype, self.X.shape[1])
        self.group_shift = np.full(self.n_groups, 0, dtype=self.X.dtype)
        np.maximum.at(self.group_shift, self.group_of, self.shift)


def group_centers(centers: np.ndarray, n_groups: int) -> np.ndarray:
    """Group the initial centers by clustering them (5 Lloyd iterations).

    Deterministic: the seeds are ``n_groups`` of the centers drawn with a fixed
    seed.  (k-means++ seeding cost 40 ms at k = 1024, a tenth of a whole fit,
    and the grouping only affects how much is pruned, never the result.)
    """
    n_clusters = centers.shape[0]
    if n_groups == 1:
        return np.zeros(n_clusters, dtype=np.int64)
    points = np.ascontiguousarray(centers, dtype=np.float64)
    weights = np.ones(n_clusters)
    chosen = np.random.RandomState(0).permutation(n_clusters)[:n_groups]
    result = run_lloyd(points, weights, points[np.sort(chosen)], max_iter=5)
    return result.labels.astype(np.int64)


def run_yinyang(
    X: np.ndarray, sample_weight: np.ndarray, centers_init: np.ndarray, **options: Any
) -> RunResult:
    """One run of Yinyang k-means: Lloyd's result with group-level pruning."""
    return run(YinyangSteps, X, sample_weight, centers_init, **options)
