"""Choosing the initial centers: greedy k-means++, random rows, user arrays.

The random draws happen here, in NumPy, in the same order as scikit-learn's, so
an integer ``random_state`` picks the same seeds; the distance work happens in
Numba kernels (``_kernels.seeding``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _twins, _twins_seeding
from ._blocks import block_starts, tile_starts
from ._config import TILE_ROWS
from ._jit import call, twin_timer, use_twin
from ._kernels.seeding import (
    candidate_potentials,
    distances_to_point,
    draw_candidates,
    tiled_candidate_potentials,
    transposed_tiles,
    update_closest,
)
from ._kernels.small import kmeans_plusplus_serial
from ._kernels.unrolled import UNROLLED_POTENTIALS, unrolled_applies
from ._rng import weighted_choice
from ._sparse import CSRRows
from ._validation import (
    check_array,
    check_centers,
    check_int,
    check_random_state,
    check_sample_weight,
    check_squared_norms,
)
from .init_blas import BlasScorer as _BlasScorer
from .init_sparse import sparse_kmeans_plusplus

#: From this many features on, candidate distances go through BLAS, unless the
#: direct kernels may score from a transposed copy of X (``copy_allowed``).
#: Scoring 6-8 candidates with the tiled direct kernels, each tile transposed
#: on every pass, took 3.9 ms against 13.7 through BLAS at 200000 x 32, 4.5
#: against 5.7 at 100000 x 64, but 3.2 against 1.6 at 20000 x 128 (float32, 2
#: threads); the switch sits between the last two.
_BLAS_MIN_FEATURES = 96


#: The direct scorer keeps the candidates' distances (n x L in X's dtype) when
#: they take at most a quarter of X's memory or at most this many bytes.  Kept,
#: they spare the second pass over X that lowers ``closest``: seeding took 3.9
#: against 5.9 ms at 100000 x 2 with k=5, 91 against 115 at 1000000 x 8 with k=8
#: and 65 against 84 at 200000 x 4 with k=32 (float32).
_KEPT_DISTANCES_MAX_BYTES = 64 * 2**20

#: The direct scorer works on a transposed copy of X (``_DirectScorer``) for
#: rows of at least this many bytes and at least ``_TILED_MIN_CLUSTERS`` seeds.
#: Whole seedings, tiled against not (float32 unless noted, best of 4
#: interleaved): 0.81 at 200000 x 32 k=64, 0.70 at 100000 x 64 k=256, 0.76 at
#: 200000 x 32 k=16, 0.85 at 200000 x 24 k=64, 0.85 at 100000 x 48 k=8, 0.85
#: at 200000 x 16 k=64 in float64; but 1.01 at 200000 x 16 k=64, 1.09 at
#: 200000 x 16 k=16, 1.18 at 1000000 x 16 k=8 (64-byte rows) and 1.15 at
#: 100000 x 12 k=4 in float64 (too few passes to repay the copy).  From
#: ``_BLAS_MIN_FEATURES`` on, tiled against the BLAS scorer (best of 3):
#: 791 against 859 ms at 20000 x 128 k=1024 (1692 against 1900 in float64),
#: 307 against 534 at 50000 x 96 k=256 (940 against 1362), 277 against 352 at
#: 100000 x 128 k=64, 38 against 66 at 5000 x 512 k=64, 16 against 24 at
#: 2000 x 1024 k=32, 152 against 167 at 200000 x 100 k=16.
_TILED_MIN_ROW_BYTES = 96
_TILED_MIN_CLUSTERS = 8


def scores_from_transposed_copy(X: np.ndarray, n_clusters: int) -> bool:
    """Whether k-means++ on X scores from a transposed copy, if allowed to copy.

    Rows of ``_TILED_MIN_ROW_BYTES`` or more (too wide for the per-d
    kernels), at least ``_TILED_MIN_CLUSTERS`` seeds to choose; for any d,
    since the tiled direct kernel also beat the BLAS scorer.
    """
    n_features = X.shape[1]
    return (
        n_clusters >= _TILED_MIN_CLUSTERS
        and n_features * X.dtype.itemsize >= _TILED_MIN_ROW_BYTES
        and not unrolled_applies(n_features)
    )


class _DirectScorer:
    """Candidate scoring with the direct-difference Numba kernels.

    Where the candidates' distances take at most a quarter of X's memory
    (``n_candidates <= d / 4``) or at most ``_KEPT_DISTANCES_MAX_BYTES``, the
    scoring pass keeps them, and the chosen candidate lowers ``closest`` from
    that copy instead of a second pass over X (the same numbers either way).
    For rows narrower than 64 bytes the scoring kernel is compiled with d
    built in (``unrolled.UNROLLED_POTENTIALS``; same numbers as the generic
    one): k-means++ took 54 against 65 ms at 1000000 x 8 with k=8 and 72
    against 116 ms at 1000000 x 3 with k=16 (float32, best of 7 interleaved).
    For 64-byte rows (float64, d = 8) it was no faster than the generic one
    (66-77 against 64 ms at 1000000 x 8 k=8, 58-59 against 56-57 at 100000 x
    8 k=64, best of 7, two rounds), so those keep the generic kernel.
    With ``tiled``, wider rows are scored from a transposed copy of X made
    once (see ``_tiled_scoring`` and ``_TILED_MIN_ROW_BYTES``).
    """

    def __init__(
        self,
        X: np.ndarray,
        sample_weight: np.ndarray,
        starts: np.ndarray,
        n_candidates: int,
        tiled: bool = False,
    ):
        self.X, self.sample_weight, self.starts = X, sample_weight, starts
        kept_bytes = n_candidates * X.shape[0] * X.dtype.itemsize
        small = kept_bytes <= _KEPT_DISTANCES_MAX_BYTES
        n_kept = n_candidates if 4 * n_candidates <= X.shape[1] or small else 0
        self.distances = np.empty((n_kept, X.shape[0]), dtype=X.dtype)
        row_bytes = X.shape[1] * X.dtype.itemsize
        self.kernel = (
            UNROLLED_POTENTIALS[X.shape[1]]
            if unrolled_applies(X.shape[1]) and row_bytes < 64
            else candidate_potentials
        )
        self.score = self.kernel
        self.tile_index: np.ndarray | None = None
        self.tiles: np.ndarray | None = None  # X tile by tile, made on first use
        if tiled and self.kernel is candidate_potentials:
            self.kernel = tiled_candidate_potentials
            self.tile_index = tile_starts(self.starts, TILE_ROWS)
            self.score = self._tiled_scoring
        self.twins = _twins_seeding.SeedingTwins(X, sample_weight)
        # Whether ``self.distances`` holds the last scoring pass's distances.
        self.kept = False

    def _tiled_scoring(
        self, X, sample_weight, candidates, closest, starts, out, distances
    ) -> None:
        """``candidate_potentials`` on a transposed copy of X made on first use.

        The generic kernel transposes every tile of rows on every pass, and
        that took about as long as scoring the tile; the copy costs one pass
        and X's size in memory, until seeding ends.  Same outputs.
        """
        assert self.tile_index is not None
        if self.tiles is None:
            n_features = self.X.shape[1]
            shape = (self.tile_index[-1], n_features, TILE_ROWS)
            self.tiles = np.empty(shape, self.X.dtype)
            transposed_tiles(self.X, self.starts, self.tile_index, self.tiles)
        tiled_candidate_potentials(
            self.tiles,
            self.tile_index,
            sample_weight,
            candidates,
            closest,
            starts,
            out,
            distances,
        )

    def distances_to(self, point: np.ndarray) -> np.ndarray:
        out = np.empty(self.X.shape[0])
        twin = _twins_seeding.distances_to_point
        call(distances_to_point, twin, self.X, point, out, path="seeding")
        return out

    def potentials(self, candidates: np.ndarray, closest: np.ndarray) -> np.ndarray:
        """The candidates' potentials, from the kernel or the NumPy twins.

        The twins (``_jit.use_twin``, on the "seeding" path) compute only the
        distances they need, so they keep none for ``lower``.
        """
        out = np.empty(candidates.shape[0])
        distances = self.distances[: candidates.shape[0]]
        args = (X, w, *rest) = (
            self.X,
            self.sample_weight,
            candidates,
            closest,
            self.starts,
            out,
            distances,
        )
        if self.tile_index is None:
            twins = use_twin(self.kernel, args, "seeding")
        else:
            # Asked as the tiled kernels will be called: tiles (none made yet)
            # and their index in place of X; the twins stand for both.
            tiles = np.empty((0, X.shape[1], TILE_ROWS), X.dtype)
            copy_args = (X, self.starts, self.tile_index, tiles)
            twins = use_twin(self.kernel, (tiles, self.tile_index, w, *rest), "seeding")
            twins = twins and use_twin(transposed_tiles, copy_args, "seeding")
        if twins:
            with twin_timer():
                self.twins.candidate_potentials(candidates, closest, self.starts, out)
            self.kept = False
        else:
            self.score(*args)
            self.kept = distances.shape[0] == candidates.shape[0]
        return out

    def lower(self, closest: np.ndarray, candidates: np.ndarray, best: int) -> None:
        if self.kept:
            # float32 -> float64 is exact: the same values update_closest computes.
            np.minimum(closest, self.distances[best], out=closest)
        else:
            point = candidates[best : best + 1]
            twin = self.twins.update_closest
            call(update_closest, twin, self.X, point, closest, path="seeding")


def _kmeans_plusplus(
    X: np.ndarray,
    n_clusters: int,
    sample_weight: np.ndarray,
    random_state: np.random.RandomState | np.random.Generator,
    n_local_trials: int | None = None,
    copy_allowed: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ on validated inputs (see ``kmeans_plusplus``).

    ``copy_allowed=False`` forbids the transposed copy of X that speeds up
    scoring on wide rows (``scores_from_transposed_copy``).
    """
    n_samples, n_features = X.shape
    if n_local_trials is None:
        # Arthur & Vassilvitskii's greedy variant: 2 + log(k) candidates a step.
        n_local_trials = 2 + int(math.log(n_clusters))
    starts = block_starts(n_samples, n_local_trials, n_features)
    weights64 = sample_weight.astype(np.float64)

    centers = np.empty((n_clusters, n_features), dtype=X.dtype)
    indices = np.full(n_clusters, -1, dtype=np.intp)
    first = weighted_choice(random_state, weights64)
    if starts.shape[0] == 2:
        # One block: run the whole seeding in one compiled call.  Drawing all
        # uniforms at once consumes the generator exactly as the loop below.
        uniforms = random_state.uniform(size=(n_clusters - 1, n_local_trials))
        call(
            kmeans_plusplus_serial,
            _twins.kmeans_plusplus_serial,
            *(X, sample_weight, first, uniforms, centers, indices),
        )
        return centers, indices
    centers[0] = X[first]
    indices[0] = first

    scorer: _DirectScorer | _BlasScorer
    if copy_allowed and scores_from_transposed_copy(X, n_clusters):
        scorer = _DirectScorer(X, sample_weight, starts, n_local_trials, True)
    elif n_features >= _BLAS_MIN_FEATURES:
        scorer = _BlasScorer(X, sample_weight, n_local_trials)
    else:
        scorer = _DirectScorer(X, sample_weight, starts, n_local_trials)
    closest = scorer.distances_to(centers[0:1])
    potential = float(closest @ weights64)
    candidate_ids = np.empty(n_local_trials, dtype=np.int64)

    for c in range(1, n_clusters):
        # Draw candidates with probability proportional to w * D(x)^2.
        thresholds = random_state.uniform(size=n_local_trials) * potential
        call(
            draw_candidates,
            _twins_seeding.draw_candidates,
            *(weights64, closest, thresholds, candidate_ids),
            path="seeding",
        )
        candidates = np.ascontiguousarray(X[candidate_ids])
        potentials = scorer.potentials(candidates, closest)
        best = int(np.argmin(potentials))
        potential = float(potentials[best])
        scorer.lower(closest, candidates, best)
        centers[c] = candidates[best]
        indices[c] = candidate_ids[best]
    return centers, indices


