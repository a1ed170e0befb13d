"""One k-means run per algorithm: the iteration loop, convergence, final labels.

Each driver takes validated arrays (C-contiguous, float32 or float64, finite)
and initial centers, and returns a ``RunResult``.  The loops are plain Python;
all per-sample work happens in the Numba kernels.

Convergence follows scikit-learn: a run stops with *strict* convergence when the
labels do not change between two iterations, or when the squared center shift,
summed over centers, is at most ``tol`` (already scaled by the data variance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numba
import numpy as np

from ._blocks import block_starts
from ._config import (
    GEMM_SLAB_BYTES,
    HAMERLY_GEMM_SHARE,
    YINYANG_FULL_PASS_SHARE,
    YINYANG_GEMM_SPEEDUP,
)
from ._kernels.common import (
    accumulate_blocks,
    finish_centers,
    reduce_block_partials,
    relocate_empty_clusters,
    update_previous_labels,
    weighted_inertia,
)
from ._kernels.distances import assign_nearest, pairwise_euclidean
from ._kernels.elkan import (
    elkan_assign_accumulate,
    elkan_init_bounds,
    elkan_shift_bounds,
)
from ._kernels.hamerly import (
    hamerly_assign_accumulate,
    hamerly_bounds_from_dots,
    hamerly_count_doubtful,
    hamerly_init_bounds,
    hamerly_shift_bounds,
)
from ._kernels.lloyd import (
    argmin_accumulate_from_dots,
    distances_to_reference,
    lloyd_assign_accumulate,
    transposed_rows,
)
from ._kernels.small import lloyd_serial
from ._kernels.unrolled import UNROLLED_KERNELS, unrolled_applies
from ._kernels.yinyang import (
    gather_rows,
    yinyang_bounds_for_rows,
    yinyang_bounds_from_dots,
    yinyang_filter,
    yinyang_init_bounds,
    yinyang_search_accumulate,
)
from ._stats import mean_and_variance
from ._threads import run_in_workers, single_threaded_blas


@dataclass
class RunResult:
    """What one k-means run produced."""

    labels: np.ndarray
    inertia: float
    centers: np.ndarray
    n_iter: int
    converged: bool
    n_distance_evaluations: int
    history: list[dict] | None = field(default=None)


def use_gemm(n_clusters: int, n_features: int) -> bool:
    """Whether the BLAS (GEMM) path beats the fused direct kernel for this shape.

    The direct kernel spends 2 vector operations per (sample, center, feature);
    BLAS spends 1 at close to peak but pays a pass over the dot products.  The
    threshold is coarse: at 200000 x 32 with k=64 the BLAS path ran 12 ms per
    iteration against 18 ms for the direct kernel alone, and at d <= 8 the
    direct kernel wins clearly; the crossover in between is not mapped yet.
    """
    return n_clusters >= 32 and n_features >= 16


class DirectKernels(NamedTuple):
    """The two direct Lloyd kernels for one data shape.

    ``assign_accumulate(X, sample_weight, centers, block_starts, labels,
    partial_sums, partial_weights)`` has the signature of
    ``lloyd.lloyd_assign_accumulate``; ``assign(X, centers, block_starts,
    labels, min_sq_dist)`` that of ``distances.assign_nearest``.
    """

    assign_accumulate: Callable
    assign: Callable


def direct_kernels(X: np.ndarray) -> DirectKernels:
    """The fastest exact direct kernels for data shaped and typed like ``X``.

    The unrolled kernels (``_kernels/unrolled.py``) where ``unrolled_applies``
    says so (d <= 8), the generic kernels otherwise.  Both give bit-identical
    results.
    """
    n_features = X.shape[1]
    if unrolled_applies(n_features):
        return DirectKernels(*UNROLLED_KERNELS[n_features])
    return DirectKernels(lloyd_assign_accumulate, assign_nearest)


def auto_algorithm(n_clusters: int, n_features: int) -> str:
    """The algorithm that ``algorithm="auto"`` runs for this shape.

    From full fits with one shared init, float32, time over Lloyd's (``python
    -m benchmarks.compare --variants --repeats 2 --shapes ...``; on our 2-core
    machine the same fit can vary by about 15% between runs):

    * Hamerly on Lloyd's BLAS path (k >= 32, d >= 16) while k * d < 16384:
      0.82 (200000x16 k=64), 0.66 (100000x64 k=64), 0.79 (100000x16 k=128),
      0.60 (100000x32 k=128), 0.88 (100000x16 k=256); Yinyang 0.67-1.17 there.
      Since Hamerly's crowded passes go through BLAS (``_HamerlySteps``):
      0.70 and 0.66 (200000x32 k=64), 0.54 and 0.49 (100000x32 k=128), 0.93
      and 0.88 (200000x16 k=64), float32 and float64, best of 2.
    * Yinyang from k * d >= 16384 with k >= 128, where one lower bound prunes
      too little: 0.78 (50000x128 k=128), 0.92 (100000x64 k=256), 0.91
      (50000x32 k=512), 0.95 (20000x128 k=1024), 1.05 (50000x16 k=1024);
      Hamerly 0.90-3.28 there.  (100000x32 k=256 sits on the line: Hamerly
      1.08, Yinyang 0.93 in that run, the other way round in others.)  Since
      Yinyang's BLAS passes scan the scores once (``yinyang``'s
      ``_best_two_scores_by_group``): 0.89 and 0.71 (100000x64 k=256), 0.93
      and 0.78 (20000x128 k=1024), float32 and float64, best of 2; Hamerly
      0.63 and 0.54 at 200000x32 k=64 in the same run.
    * Lloyd elsewhere: at d <= 8 its unrolled kernels are hard to beat
      (200000x4 k=128: Hamerly 1.32, Yinyang 1.84), and for k < 32 there is
      little to prune.

    All of them give identical results.
    """
    if not use_gemm(n_clusters, n_features):
        return "lloyd"
    if n_clusters >= 128 and n_clusters * n_features >= 16384:
        return "yinyang"
    return "hamerly"


def gemm_reference(X: np.ndarray) -> np.ndarray:
    """The point the BLAS path measures from: the data mean, or the origin.

    The expanded form's rounding errors scale with the rows' and centers'
    distances from this point (``lloyd.nearest_from_dots``), so for data far
    from the origin the BLAS path works on rows with the mean subtracted.  That
    costs a copy of every slab per pass (a sixth of the pass at 200000 x 32,
    k=64).  When the mean lies within the data's RMS spread of the origin (as
    for standardised data), distances from the origin are at most about twice
    those from the mean, so the error margins barely grow, and X is used as it
    is.  Either way the labels are exact: the margins send near-ties to a
    direct check.

    Returns the reference in X's dtype (all zeros for the origin).
    """
    mean, variances = mean_and_variance(X)
    if np.dot(mean, mean) <= variances.sum():
        return np.zeros(X.shape[1], dtype=X.dtype)
    return mean.astype(X.dtype)


class _Workspace:
    """Buffers reused across iterations of one run (allocated once per run)."""

    def __init__(self, X: np.ndarray, n_clusters: int, reference: np.ndarray):
        n_samples, n_features = X.shape
        self.starts = block_starts(n_samples, n_clusters, n_features)
        n_blocks = self.starts.shape[0] - 1
        self.partial_sums = np.empty((n_blocks, n_clusters, n_features))
        self.partial_weights = np.empty((n_blocks, n_clusters))
        self.sums = np.empty((n_clusters, n_features))
        self.weights = np.empty(n_clusters)
        self.center_shift = np.empty(n_clusters)
        self.gemm = use_gemm(n_clusters, n_features)
        self.reference = reference
        # The labels that the partial sums were last computed for, when the
        # caller keeps them (``_run`` does): blocks whose labels did not
        # change keep their sums (``common.accumulate_block``).  Empty: none.
        self.previous_labels = np.empty(0, dtype=np.int32)
        self.centred = reference is not None and bool(reference.any())
        # X (less the reference if centred) as features x rows, for the BLAS
        # products, when the caller allows the copy (``_run``); else None.
        self.rows_t: np.ndarray | None = None
        if self.gemm:
            self.slabs = _slab_bounds(self.starts, n_clusters, X.dtype.itemsize)
            if reference is not None:
                self.row_radius = np.empty(n_samples)
                distances_to_reference(X, reference, self.row_radius)


def _slab_bounds(starts: np.ndarray, n_clusters: int, itemsize: int) -> list[int]:
    """Indices of the blocks that start each GEMM slab (whole blocks per slab)."""
    max_rows = max(1, GEMM_SLAB_BYTES // (n_clusters * itemsize))
    bounds = [0]
    n_blocks = starts.shape[0] - 1
    for b in range(1, n_blocks):
        if starts[b + 1] - starts[bounds[-1]] > max_rows:
            bounds.append(b)
    bounds.append(n_blocks)
    return bounds


def _gemm_expansion(
    centers: np.ndarray, reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """What the BLAS path needs of the centers: ``(c - m, |c - m|^2 / 2, margin)``.

    The margin bounds the expanded form's rounding errors per unit of
    ``|x - m| |c - m|`` (see ``lloyd.nearest_from_dots``).
    """
    shifted_centers = centers - reference
    half_norms = (
        0.5 * np.einsum("ij,ij->i", shifted_centers, shifted_centers, dtype=np.float64)
    ).astype(centers.dtype)
    # Twice the textbook (d + 2) eps, for safety.
    tie_margin = 4.0 * (centers.shape[1] + 2) * float(np.finfo(centers.dtype).eps)
    return shifted_centers, half_norms, tie_margin


def _dots_from_rows(
    shifted_centers: np.ndarray, rows: np.ndarray, ws: _Workspace
) -> np.ndarray:
    """``(c - m) . (x - m)`` for some rows of X, centers x rows, through BLAS.

    The rows are centred on the reference first when it is not the origin, so
    the expanded form does not cancel (see ``gemm_reference``).
    """
    centred = rows - ws.reference if ws.centred else rows
    return shifted_centers @ centred.T


def _for_each_gemm_slab(
    X: np.ndarray, centers: np.ndarray, ws: _Workspace, finish_slab: Callable
) -> None:
    """Dot products of each slab of rows with the centers, through BLAS.

    One slab per worker thread; ``finish_slab(first_block, last_block,
    slab_start, dots_t, half_norms, tie_margin)`` turns the slab's dot products
    into labels (see ``lloyd.nearest_from_dots`` for the arguments).
    """
    shifted_centers, half_norms, tie_margin = _gemm_expansion(centers, ws.reference)

    def one_slab(slab: int) -> None:
        first, last = ws.slabs[slab], ws.slabs[slab + 1]
        start, stop = ws.starts[first], ws.starts[last]
        if ws.rows_t is not None:
            dots_t = shifted_centers @ ws.rows_t[:, start:stop]
        else:
            dots_t = _dots_from_rows(shifted_centers, X[start:stop], ws)
        finish_slab(first, last, start, dots_t, half_norms, tie_margin)

    with single_threaded_blas():
        run_in_workers(one_slab, range(len(ws.slabs) - 1))


def _assign_with_gemm(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    ws: _Workspace,
    labels: np.ndarray,
    accumulate: bool,
) -> None:
    """Lloyd assignment through BLAS: one slab of rows per worker thread."""

    def finish_slab(first, last, start, dots_t, half_norms, tie_margin):
        argmin_accumulate_from_dots(
            X,
            sample_weight,
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
            ws.previous_labels,
            ws.partial_sums,
            ws.partial_weights,
            accumulate,
        )

    _for_each_gemm_slab(X, centers, ws, finish_slab)


def assign_labels(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Nearest-center labels for X (the ``predict`` path)."""
    n_samples = X.shape[0]
    labels = np.empty(n_samples, dtype=np.int32)
    if use_gemm(*centers.shape):
        ws = _Workspace(X, centers.shape[0], gemm_reference(X))
        _assign_with_gemm(X, np.ones(0, X.dtype), centers, ws, labels, False)
    else:
        starts = block_starts(n_samples, *centers.shape)
        assign = direct_kernels(X).assign
        assign(X, centers, starts, labels, np.empty(n_samples, X.dtype))
    return labels


