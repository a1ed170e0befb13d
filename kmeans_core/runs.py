"""The best of ``n_init`` runs on validated data, and what decides a run's shape.

``fit_kmeans`` draws each run's initial centers (``init``), runs the chosen
algorithm's driver (``drivers``) and keeps the best run, as scikit-learn does;
``resolve_n_init`` and ``scaled_tolerance`` turn the estimator's ``n_init`` and
``tol`` into what the runs use.  Shared by ``KMeans``, ``MiniBatchKMeans`` and
the Dask estimator.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._background import start as start_background_compile
from ._stats import mean_and_variance
from ._validation import check_random_state
from .drivers import DRIVERS, RunResult, run_algorithm
from .drivers.first_use import start_fit
from .init import initial_centers

#: Runs used by ``n_init="auto"`` for the "random" init and callables.
DEFAULT_N_INIT_RANDOM = 10


def scaled_tolerance(X: np.ndarray, tol: float) -> float:
    """``tol`` times the mean per-feature variance of X (0 stays 0).

    The variances are computed in float64, in two passes, without copying a
    large X (``np.var`` would build a float64 copy of all of it).
    """
    if tol == 0:
        return 0.0
    _, variances = mean_and_variance(X)
    return float(np.mean(variances) * tol)


def resolve_n_init(n_init: int | str, init: Any, class_name: str = "KMeans") -> int:
    """The number of runs that ``n_init`` means for this ``init``."""
    init_is_array = not isinstance(init, str) and not callable(init)
    if n_init == "auto":
        if isinstance(init, str) and init == "k-means++":
            return 1
        return 1 if init_is_array else DEFAULT_N_INIT_RANDOM
    if init_is_array and n_init != 1:
        warnings.warn(
            "Explicit initial center position passed: performing only one init "
            f"in {class_name} instead of n_init={n_init}.",
            RuntimeWarning,
            stacklevel=3,
        )
        return 1
    return int(n_init)


def same_clustering(labels1: np.ndarray, labels2: np.ndarray, n_clusters: int) -> bool:
    """True when two labelings are the same partition up to renaming clusters."""
    mapping = np.full(n_clusters, -1, dtype=np.int64)
    for a, b in zip(labels1, labels2, strict=True):
        if mapping[a] == -1:
            mapping[a] = b
        elif mapping[a] != b:
            return False
    return True


def fit_kmeans(
    X: np.ndarray,
    sample_weight: np.ndarray,
    *,
    n_clusters: int,
    init: Any,
    n_init: int,
    max_iter: int,
    tol: float,
    algorithm: str,
    random_state: Any,
    verbose: int = 0,
    record_history: bool = False,
    copy_x: bool = True,
) -> RunResult:
    """Best of ``n_init`` runs on validated data (``tol`` already scaled).

    ``copy_x=False`` forbids the working copies of X (k-means++'s and the
    BLAS path's).
    """
    # The generator lives only for this call, unless a callable init could
    # keep it.
    rng = check_random_state(random_state, reuse=not callable(init))
    driver = DRIVERS[run_algorithm(X, algorithm)]
    start_fit(X, n_clusters, run_algorithm(X, algorithm))
    best: RunResult | None = None
    for _ in range(n_init):
        centers = initial_centers(X, n_clusters, init, sample_weight, rng, copy_x)
        if verbose:
            print("Initialization complete")
        result = driver(
            X,
            sample_weight,
            centers,
            max_iter=max_iter,
            tol=tol,
            verbose=verbose,
            record_history=record_history,
            copy_x=copy_x,
        )
        # A run only replaces the best one when it is better *and* a different
        # partition (not the same clusters under other numbers).
        if best is None or (
            result.inertia < best.inertia
            and not same_clustering(result.labels, best.labels, n_clusters)
        ):
            best = result
    assert best is not None
    # Kernels that this fit ran as NumPy twins compile now in a background
    # process (``first_use.start_fit``), after the fit, so as not to slow it.
    start_background_compile()
    return best
