"""``MiniBatchKMeans``: k-means on random batches, with ``partial_fit`` for streams.

The semantics follow ``sklearn.cluster.MiniBatchKMeans`` (scikit-learn 1.9):
batches drawn with replacement in proportion to the sample weights, centers
updated as running weighted means, low-count centers reassigned at random,
early stopping on an exponentially weighted average of the batch inertia.  An
integer ``random_state`` consumes the random stream in scikit-learn's order.

The per-batch work reuses the Lloyd kernels (fused assignment and per-block
sums, fixed-order reduction); only the running-mean update has its own kernel.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._rng import random_integers
from ._sparse import take_rows
from ._validation import (
    check_array,
    check_centers,
    check_int,
    check_params,
    check_random_state,
    check_sample_weight,
    feature_names_of,
)
from .drivers import labels_and_inertia
from .estimator import KMeans
from .init import initial_centers
from .minibatch_steps import EarlyStopping, minibatch_step
from .runs import resolve_n_init, scaled_tolerance

#: Runs used by ``n_init="auto"`` for the "random" init and callables
#: (scikit-learn's MiniBatchKMeans uses 3 where KMeans uses 10).
DEFAULT_N_INIT_RANDOM = 3


class MiniBatchKMeans(KMeans):
    """Mini-batch k-means, a drop-in for scikit-learn's ``MiniBatchKMeans``.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters to find.
    init : {"k-means++", "random"}, callable or array-like of shape \
            (n_clusters, n_features), default="k-means++"
        Initialisation, computed on ``init_size`` random rows (see ``KMeans``).
    max_iter : int, default=100
        Maximum number of passes over the data (in expectation): ``fit`` runs
        at most ``max_iter * n_samples // batch_size`` steps.
    batch_size : int, default=1024
        Rows per mini-batch.
    verbose : int, default=0
        Print progress when > 0.
    compute_labels : bool, default=True
        Compute ``labels_`` and ``inertia_`` on the full data after fitting.
    random_state : int, RandomState, Generator or None, default=None
        Randomness for the initialisation, the batches and the reassignments.
    tol : float, default=0.0
        Stop when the summed squared movement of the centers in one step is at
        most ``tol`` times the mean feature variance (0 disables the test).
    max_no_improvement : int or None, default=10
        Stop after this many steps without improvement of the smoothed batch
        inertia (None disables the test).
    init_size : int or None, default=None
        Rows used for the initialisation; None means ``3 * batch_size``
        (at least ``3 * n_clusters``).
    n_init : "auto" or int, default="auto"
        Initialisations tried, scored on one validation subset; "auto" means 1
        for "k-means++" and arrays and 3 for "random" and callables.
    reassignment_ratio : float, default=0.01
        Centers that absorbed less than this fraction of the largest count are
        moved onto random rows of the batch.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The centers, in the dtype of X.
    labels_ : ndarray of shape (n_samples,)
        Labels of the training data (with ``compute_labels=True``), or of the
        last batch for ``partial_fit``.
    inertia_ : float
        Weighted inertia of the training data (or last batch) with
        ``compute_labels=True``; otherwise an estimate from the smoothed batch
        inertia.
    counts_ : ndarray of shape (n_clusters,), float64
        Weight absorbed by each center so far (the running-mean denominators).
    n_iter_ : int
        Passes over the data (steps times batch size over n_samples, rounded up).
    n_steps_ : int
        Mini-batch steps performed.
    converged_ : bool
        Whether ``fit`` stopped early (``tol`` or ``max_no_improvement``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_core import MiniBatchKMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]] * 10)
    >>> km = MiniBatchKMeans(n_clusters=2, batch_size=6, random_state=0).fit(X)
    >>> sorted(np.round(km.cluster_centers_).tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray | Callable[..., Any] = "k-means++",
        max_iter: int = 100,
        batch_size: int = 1024,
        verbose: int = 0,
        compute_labels: bool = True,
        random_state: Any = None,
        tol: float = 0.0,
        max_no_improvement: int | None = 10,
        init_size: int | None = None,
        n_init: int | str = "auto",
        reassignment_ratio: float = 0.01,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.verbose = verbose
        self.compute_labels = compute_labels
        self.random_state = random_state
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        check_params(
            n_clusters=self.n_clusters,
            init=self.init,
            n_init=self.n_init,
            max_iter=self.max_iter,
            tol=self.tol,
            algorithm="lloyd",
            verbose=self.verbose,
        )
        check_int(self.batch_size, "batch_size", 1)
        if self.max_no_improvement is not None:
            check_int(self.max_no_improvement, "max_no_improvement", 0)
        if self.init_size is not None:
            check_int(self.init_size, "init_size", 1)
        ratio = self.reassignment_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real):
            raise TypeError(f"reassignment_ratio must be a number >= 0, got {ratio!r}.")
        if not np.isfinite(ratio) or ratio < 0:
            raise ValueError(f"reassignment_ratio must be >= 0, got {ratio}.")
        if not isinstance(self.compute_labels, bool | np.bool_):
            raise TypeError(
                f"compute_labels must be True or False, got {self.compute_labels!r}."
            )

    def _check_params_vs_input(self, X: np.ndarray) -> Any:
        """Data-dependent settings; returns the validated init."""
        n_samples, n_features = X.shape
        if n_samples < self.n_clusters:
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters}."
            )
        self._batch_size = min(self.batch_size, n_samples)
        init_size = self.init_size
        if init_size is None:
            init_size = 3 * self._batch_size
            if init_size < self.n_clusters:
                init_size = 3 * self.n_clusters
        elif init_size < self.n_clusters:
            warnings.warn(
                f"init_size={init_size} should be larger than "
                f"n_clusters={self.n_clusters}. Setting it to "
                "min(3*n_clusters, n_samples)",
                RuntimeWarning,
                stacklevel=3,
            )
            init_size = 3 * self.n_clusters
        self._init_size = min(init_size, n_samples)
        init = self.init
        if not isinstance(init, str) and not callable(init):
            init = check_centers(init, self.n_clusters, n_features, X.dtype, "init")
        return init

    def _resolve_n_init(self) -> int:
        n_init = resolve_n_init(self.n_init, self.init, type(self).__name__)
        if self.n_init == "auto" and n_init != 1:
            return DEFAULT_N_INIT_RANDOM
        return n_init

    def _init_centers(
        self, X: np.ndarray, sample_weight: np.ndarray, init: Any, rng: Any
    ) -> np.ndarray:
        """Initial centers computed on ``init_size`` random rows of X."""
        if self._init_size < X.shape[0]:
            rows = random_integers(rng, X.shape[0], self._init_size)
            X, sample_weight = take_rows(X, rows), sample_weight[rows]
        return initial_centers(X, self.n_clusters, init, sample_weight, rng)

    def _set_input_attributes(self, names: np.ndarray | None, n_features: int) -> None:
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    # --------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> MiniBatchKMeans:
        """Compute the centers from random mini-batches of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (finite numbers; float32 stays float32).
        y : Ignored
            Present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights: batches are drawn in proportion to them.

        Returns
        -------
        self : MiniBatchKMeans
            The fitted estimator.
        """
        self._check_params()
        names = feature_names_of(X)
        X = check_array(X, accept_sparse=True)
        n_samples, n_features = X.shape
        init = self._check_params_vs_input(X)
        weights = check_sample_weight(sample_weight, n_samples, X.dtype)
        n_init = self._resolve_n_init()
        rng = check_random_state(self.random_state)
        tol = scaled_tolerance(X, self.tol)

        valid = random_integers(rng, n_samples, self._init_size)
        X_valid, w_valid = take_rows(X, valid), weights[valid]
        best_inertia = None
        for run in range(n_init):
            candidate = self._init_centers(X, weights, init, rng)
            inertia = labels_and_inertia(X_valid, w_valid, candidate)[1]
            if self.verbose:
                print(f"Inertia for init {run + 1}/{n_init}: {inertia}")
            if best_inertia is None or inertia < best_inertia:
                centers, best_inertia = candidate, inertia

        centers = np.array(centers, dtype=X.dtype, order="C", copy=True)
        centers_new = np.empty_like(centers)
        self.counts_ = np.zeros(self.n_clusters, dtype=np.float64)
        self._n_since_last_reassign = 0
        monitor = EarlyStopping(
            self._batch_size, n_samples, tol, self.max_no_improvement, self.verbose
        )
        weights64 = weights.astype(np.float64)
        probabilities = weights64 / weights64.sum()
        # Batches are drawn in proportion to the weights, so each drawn row
        # counts once: weighting it again would count the weight twice.
        unit = np.ones(self._batch_size, dtype=X.dtype)
        n_steps = (self.max_iter * n_samples) // self._batch_size
        step = -1
        stopped = False
        for step in range(n_steps):
            rows = rng.choice(n_samples, self._batch_size, p=probabilities)
            batch_inertia = minibatch_step(
                take_rows(X, rows),
                unit,
                centers,
                centers_new,
                self.counts_,
                rng,
                random_reassign=self._random_reassign(),
                reassignment_ratio=self.reassignment_ratio,
                verbose=self.verbose,
            )
            shift = (
                float(np.sum((centers_new - centers) ** 2, dtype=np.float64))
                if tol > 0
                else 0.0
            )
            centers, centers_new = centers_new, centers
            if monitor.stop(step, n_steps, shift, batch_inertia):
                stopped = True
                break

        self.cluster_centers_ = centers
        self.n_steps_ = step + 1
        self.n_iter_ = int(np.ceil(self.n_steps_ * self._batch_size / n_samples))
        self.converged_ = stopped
        self.n_distance_evaluations_ = (
            self.n_steps_ * self._batch_size * self.n_clusters
        )
        self._set_input_attributes(names, n_features)
        if self.compute_labels:
            self.labels_, self.inertia_ = labels_and_inertia(X, weights, centers)
            self.n_distance_evaluations_ += n_samples * self.n_clusters
        else:
            ewa = monitor.ewa_inertia
            self.inertia_ = float("nan") if ewa is None else ewa * weights64.sum()
        return self

    def _random_reassign(self) -> bool:
        """Whether this step reassigns: every ``10 * n_clusters`` rows, or when
        a center has absorbed nothing yet."""
        self._n_since_last_reassign += self._batch_size
        if (self.counts_ == 0).any() or self._n_since_last_reassign >= (
            10 * self.n_clusters
        ):
            self._n_since_last_reassign = 0
            return True
        return False

    def partial_fit(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> MiniBatchKMeans:
        """Update the centers with one mini-batch (for example one chunk of a stream).

        The first call validates the parameters and initialises the centers
        on this batch; later calls require the same number of features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One batch.
        y : Ignored
            Present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row of the batch.

        Returns
        -------
        self : MiniBatchKMeans
            The updated estimator.
        """
        has_centers = hasattr(self, "cluster_centers_")
        if has_centers:
            X, _ = self._check_test_data(X)
            X = X.astype(self.cluster_centers_.dtype, copy=False)
        else:
            self._check_params()
            names = feature_names_of(X)
            X = check_array(X, accept_sparse=True)
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        if not hasattr(self, "_random_state"):
            self._random_state = check_random_state(self.random_state)
        if not has_centers:
            init = self._check_params_vs_input(X)
            centers = self._init_centers(X, weights, init, self._random_state)
            self.cluster_centers_ = np.array(centers, dtype=X.dtype, order="C")
            self.counts_ = np.zeros(self.n_clusters, dtype=np.float64)
            self._n_since_last_reassign = 0
            self.n_steps_ = 0
            self.converged_ = False
            self.n_distance_evaluations_ = 0
            self._set_input_attributes(names, X.shape[1])
        minibatch_step(
            X,
            weights,
            self.cluster_centers_,
            self.cluster_centers_,
            self.counts_,
            self._random_state,
            random_reassign=self._random_reassign(),
            reassignment_ratio=self.reassignment_ratio,
            verbose=self.verbose,
        )
        self.n_distance_evaluations_ += X.shape[0] * self.n_clusters
        if self.compute_labels:
            centers = self.cluster_centers_
            self.labels_, self.inertia_ = labels_and_inertia(X, weights, centers)
        self.n_steps_ += 1
        self.n_iter_ = self.n_steps_
        return self