def inertia_of(
    X: np.ndarray, sample_weight: np.ndarray, centers: np.ndarray, labels: np.ndarray
) -> float:
    """Weighted sum of squared distances to the assigned centers."""
    starts = block_starts(X.shape[0], *centers.shape)
    return float(weighted_inertia(X, sample_weight, centers, labels, starts))


def _update_centers(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    centers_new: np.ndarray,
    labels: np.ndarray,
    ws: _Workspace,
) -> None:
    """Reduce block partials, relocate empty clusters, average, measure shifts."""
    reduce_block_partials(ws.partial_sums, ws.partial_weights, ws.sums, ws.weights)
    relocate_empty_clusters(X, sample_weight, centers, labels, ws.sums, ws.weights)
    finish_centers(ws.sums, ws.weights, centers, centers_new, ws.center_shift)


class _LloydSteps:
    """Exhaustive assignment: the fused direct kernel or the GEMM path."""

    uses_gemm = True

    def __init__(self, X, sample_weight, n_clusters, ws):
        self.X, self.sample_weight, self.ws = X, sample_weight, ws
        self.evaluations = 0
        self._per_pass = X.shape[0] * n_clusters
        self._direct = direct_kernels(X)

    def start(self, centers, labels):
        pass

    def assign(self, centers, labels, accumulate):
        X, ws = self.X, self.ws
        if ws.gemm:
            _assign_with_gemm(X, self.sample_weight, centers, ws, labels, accumulate)
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

    def moved(self, labels, center_shift, centers_new):
        pass


