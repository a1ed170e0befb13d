"""The ``KMeans`` estimator and the ``k_means`` function.

Parameters, attributes and semantics follow ``sklearn.cluster.KMeans``
(scikit-learn 1.9), on dense and scipy.sparse data, so it can replace it in
existing code; see the README for the few deliberate differences (and those on
sparse input).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _persistence, _twins
from ._jit import call
from ._kernels.distances import pairwise_euclidean
from ._rng import random_integers
from ._sparse import take_rows
from ._stats import count_distinct_labels
from ._validation import (
    check_array,
    check_centers,
    check_params,
    check_random_state,
    check_sample_weight,
    check_squared_norms,
    feature_names_of,
)
from .base import ParamsMixin
from .drivers import RunResult, assign_labels, labels_and_inertia, row_kernels
from .drivers.first_use import first_fit_algorithm
from .exceptions import convergence_warning, not_fitted_error
from .init import initial_centers
from .runs import fit_kmeans, resolve_n_init, scaled_tolerance


class KMeans(ParamsMixin):
    """K-means clustering with a Numba core, a drop-in for scikit-learn's KMeans.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters (and centers) to find.
    init : {"k-means++", "random"}, callable or array-like of shape \
            (n_clusters, n_features), default="k-means++"
        How to choose the initial centers.  "k-means++" is greedy weighted
        k-means++; "random" draws ``n_clusters`` distinct rows in proportion to
        their weights; a callable is called as ``init(X, n_clusters,
        random_state=rng)`` and returns centers; an array gives them directly.
    n_init : "auto" or int, default="auto"
        How many runs from different initialisations; the one with the lowest
        inertia is kept.  "auto" means 1 for "k-means++" and arrays, and 10 for
        "random" and callables.
    max_iter : int, default=300
        Maximum number of iterations of one run.
    tol : float, default=1e-4
        A run stops when the summed squared movement of the centers is at most
        ``tol`` times the mean variance of the features (or when no label
        changes, which is checked first).
    verbose : int, default=0
        Print progress when > 0.
    random_state : int, RandomState, Generator or None, default=None
        Randomness for the initialisation.  An int gives reproducible results,
        and the same initial centers as scikit-learn with that int.
    copy_x : bool, default=True
        Whether the fit may hold a working copy of X.  kmeans_core never
        modifies X in place (the centring that scikit-learn applies to all of
        X is applied to slabs, or to the copy below, where it matters).  With
        True, k-means++ on rows of 96 bytes or more (24 float32 or 12 float64
        features) and at least 8 clusters scores candidates from a transposed
        copy of X, freed when seeding ends; it seeded 20-30% faster at 100000
        x 64 with k=256 and 200000 x 32 with k=64, with the same seeds.  And
        where the iterations take the BLAS path (k * d large, see
        ``docs/algorithm.md``) each run holds X transposed (and centred, where
        the BLAS path centres): an assignment pass took 0.84 of the time at
        200000 x 32 with k=64 and 0.95-0.99 at 100000 x 64 with k=256, with
        the same results.  With False nothing is copied, and C-contiguous
        float input is used as it is; from 96 features on, k-means++ then
        scores through BLAS, whose rounding differs slightly and can pick
        another seed where two candidates leave almost the same potential.
    algorithm : {"lloyd", "elkan", "hamerly", "yinyang", "auto"}, default="auto"
        "lloyd" is the exhaustive assignment.  "elkan" (n x k bounds),
        "hamerly" (two bounds per sample) and "yinyang" (bounds per group of
        about 20 centers) prune distance computations with the triangle
        inequality and return exactly Lloyd's labels, centers and ``n_iter_``.
        "auto" picks the fastest for the shape, from our measurements
        (``python -m benchmarks.compare --variants``): for k >= 32 and
        d >= 16, "hamerly" while k * d < 16384 (0.5-0.95x Lloyd's time) and
        "yinyang" from k >= 128 and k * d >= 16384 (0.7-1.1x); "lloyd"
        elsewhere (both pruners are slower at d <= 8, and Elkan was slower on
        every shape measured); Hamerly instead of Yinyang when Yinyang's
        bounds would pass 512 MiB.  Since every choice gives Lloyd's exact
        result, "auto" is the default (scikit-learn's is "lloyd"; the results
        are the same, only ``n_distance_evaluations_`` and the time differ).
        On sparse X, every algorithm runs Lloyd's passes over the CSR rows;
        the results are identical.
    record_history : bool, default=False
        Keep, for the best run, the centers and inertia after every iteration
        in ``history_`` (for learning and plotting; costs one inertia pass per
        iteration).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Coordinates of the centers, in the dtype of X (float32 or float64).
    labels_ : ndarray of shape (n_samples,)
        Nearest-center label of each training sample; ``labels_ == predict(X)``.
    inertia_ : float
        Weighted sum of squared distances of the samples to their centers.
    n_iter_ : int
        Iterations run by the best run.
    converged_ : bool
        Whether the best run stopped by label stability or ``tol`` rather than
        by reaching ``max_iter``.
    n_distance_evaluations_ : int
        Point-to-center distances computed by the best run (for comparing
        algorithms).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.
    history_ : list of dict
        Only with ``record_history=True``: per iteration, ``{"centers",
        "inertia"}`` (centers before the update and the inertia of that
        assignment), and finally the returned centers.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_core import KMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    """

    _algorithms = ("lloyd", "elkan", "hamerly", "yinyang", "auto")

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray | Callable[..., Any] = "k-means++",
        n_init: int | str = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        verbose: int = 0,
        random_state: Any = None,
        copy_x: bool = True,
        algorithm: str = "auto",
        record_history: bool = False,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.copy_x = copy_x
        self.algorithm = algorithm
        self.record_history = record_history

    def __sklearn_tags__(self) -> Any:
        # Only scikit-learn calls this, so importing it here costs nothing to
        # users who do not have it.
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type="clusterer",
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64", "float32"]),
            input_tags=InputTags(allow_nan=False, sparse=True),
        )

    # --------------------------------------------------------------------- fit
    def _check_params(self) -> None:
        check_params(
            n_clusters=self.n_clusters,
            init=self.init,
            n_init=self.n_init,
            max_iter=self.max_iter,
            tol=self.tol,
            algorithm=self.algorithm,
            verbose=self.verbose,
            algorithms=self._algorithms,
        )

    def _resolve_algorithm(self, X: np.ndarray) -> str:
        algorithm = self.algorithm
        if algorithm == "auto":
            algorithm = first_fit_algorithm(X, self.n_clusters)
        if algorithm != "lloyd" and self.n_clusters == 1:
            warnings.warn(
                f"algorithm={algorithm!r} doesn't make sense for a single cluster. "
                "Using 'lloyd' instead.",
                RuntimeWarning,
                stacklevel=3,
            )
            algorithm = "lloyd"
        return algorithm

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMeans:
        """Compute k-means clustering.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data: numbers only, finite.  Float32 stays float32; other
            numeric types become float64.  scipy.sparse input (CSR used as it
            is; CSC, COO and others converted to CSR once) gives dense
            centers.  X is never modified.
        y : Ignored
            Present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample (None: all 1).  Weights are used
            by k-means++ and "random" seeding and by every iteration.

        Returns
        -------
        self : KMeans
            The fitted estimator.
        """
        self._check_params()
        names = feature_names_of(X)
        X = check_array(X, accept_sparse=True)
        n_samples, n_features = X.shape
        if n_samples < self.n_clusters:
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters}."
            )
        weights = check_sample_weight(sample_weight, n_samples, X.dtype)
        init = self.init
        if not isinstance(init, str) and not callable(init):
            init = check_centers(init, self.n_clusters, n_features, X.dtype, "init")
        n_init = resolve_n_init(self.n_init, self.init, type(self).__name__)
        self._n_init = n_init
        algorithm = self._resolve_algorithm(X)
        result = fit_kmeans(
            X,
            weights,
            n_clusters=self.n_clusters,
            init=init,
            n_init=n_init,
            max_iter=self.max_iter,
            tol=scaled_tolerance(X, self.tol),
            algorithm=algorithm,
            random_state=self.random_state,
            verbose=self.verbose,
            record_history=self.record_history,
            copy_x=self.copy_x,
        )
        labels, inertia = result.labels, result.inertia
        n_distinct = count_distinct_labels(labels, self.n_clusters)
        self._store_fit(result, labels, inertia, n_distinct, n_features, names)
        return self

    def _store_fit(
        self,
        result: RunResult,
        labels: Any,
        inertia: float,
        n_distinct: int,
        n_features: int,
        names: np.ndarray | None,
    ) -> None:
        """Warn as scikit-learn does, then set the fitted attributes.

        Shared with ``kmeans_core.dask.KMeans``, whose ``labels`` are lazy.
        """
        if n_distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({n_distinct}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate points "
                "in X.",
                convergence_warning(),
                stacklevel=3,
            )
        if not result.converged:
            warnings.warn(
                f"KMeans did not converge within max_iter={self.max_iter} "
                "iterations; increase max_iter or tol for a converged result.",
                convergence_warning(),
                stacklevel=3,
            )
        self.cluster_centers_ = result.centers
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = result.n_iter
        self.converged_ = result.converged
        self.n_distance_evaluations_ = result.n_distance_evaluations
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        if self.record_history:
            self.history_ = result.history
        elif hasattr(self, "history_"):
            del self.history_

    def _init_centroids(
        self,
        X: Any,
        x_squared_norms: Any,
        init: Any,
        random_state: Any,
        sample_weight: Any,
        init_size: int | None = None,
        n_centroids: int | None = None,
    ) -> np.ndarray:
        """Initial centers as one run of ``fit`` draws them (scikit-learn's hook).

        scikit-learn's private method of the same name, kept because code
        and tests written against scikit-learn call it: ``init`` is any
        ``init`` the estimator takes, ``init_size`` rows (drawn with
        replacement) are seeded from instead of all of X when given,
        ``n_centroids`` defaults to ``n_clusters``.  ``x_squared_norms`` (the
        rows' squared norms, or None) is used by k-means++ on sparse X, as in
        ``kmeans_plusplus``.
        """
        X = check_array(X, accept_sparse=True)
        n_centroids = self.n_clusters if n_centroids is None else n_centroids
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        norms = check_squared_norms(x_squared_norms, X.shape[0])
        rng = check_random_state(random_state)
        if init_size is not None and init_size < X.shape[0]:
            rows = random_integers(rng, X.shape[0], init_size)
            X, weights = take_rows(X, rows), weights[rows]
            norms = None if norms is None else norms[rows]
        if not isinstance(init, str) and not callable(init):
            init = check_centers(init, n_centroids, X.shape[1], X.dtype, "init")
        return initial_centers(
            X, n_centroids, init, weights, rng, x_squared_norms=norms
        )

    # ----------------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "cluster_centers_"):
            raise not_fitted_error(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with appropriate arguments before using this estimator."
            )

    def _check_test_data(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validated X and the centers, both in the wider of their two dtypes."""
        self._check_fitted()
        names = feature_names_of(X)
        fitted_names = getattr(self, "feature_names_in_", None)
        if names is not None and fitted_names is not None:
            if names.shape != fitted_names.shape or (names != fitted_names).any():
                raise ValueError(
                    "The feature names should match those that were passed "
                    f"during fit: expected {list(fitted_names)}, got {list(names)}."
                )
        elif names is not None:
            warnings.warn(
                f"X has feature names, but {type(self).__name__} was fitted without "
                "feature names",
                UserWarning,
                stacklevel=3,
            )
        elif fitted_names is not None:
            warnings.warn(
                "X does not have valid feature names, but "
                f"{type(self).__name__} was fitted with feature names",
                UserWarning,
                stacklevel=3,
            )
        X = check_array(X, accept_sparse=True)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        centers = self.cluster_centers_
        if X.dtype != centers.dtype:
            # float64 data on a float32 model (or the reverse) is compared in
            # float64: nothing is rounded down.
            X = X.astype(np.float64, copy=False)
            centers = centers.astype(np.float64)
        return X, centers

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest center for each sample of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New data.

        Returns
        -------
        labels : ndarray of shape (n_samples,), int32
        """
        X, centers = self._check_test_data(X)
        return assign_labels(X, centers)

    def fit_predict(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> np.ndarray:
        """Fit, then return ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distance from each sample to each center, shape (n, k)."""
        X, centers = self._check_test_data(X)
        kernels = row_kernels(X, centers.shape[0])
        if kernels.dense and kernels.blocks(X, centers.shape[0]).shape[0] == 2:
            out = np.empty((X.shape[0], centers.shape[0]), dtype=X.dtype)
            call(pairwise_euclidean, _twins.pairwise_euclidean, X, centers, out)
            return out
        return kernels.distances(X, centers)

    def fit_transform(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> np.ndarray:
        """Fit, then return ``transform(X)``."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Opposite of the inertia of X with respect to the fitted centers."""
        X, centers = self._check_test_data(X)
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        return -labels_and_inertia(X, weights, centers)[1]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the ``transform`` outputs: ``kmeans0``, ``kmeans1``, ..."""
        self._check_fitted()
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}{i}" for i in range(self.cluster_centers_.shape[0])],
            dtype=object,
        )

    # ------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """Save the fitted model to an ``.npz`` file that loads without pickle."""
        self._check_fitted()
        _persistence.save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> KMeans:
        """Load a model saved by ``save``; never executes code from the file."""
        return _persistence.load_model(cls, path)


def k_means(
    X: Any,
    n_clusters: int,
    *,
    sample_weight: Any = None,
    init: Any = "k-means++",
    n_init: int | str = "auto",
    max_iter: int = 300,
    verbose: bool = False,
    tol: float = 1e-4,
    random_state: Any = None,
    copy_x: bool = True,
    algorithm: str = "auto",
    return_n_iter: bool = False,
) -> tuple:
    """K-means clustering, function form.

    Parameters are those of :class:`KMeans`.

    Returns
    -------
    centroid : ndarray of shape (n_clusters, n_features)
    label : ndarray of shape (n_samples,)
    inertia : float
    best_n_iter : int
        Only when ``return_n_iter`` is True.
    """
    est = KMeans(
        n_clusters=n_clusters,
        init=init,
        n_init=n_init,
        max_iter=max_iter,
        verbose=verbose,
        tol=tol,
        random_state=random_state,
        copy_x=copy_x,
        algorithm=algorithm,
    ).fit(X, sample_weight=sample_weight)
    if return_n_iter:
        return est.cluster_centers_, est.labels_, est.inertia_, est.n_iter_
    return est.cluster_centers_, est.labels_, est.inertia_