def kmeans_plusplus(
    X: Any,
    n_clusters: int,
    *,
    sample_weight: Any = None,
    x_squared_norms: Any = None,
    random_state: Any = None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose initial centers with greedy, weighted k-means++.

    The first center is a row drawn with probability proportional to its
    weight.  Each further center is the best of ``n_local_trials`` rows drawn
    with probability proportional to ``weight * D(x)^2`` (D is the distance to
    the nearest center chosen so far), where "best" means the one that leaves
    the smallest total weighted squared distance.

    On rows of 96 bytes or more (24 float32 or 12 float64 features), with at
    least 8 clusters, candidates are scored from a transposed copy of X made
    at the start (X's size in memory, freed at the end).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data to pick seeds from (scipy.sparse CSR, CSC or COO too; the
        centers are dense).
    n_clusters : int
        Number of centers to choose.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; a row of weight zero is never chosen.
    x_squared_norms : array-like of shape (n_samples,), default=None
        Squared Euclidean norms of the rows.  Used on sparse X, whose
        distances are ``|x|^2 + |c|^2 - 2 x . c`` as in scikit-learn
        (computed when not given); unused on dense X, whose kernels compute
        distances from direct differences.
    random_state : int, RandomState, Generator or None, default=None
        Source of randomness.  An int draws the same seeds as scikit-learn.
    n_local_trials : int, default=None
        Candidates per step; ``None`` means ``2 + int(ln(n_clusters))``, and 1
        gives the classic (non-greedy) k-means++.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        The chosen centers, rows of X.
    indices : ndarray of shape (n_clusters,)
        Their row indices: ``centers == X[indices]``.
    """
    X = check_array(X, accept_sparse=True)
    n_clusters = check_int(n_clusters, "n_clusters", 1)
    if n_clusters > X.shape[0]:
        raise ValueError(
            f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}."
        )
    if n_local_trials is not None:
        n_local_trials = check_int(n_local_trials, "n_local_trials", 1)
    norms = check_squared_norms(x_squared_norms, X.shape[0])
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rng = check_random_state(random_state, reuse=True)
    if isinstance(X, CSRRows):
        return sparse_kmeans_plusplus(
            X, n_clusters, weights, rng, n_local_trials, norms
        )
    return _kmeans_plusplus(X, n_clusters, weights, rng, n_local_trials)


def initial_centers(
    X: np.ndarray | CSRRows,
    n_clusters: int,
    init: str | np.ndarray | Callable[..., Any],
    sample_weight: np.ndarray,
    random_state: np.random.RandomState | np.random.Generator,
    copy_allowed: bool = True,
    x_squared_norms: np.ndarray | None = None,
) -> np.ndarray:
    """Initial centers for one run, from any supported ``init``.

    ``init`` is validated already; array inits are validated once by the caller
    and passed as arrays.  ``copy_allowed`` says whether k-means++ may make a
    working copy of X (see ``_kmeans_plusplus``).  From sparse rows the
    centers are dense, and a callable gets X as a scipy CSR matrix, not
    centred (scikit-learn centres only dense data); k-means++ on sparse rows
    uses ``x_squared_norms`` when given (validated float64).
    """
    sparse = isinstance(X, CSRRows)
    if isinstance(init, str) and init == "k-means++":
        if sparse:
            return sparse_kmeans_plusplus(
                X,
                n_clusters,
                sample_weight,
                random_state,
                x_squared_norms=x_squared_norms,
            )[0]
        centers, _ = _kmeans_plusplus(
            X, n_clusters, sample_weight, random_state, copy_allowed=copy_allowed
        )
        return centers
    if isinstance(init, str) and init == "random":
        weights64 = sample_weight.astype(np.float64)
        seeds = random_state.choice(
            X.shape[0], size=n_clusters, replace=False, p=weights64 / weights64.sum()
        )
        return X.dense_rows(seeds) if sparse else X[seeds]
    if callable(init) and sparse:
        centers = init(X.matrix(), n_clusters, random_state=random_state)
        if hasattr(centers, "toarray"):
            centers = centers.toarray()
        return check_centers(
            centers, n_clusters, X.shape[1], X.dtype, "the centers returned by init"
        )
    if callable(init):
        # As in scikit-learn, the callable sees the data centred on its mean and
        # returns centers in those coordinates; a copy, so X stays untouched.
        mean = X.mean(axis=0)
        centers = init(X - mean, n_clusters, random_state=random_state)
        centers = check_centers(
            centers, n_clusters, X.shape[1], X.dtype, "the centers returned by init"
        )
        return centers + mean
    return np.array(init, dtype=X.dtype, order="C", copy=True)