class _BoundedSteps:
    """Shared state of the pruning algorithms: per-sample bounds and counters.

    Subclasses say how many lower bounds a sample keeps (``lower_bounds_per_sample``)
    and which kernels start, run and loosen them.
    """

    uses_gemm = False

    def __init__(self, X, sample_weight, n_clusters, ws):
        self.X, self.sample_weight, self.ws = X, sample_weight, ws
        n_samples = X.shape[0]
        self.upper = np.empty(n_samples, dtype=X.dtype)
        self.lower = np.empty(self._lower_shape(n_samples, n_clusters), dtype=X.dtype)
        self.counts = np.zeros(ws.starts.shape[0] - 1, dtype=np.int64)
        self.evaluations = 0
        self.slack = bound_slack(X.dtype, X.shape[1])

    def moved(self, labels, center_shift, centers_new):
        self._shift_bounds(
            labels,
            _round_up(center_shift, self.X.dtype, self.X.shape[1]),
            self.upper,
            self.lower,
            self.slack,
        )
        self.half, self.next_half = _center_half_distances(centers_new, self.slack)
        k = centers_new.shape[0]
        self.evaluations += k * (k - 1) // 2


class _ElkanSteps(_BoundedSteps):
    """Elkan: n x k lower bounds, center-to-center distances each iteration."""

    _shift_bounds = staticmethod(elkan_shift_bounds)

    @staticmethod
    def _lower_shape(n_samples, n_clusters):
        return (n_samples, n_clusters)

    def start(self, centers, labels):
        self.half, self.next_half = _center_half_distances(centers, self.slack)
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

    def assign(self, centers, labels, accumulate):
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


