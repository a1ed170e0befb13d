"""NumPy twins of the k-means++ kernels for data of many blocks (``_kernels.seeding``).

Greedy k-means++ on data larger than one block scores a handful of candidate
seeds per chosen center (``candidate_potentials`` or its per-d and tiled
forms) and lowers each row's distance to its nearest seed
(``update_closest``): kernels that take about 5 s to compile together.  These
twins give the same numbers bit for bit (``_twins`` explains the techniques)
and run through ``_jit.call`` on the "seeding" path until that time is spent.

A potential adds ``w * min(closest, d)`` over the rows, where ``d`` is the
squared distance summed in feature order in X's dtype.  Computing every ``d``
so in NumPy costs three operations per feature on every (row, candidate): too
slow to repay.  But only a row whose ``d`` may lie below its ``closest`` needs
``d`` itself; the others add ``w * closest``.  ``SeedingTwins`` finds them
from BLAS dot products in float64 about the data mean (``|a|^2 - 2 a.b +
|b|^2``), lowered by a bound on the rounding of both that form and the
kernel's direct sum, ``16 (d + 2) (eps_X + eps_64) (|a| + |b|)^2`` (each is
within about ``(d + 2) eps / 2`` of that square; the factor is a margin), so a
row it passes over has ``d >= closest`` for sure, and computes ``d`` by direct
differences for the rest.  Late in seeding, when a candidate is near few rows,
that is a small share.
"""

from __future__ import annotations

import numpy as np

from ._twins import squared_distances, squared_distances_to_labels

#: A candidate whose share of rows in doubt is above this gets every row's
#: distance by whole columns (three passes per feature) rather than by
#: gathering the rows in doubt.
_WHOLE_COLUMNS_SHARE = 0.25


def distances_to_point(X: np.ndarray, point: np.ndarray, out: np.ndarray) -> None:
    """Twin of ``seeding.distances_to_point``.

    IN X (n, d), point (1, d); OUT out (n,) float64.
    """
    out[:] = squared_distances(X, point)[:, 0]


def draw_candidates(
    weights: np.ndarray, closest: np.ndarray, thresholds: np.ndarray, out: np.ndarray
) -> None:
    """Twin of ``seeding.draw_candidates``: the searchsorted it stands for.

    IN weights, closest (n,) float64, thresholds (L,); OUT out (L,) int64.
    """
    running = np.cumsum(weights * closest)
    found = np.searchsorted(running, thresholds, side="left")
    np.minimum(found, closest.shape[0] - 1, out=out)


def block_totals(terms: np.ndarray, block_starts: np.ndarray, out: np.ndarray) -> None:
    """``out[c]``: each block's ``terms[c]`` added in row order from 0.0, then the
    blocks in block order (``seeding.add_potentials``, ``sum_block_partials``).

    IN terms (L, n) float64, block_starts; OUT out (L,) float64.
    """
    n_blocks = block_starts.shape[0] - 1
    partial = np.zeros((n_blocks, terms.shape[0]))
    for b in range(n_blocks):
        start, stop = block_starts[b], block_starts[b + 1]
        if stop > start:
            partial[b] = 0.0 + np.cumsum(terms[:, start:stop], axis=1)[:, -1]
    out[:] = 0.0 + np.cumsum(partial, axis=0)[-1]


def candidate_potentials(
    X: np.ndarray,
    sample_weight: np.ndarray,
    candidates: np.ndarray,
    closest: np.ndarray,
    block_starts: np.ndarray,
    out: np.ndarray,
    distances: np.ndarray,
) -> None:
    """Twin of ``seeding.candidate_potentials`` (and its per-d and tiled forms).

    Every distance computed (see ``SeedingTwins`` for the faster way).

    IN X, sample_weight, candidates (L, d), closest, block_starts; OUT out
    (L,) float64, distances (L, n) or (0, n) in X's dtype.
    """
    exact = squared_distances(X, candidates).T  # (L, n)
    if distances.shape[0]:
        distances[:] = exact
    weights = sample_weight.astype(np.float64)
    terms = weights * np.minimum(exact.astype(np.float64), closest)
    block_totals(terms, block_starts, out)


