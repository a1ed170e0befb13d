"""``kmeans_core.dask.KMeans``: the in-memory estimator's API over dask arrays."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np

from .._validation import check_centers, check_int, check_random_state
from ..drivers import RunResult
from ..estimator import KMeans as InMemoryKMeans
from ..init import initial_centers
from ..runs import resolve_n_init
from .checks import as_dask_array, as_dask_weights
from .chunks import chunk_final, predict_block, transform_block
from .parallel_init import kmeans_parallel
from .passes import ChunkedData, prepare, run_lloyd, sample_rows

#: Rows drawn (when X has more) for the "k-means++", "random" and callable
#: inits, which run in memory on that sample.
INIT_SAMPLE_SIZE = 20_000


class KMeans(InMemoryKMeans):
    """K-means on Dask arrays, with k-means|| initialisation.

    The parameters, attributes and results are those of
    :class:`kmeans_core.KMeans`, except that ``labels_``, ``predict`` and
    ``transform`` give lazy dask arrays, and the default ``init`` is
    "k-means||".  From the same initial centers the fit equals the in-memory
    fit (up to rounding), for any chunking.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters.
    init : {"k-means||", "k-means++", "random"}, callable or array-like of \
            shape (n_clusters, n_features), default="k-means||"
        "k-means||" is Bahmani et al.'s scalable k-means++ (``init_rounds``
        passes over the data plus one); "k-means++", "random" and callables run
        in memory on ``INIT_SAMPLE_SIZE`` random rows (on all of X when it is
        not larger, which then gives the in-memory estimator's initial centers
        for the same ``random_state``); an array gives the centers.
    n_init : "auto" or int, default="auto"
        Runs from different initialisations (each is a full fit over the data);
        "auto" means 1 for "k-means||", "k-means++" and arrays, else 10.
    max_iter : int, default=300
        Maximum number of Lloyd iterations (passes over the data) per run.
    tol : float, default=1e-4
        Stop when the summed squared center shift is at most ``tol`` times the
        mean feature variance.
    verbose : int, default=0
        Print progress when > 0.
    random_state : int, RandomState, Generator or None, default=None
        Randomness of the initialisation.
    copy_x : bool, default=True
        Kept for compatibility; X is never modified.
    algorithm : {"lloyd", "elkan", "auto"}, default="lloyd"
        Accepted for compatibility; every value runs Lloyd, since Elkan's
        per-row bounds would have to be kept between passes (and give the same
        result anyway).
    record_history : bool, default=False
        Keep centers and inertia per iteration in ``history_`` (costs one more
        kernel per chunk and iteration).
    oversampling_factor : float, default=2.0
        k-means|| draws about ``oversampling_factor * n_clusters`` candidates
        per round.
    init_rounds : int, default=5
        Rounds of k-means|| sampling.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : dask array of shape (n_samples,), int32
        Lazy: computing it is one more pass over X.
    inertia_ : float
    n_iter_ : int
    converged_ : bool
    n_distance_evaluations_ : int
    n_features_in_ : int
    history_ : list of dict
        Only with ``record_history=True``.

    Examples
    --------
    >>> import dask.array as da
    >>> from kmeans_core.dask import KMeans
    >>> X = da.random.default_rng(0).normal(size=(10_000, 4), chunks=(2_500, 4))
    >>> km = KMeans(n_clusters=3, random_state=0).fit(X)
    >>> km.labels_.shape
    (10000,)
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray | Callable[..., Any] = "k-means||",
        n_init: int | str = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        verbose: int = 0,
        random_state: Any = None,
        copy_x: bool = True,
        algorithm: str = "lloyd",
        record_history: bool = False,
        oversampling_factor: float = 2.0,
        init_rounds: int = 5,
    ) -> None:
        super().__init__(
            n_clusters,
            init=init,
            n_init=n_init,
            max_iter=max_iter,
            tol=tol,
            verbose=verbose,
            random_state=random_state,
            copy_x=copy_x,
            algorithm=algorithm,
            record_history=record_history,
        )
        self.oversampling_factor = oversampling_factor
        self.init_rounds = init_rounds

    def _in_memory_init(self) -> Any:
        """``init`` as the in-memory checks know it (k-means|| is seeding too)."""
        is_parallel = isinstance(self.init, str) and self.init == "k-means||"
        return "k-means++" if is_parallel else self.init

    def _check_params(self) -> None:
        init, self.init = self.init, self._in_memory_init()
        try:
            super()._check_params()
        finally:
            self.init = init
        factor = self.oversampling_factor
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise TypeError(f"oversampling_factor must be a number, got {factor!r}.")
        if not np.isfinite(factor) or factor <= 0:
            raise ValueError(f"oversampling_factor must be > 0, got {factor}.")
        check_int(self.init_rounds, "init_rounds", 1)

    def _initial_centers(self, data: ChunkedData, init: Any, rng: Any) -> np.ndarray:
        if isinstance(init, str) and init == "k-means||":
            return kmeans_parallel(
                data,
                self.n_clusters,
                rng,
                oversampling_factor=self.oversampling_factor,
                n_rounds=self.init_rounds,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        if isinstance(init, str) or callable(init):
            X, weights = sample_rows(data, INIT_SAMPLE_SIZE, rng)
            return initial_centers(X, self.n_clusters, init, weights, rng)
        return init

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMeans:
        """Compute k-means clustering of a dask (or NumPy) array.

        Parameters
        ----------
        X : dask array or array-like of shape (n_samples, n_features)
            Training data; NumPy input is wrapped in a dask array.
        y : Ignored
            Present for API consistency.
        sample_weight : dask array or array-like of shape (n_samples,), \
                default=None
            Non-negative weights, used by the initialisation and every pass.

        Returns
        -------
        self : KMeans
            The fitted estimator.
        """
        self._check_params()
        X = as_dask_array(X)
        n_samples, n_features = X.shape
        if n_samples < self.n_clusters:
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters}."
            )
        weights = as_dask_weights(sample_weight, X)
        init = self.init
        if not isinstance(init, str) and not callable(init):
            init = check_centers(init, self.n_clusters, n_features, X.dtype, "init")
        n_init = resolve_n_init(
            self.n_init, self._in_memory_init(), type(self).__name__
        )
        data = prepare(X, weights)
        tol = data.mean_variance * self.tol
        rng = check_random_state(self.random_state)
        best: tuple[RunResult, np.ndarray] | None = None
        for _ in range(n_init):
            centers = self._initial_centers(data, init, rng)
            if self.verbose:
                print("Initialization complete")
            run = run_lloyd(
                data,
                centers,
                max_iter=self.max_iter,
                tol=tol,
                verbose=self.verbose,
                record_history=self.record_history,
            )
            if best is None or run[0].inertia < best[0].inertia:
                best = run
        assert best is not None
        result, counts = best
        self._store_fit(
            result, None, result.inertia, int((counts > 0).sum()), n_features, None
        )
        self.labels_ = self._predict_dask(X)  # lazy: needs the centers stored
        return self

    # ----------------------------------------------------------------- predict
    def _check_dask_test_data(self, X: Any) -> da.Array:
        self._check_fitted()
        X = as_dask_array(X, dtype=self.cluster_centers_.dtype)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        return X

    def _predict_dask(self, X: da.Array) -> da.Array:
        return X.map_blocks(
            predict_block, self.cluster_centers_, drop_axis=1, dtype=np.int32
        )

    def predict(self, X: Any) -> da.Array:
        """Index of the nearest center for each sample, as a lazy dask array.

        Parameters
        ----------
        X : dask array or array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : dask array of shape (n_samples,), int32
        """
        return self._predict_dask(self._check_dask_test_data(X))

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> da.Array:
        """Fit, then return ``labels_`` (lazy)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X: Any) -> da.Array:
        """Euclidean distance to each center, as a lazy dask array (n, k)."""
        X = self._check_dask_test_data(X)
        k = self.cluster_centers_.shape[0]
        return X.map_blocks(
            transform_block,
            self.cluster_centers_,
            chunks=(X.chunks[0], (k,)),
            dtype=X.dtype,
        )

    def fit_transform(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> da.Array:
        """Fit, then return ``transform(X)`` (lazy)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Opposite of the inertia of X with respect to the centers (computed)."""
        X = self._check_dask_test_data(X)
        weights = as_dask_weights(sample_weight, X)
        data = prepare(X, weights)
        return -float(sum(p[0] for p in data.map(chunk_final, self.cluster_centers_)))