class _HamerlySteps(_BoundedSteps):
    """Hamerly: one upper and one lower bound per sample.

    On Lloyd's BLAS shapes (``use_gemm``) the first assignment, and every pass
    in which more than ``HAMERLY_GEMM_SHARE`` of the rows fail the bound test
    after the centers moved, score every row through BLAS
    (``hamerly_bounds_from_dots``); the other passes search the rows in doubt
    directly.  In the early iterations nearly every row is in doubt, and a
    direct pass took 12 ms against 7-9 for a BLAS pass at 200000x32 k=64
    (float32).
    """

    uses_gemm = True
    _shift_bounds = staticmethod(hamerly_shift_bounds)

    def __init__(self, X, sample_weight, n_clusters, ws):
        super().__init__(X, sample_weight, n_clusters, ws)
        self.doubtful_share = 0.0
        self.full_passes = 0

    @staticmethod
    def _lower_shape(n_samples, n_clusters):
        return (n_samples,)

    def _full_pass(self, centers, labels, accumulate):
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

        _for_each_gemm_slab(X, centers, ws, finish_slab)
        self.evaluations += X.shape[0] * centers.shape[0]
        self.full_passes += 1

    def start(self, centers, labels):
        self.half, self.next_half = _center_half_distances(centers, self.slack)
        if self.ws.gemm:
            self._full_pass(centers, labels, False)
            return
        hamerly_init_bounds(
            self.X, centers, self.ws.starts, labels, self.upper, self.lower
        )
        self.evaluations += self.X.shape[0] * centers.shape[0]

    def assign(self, centers, labels, accumulate):
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

    def moved(self, labels, center_shift, centers_new):
        super().moved(labels, center_shift, centers_new)
        if self.ws.gemm:
            doubtful = hamerly_count_doubtful(
                labels, self.upper, self.lower, self.next_half
            )
            self.doubtful_share = doubtful / labels.shape[0]