class SeedingTwins:
    """The twins of one k-means++ run on X, with what they keep between steps.

    The first call makes X's rows about their mean in float64, their norms,
    and X transposed (X's size three times over, until seeding ends).
    """

    def __init__(self, X: np.ndarray, sample_weight: np.ndarray) -> None:
        self.X = X
        self.weights = sample_weight.astype(np.float64)
        self.rows: np.ndarray | None = None

    def _prepare(self) -> None:
        if self.rows is not None:
            return
        X = self.X
        rows = X.astype(np.float64)
        self.mean = rows.mean(axis=0)
        rows -= self.mean
        self.radius = np.sqrt(np.einsum("ij,ij->i", rows, rows))
        self.norms = self.radius * self.radius
        self.columns = np.ascontiguousarray(X.T)
        n_features = X.shape[1]
        eps = float(np.finfo(X.dtype).eps) + float(np.finfo(np.float64).eps)
        self.margin = 16.0 * (n_features + 2) * eps
        self.floor = 8.0 * n_features * float(np.finfo(X.dtype).tiny)
        self.rows = rows

    def _in_doubt(self, points: np.ndarray, closest: np.ndarray) -> np.ndarray:
        """(L, n) mask: where ``d`` may lie below ``closest`` (see the module)."""
        assert self.rows is not None
        shifted = points.astype(np.float64) - self.mean
        point_norms = np.einsum("ij,ij->i", shifted, shifted)
        approx = (self.norms - 2.0 * (shifted @ self.rows.T)) + point_norms[:, None]
        reach = self.radius + np.sqrt(point_norms)[:, None]
        lowest = approx - (self.margin * (reach * reach) + self.floor)
        return lowest <= closest

    def _distances(self, point: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact float64 distances from ``point`` (d,) to ``X[rows]``."""
        n_samples = self.X.shape[0]
        if rows.shape[0] > _WHOLE_COLUMNS_SHARE * n_samples:
            whole = np.zeros(n_samples, dtype=self.X.dtype)
            for f in range(self.X.shape[1]):
                diff = self.columns[f] - point[f]
                whole += diff * diff
            return whole[rows].astype(np.float64)
        nearest = np.zeros(rows.shape[0], dtype=np.intp)
        pairs = squared_distances_to_labels(self.X[rows], point[np.newaxis], nearest)
        return pairs.astype(np.float64)

    def candidate_potentials(
        self,
        candidates: np.ndarray,
        closest: np.ndarray,
        block_starts: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """``candidate_potentials``'s ``out``, computing only the distances in doubt.

        IN candidates (L, d), closest (n,) float64, block_starts; OUT out (L,).
        """
        self._prepare()
        doubt = self._in_doubt(candidates, closest)
        base = self.weights * closest
        terms = np.repeat(base[np.newaxis], candidates.shape[0], axis=0)
        for c in range(candidates.shape[0]):
            rows = np.flatnonzero(doubt[c])
            if rows.shape[0]:
                exact = self._distances(candidates[c], rows)
                terms[c, rows] = self.weights[rows] * np.minimum(exact, closest[rows])
        block_totals(terms, block_starts, out)

    def update_closest(
        self, X: np.ndarray, point: np.ndarray, closest: np.ndarray
    ) -> None:
        """Twin of ``seeding.update_closest`` (X is the run's).

        IN X (n, d), point (1, d); INOUT closest (n,) float64.
        """
        self._prepare()
        rows = np.flatnonzero(self._in_doubt(point, closest)[0])
        if rows.shape[0]:
            exact = self._distances(point[0], rows)
            closest[rows] = np.minimum(closest[rows], exact)
