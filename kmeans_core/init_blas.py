"""k-means++ candidate scoring through BLAS, for wide rows (``init``'s choice).

``init._kmeans_plusplus`` scores candidates with this class when rows are wide
(``init._BLAS_MIN_FEATURES``) and no transposed copy of X is allowed.
"""

from __future__ import annotations

import numpy as np

from ._kernels.seeding import distances_to_point, lower_from_dots, potentials_from_dots
from ._threads import run_in_workers, single_threaded_blas


class BlasScorer:
    """Candidate scoring through BLAS (high d).

    With m the data mean and c' = c - m, the squared distance is
    ``|x - m|^2 - 2 (x . c' - m . c') + |c'|^2``: ``|x - m|^2`` is computed once
    from direct differences, and the one BLAS product, ``x . c'``, runs on X as
    it is (no copy), so its rounding error scales with |x| |c'| (about
    ``d * eps * |m| * |c'|`` for data far from the origin) rather than with |x|^2
    as in the textbook expansion.  Negative results are clipped to 0.

    The rows are cut into fixed slabs, one per worker thread at a time (BLAS
    single-threaded inside, as on Lloyd's BLAS path, so the products and hence
    the seeds do not depend on any thread count).  Per slab, BLAS writes the
    dot products with the L candidates in X's dtype and one Numba pass turns
    them into potentials (``_kernels.seeding.potentials_from_dots``).  Where
    the products take at most a quarter of X's memory (``n_candidates <= d /
    4``) they are kept for all rows, and the chosen candidate lowers
    ``closest`` from them without a second product.
    """

    _MIN_SLAB_ROWS = 2048
    _MAX_SLABS = 64

    def __init__(
        self,
        X: np.ndarray,
        sample_weight: np.ndarray,
        n_candidates: int,
    ):
        self.X, self.sample_weight = X, sample_weight
        self.mean = X.mean(axis=0, dtype=np.float64)
        self.row_norms = np.empty(X.shape[0])
        distances_to_point(X, self.mean[np.newaxis].astype(X.dtype), self.row_norms)
        n_samples = X.shape[0]
        n_slabs = min(self._MAX_SLABS, -(-n_samples // self._MIN_SLAB_ROWS))
        self.bounds = np.linspace(0, n_samples, n_slabs + 1).round().astype(int)
        kept = 4 * n_candidates <= X.shape[1]
        self.dots = np.empty((n_samples, n_candidates), X.dtype) if kept else None
        self.partial = np.empty((n_slabs, n_candidates))
        self.scored = None  # (offsets, norms) of the candidates in self.dots

    def _expansion(self, candidates: np.ndarray):
        """``(c' transposed in X's dtype, m . c', |c'|^2)`` for the candidates."""
        points = candidates - self.mean
        points_t = np.ascontiguousarray(points.T, dtype=self.X.dtype)
        return points_t, self.mean @ points.T, np.einsum("ij,ij->i", points, points)

    def _for_each_slab(self, points_t: np.ndarray, keep: bool, task) -> None:
        """``task(slab, start, stop, dots)`` for every slab, on worker threads."""

        def one_slab(slab: int) -> None:
            start, stop = self.bounds[slab], self.bounds[slab + 1]
            if keep:
                dots = self.dots[start:stop]
                np.matmul(self.X[start:stop], points_t, out=dots)
            else:
                dots = self.X[start:stop] @ points_t
            task(slab, start, stop, dots)

        with single_threaded_blas():
            run_in_workers(one_slab, range(self.bounds.shape[0] - 1))

    def _lower_with(self, closest: np.ndarray, candidate: np.ndarray) -> None:
        points_t, offsets, norms = self._expansion(candidate)

        def task(slab, start, stop, dots):
            lower_from_dots(
                dots,
                0,
                offsets[0],
                norms[0],
                self.row_norms[start:stop],
                closest[start:stop],
            )

        self._for_each_slab(points_t, False, task)

    def distances_to(self, point: np.ndarray) -> np.ndarray:
        closest = np.full(self.X.shape[0], np.inf)
        self._lower_with(closest, point)
        return closest

    def potentials(self, candidates: np.ndarray, closest: np.ndarray) -> np.ndarray:
        points_t, offsets, norms = self._expansion(candidates)
        keep = self.dots is not None and candidates.shape[0] == self.dots.shape[1]
        partial = self.partial[:, : candidates.shape[0]]

        def task(slab, start, stop, dots):
            potentials_from_dots(
                dots,
                offsets,
                norms,
                self.row_norms[start:stop],
                closest[start:stop],
                self.sample_weight[start:stop],
                partial[slab],
            )

        self._for_each_slab(points_t, keep, task)
        self.scored = (offsets, norms) if keep else None
        total = np.zeros(candidates.shape[0])
        for slab in range(partial.shape[0]):  # in slab order: thread-independent
            total += partial[slab]
        return total

    def lower(self, closest: np.ndarray, candidates: np.ndarray, best: int) -> None:
        if self.scored is None:
            self._lower_with(closest, candidates[best : best + 1])
            return
        # The scoring pass's products: the same distances, no second product.
        offsets, norms = self.scored

        def one_slab(slab: int) -> None:
            start, stop = self.bounds[slab], self.bounds[slab + 1]
            lower_from_dots(
                self.dots[start:stop],
                best,
                offsets[best],
                norms[best],
                self.row_norms[start:stop],
                closest[start:stop],
            )

        run_in_workers(one_slab, range(self.bounds.shape[0] - 1))