class _YinyangSteps(_BoundedSteps):
    """Yinyang: upper bound plus one lower bound per group of centers.

    On Lloyd's BLAS shapes (``use_gemm``) the first assignment is a full pass
    through BLAS that sets every bound.  A later pass whose group searches
    would compute more than a ``1 / YINYANG_GEMM_SPEEDUP`` share of the
    distances from its rows in doubt to all k centers scores those rows
    through BLAS instead (``_rows_pass``; a full pass when they are more than
    ``YINYANG_FULL_PASS_SHARE`` of all rows); the other passes search only the
    groups whose bounds fail.
    """

    uses_gemm = True

    def __init__(self, X, sample_weight, n_clusters, ws):
        self.n_groups = yinyang_group_count(n_clusters)
        super().__init__(X, sample_weight, n_clusters, ws)
        self.shift = np.zeros(n_clusters, dtype=X.dtype)
        self.group_shift = np.zeros(self.n_groups, dtype=X.dtype)
        self.best_sq = np.empty(X.shape[0], dtype=X.dtype)
        self.estimates = np.zeros_like(self.counts)
        self.full_passes = 0
        self.rows_passes = 0

    def _lower_shape(self, n_samples, n_clusters):
        return (n_samples, self.n_groups)

    def start(self, centers, labels):
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

    def _full_pass(self, centers, labels, accumulate):
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

        _for_each_gemm_slab(X, centers, ws, finish_slab)
        # n x k scores plus one direct distance per row for the upper bound.
        self.evaluations += X.shape[0] * (centers.shape[0] + 1)
        self.full_passes += 1

    def _rows_pass(self, centers, labels, rows, accumulate):
        """The rows in doubt through BLAS, gathered: exact labels, fresh bounds.

        The other rows keep their labels (the filter proved them) and their
        loosened bounds.  Cut into slabs as the full pass is, one per worker
        thread at a time.
        """
        X, ws = self.X, self.ws
        shifted_centers, half_norms, tie_margin = _gemm_expansion(centers, ws.reference)
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
            dots_t = _dots_from_rows(shifted_centers, rows_X, ws)
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

    def assign(self, centers, labels, accumulate):
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

    def moved(self, labels, center_shift, centers_new):
        # Yinyang loosens its bounds inside the next assignment pass.
        self.shift = _round_up(center_shift, self.X.dtype, self.X.shape[1])
        self.group_shift = np.full(self.n_groups, 0, dtype=self.X.dtype)
        np.maximum.at(self.group_shift, self.group_of, self.shift)


def yinyang_group_count(n_clusters: int) -> int:
    """Number of center groups: about k/20.

    Ding et al. recommend k/10 for a search that goes center by center.  Ours
    gathers the rows that need a group into tiles, which costs about as much
    per (row, group) as scoring ten centers, so larger groups pay off.  With
    this function patched to k/10, k/20 and k/32 in one timing loop (full
    fits from one shared init, float32, best of 4 interleaved runs), k/20 took
    0.79-0.94x the time of k/10 at 100000x16 k=128, 100000x64 k=256, 50000x32
    k=512 and 20000x128 k=1024, and the same at 200000x32 k=64; k/32 measured
    like k/20.  The bounds take n x k/20 floats.
    """
    return max(1, (n_clusters + 10) // 20)


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


def _round_up(center_shift: np.ndarray, dtype: np.dtype, n_features: int) -> np.ndarray:
    """The shifts in the bound dtype, raised so that loosened bounds stay bounds.

    The shifts (``common.finish_centers``) are float64 distances between the
    stored centers, rounded like any computed distance, so they are first
    raised by the float64 ``bound_slack``; one step up after the cast would
    cover that for float32 data but not for float64, and a lower bound just
    above a shift it is lowered by could otherwise stay a little too high.
    """
    raised = center_shift * (1.0 + bound_slack(np.dtype(np.float64), n_features))
    return np.nextafter(raised.astype(dtype), dtype.type(np.inf))


def _center_half_distances(
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


def _run(
    steps_class: type,
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers_init: np.ndarray,
    *,
    max_iter: int = 300,
    tol: float = 0.0,
    verbose: int = 0,
    record_history: bool = False,
    copy_x: bool = True,
) -> RunResult:
    """The iteration loop shared by every algorithm.

    Each iteration assigns all samples (accumulating per-block sums), turns the
    sums into new centers, and tells the algorithm how far the centers moved
    (so pruning algorithms can loosen their bounds).  With ``copy_x`` the BLAS
    path works from a transposed copy of X (``lloyd.transposed_rows``), held
    for the run.
    """
    n_samples, n_features = X.shape
    n_clusters = centers_init.shape[0]
    exhaustive = steps_class is _LloydSteps
    gemm = steps_class.uses_gemm and use_gemm(n_clusters, n_features)
    reference = gemm_reference(X) if gemm else None
    one_block = block_starts(n_samples, n_clusters, n_features).shape[0] == 2
    if exhaustive and not gemm and one_block and not verbose and not record_history:
        return _run_small_lloyd(X, sample_weight, centers_init, max_iter, tol)
    ws = _Workspace(X, n_clusters, reference)
    ws.gemm = gemm
    if gemm and copy_x:
        ws.rows_t = np.empty((n_features, n_samples), dtype=X.dtype)
        transposed_rows(X, reference, ws.centred, ws.rows_t)
    steps = steps_class(X, sample_weight, n_clusters, ws)
    centers = np.array(centers_init, dtype=X.dtype, order="C", copy=True)
    centers_new = np.empty_like(centers)
    labels = np.full(n_samples, -1, dtype=np.int32)
    labels_old = labels.copy()
    # labels_old is updated after every accumulating pass, so it always holds
    # the labels the partial sums belong to.
    ws.previous_labels = labels_old
    history: list[dict] | None = [] if record_history else None
    steps.start(centers, labels)
    strict = converged = False
    iteration = 0
    for iteration in range(max_iter):
        steps.assign(centers, labels, True)
        _update_centers(X, sample_weight, centers, centers_new, labels, ws)
        steps.moved(labels, ws.center_shift, centers_new)
        if verbose or history is not None:
            inertia = inertia_of(X, sample_weight, centers, labels)
            if verbose:
                print(f"Iteration {iteration}, inertia {inertia}.")
            if history is not None:
                history.append({"centers": centers.copy(), "inertia": inertia})
        centers, centers_new = centers_new, centers
        if update_previous_labels(labels, labels_old) == 0:
            # Same labels give the same means: the returned centers are final.
            strict = converged = True
            if verbose:
                print(f"Converged at iteration {iteration}: strict convergence.")
            break
        shift = float(np.dot(ws.center_shift, ws.center_shift))
        if shift <= tol:
            converged = True
            if verbose:
                print(
                    f"Converged at iteration {iteration}: center shift {shift} "
                    f"within tolerance {tol}."
                )
            break
    if not strict:
        # The centers moved after the last assignment: assign once more so the
        # labels belong to the returned centers.  Exhaustively, as Lloyd does,
        # for every algorithm: then ``labels == assign_labels(X, centers)``
        # holds by construction, whatever state the pruning kept (its bounds
        # hold for the rounded distances, see ``bound_slack``, so a pruned
        # pass would give the same labels).  On the BLAS path it reuses the
        # run's workspace (the transposed copy, the distances from m).
        if exhaustive:
            steps.assign(centers, labels, False)
        else:
            if ws.gemm:
                _assign_with_gemm(X, sample_weight, centers, ws, labels, False)
            else:
                labels[:] = assign_labels(X, centers)
            steps.evaluations += n_samples * n_clusters
    inertia = inertia_of(X, sample_weight, centers, labels)
    if history is not None:
        history.append({"centers": centers.copy(), "inertia": inertia})
    return RunResult(
        labels=labels,
        inertia=inertia,
        centers=centers,
        n_iter=iteration + 1,
        converged=converged,
        n_distance_evaluations=steps.evaluations,
        history=history,
    )


def _run_small_lloyd(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers_init: np.ndarray,
    max_iter: int,
    tol: float,
) -> RunResult:
    """Lloyd on data that fits one block: the whole run in one compiled call."""
    centers = np.array(centers_init, dtype=X.dtype, order="C", copy=True)
    labels = np.empty(X.shape[0], dtype=np.int32)
    n_iter, converged, inertia = lloyd_serial(
        X, sample_weight, centers, max_iter, tol, labels
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


def run_lloyd(X, sample_weight, centers_init, **options) -> RunResult:
    """One run of Lloyd's algorithm from ``centers_init``."""
    return _run(_LloydSteps, X, sample_weight, centers_init, **options)


def run_elkan(X, sample_weight, centers_init, **options) -> RunResult:
    """One run of Elkan's algorithm: Lloyd's result with fewer distances."""
    return _run(_ElkanSteps, X, sample_weight, centers_init, **options)


def run_yinyang(X, sample_weight, centers_init, **options) -> RunResult:
    """One run of Yinyang k-means: Lloyd's result with group-level pruning."""
    return _run(_YinyangSteps, X, sample_weight, centers_init, **options)


def run_hamerly(X, sample_weight, centers_init, **options) -> RunResult:
    """One run of Hamerly's algorithm: Lloyd's result with O(n) extra memory."""
    return _run(_HamerlySteps, X, sample_weight, centers_init, **options)


DRIVERS = {
    "lloyd": run_lloyd,
    "elkan": run_elkan,
    "hamerly": run_hamerly,
    "yinyang": run_yinyang,
}
