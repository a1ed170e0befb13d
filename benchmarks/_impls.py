"""Adapters that give every k-means implementation the same two timed entry points.

``fit_fixed`` runs exactly ``max_iter`` Lloyd iterations from a given init (``tol=0``,
one run) and ``fit_default`` is the library's own default fit (its seeding plus
iterations). Both return a :class:`FitResult`; the inertia is recomputed here, in
float64, from the final centers, so every implementation is scored on the same
yardstick.
"""

from __future__ import annotations

import importlib
import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

#: Algorithms of kmeans_core probed by the variants mode, in display order.
OUR_ALGORITHMS: tuple[str, ...] = ("lloyd", "elkan", "hamerly", "yinyang", "auto")


@dataclass
class FitResult:
    """Outcome of one timed fit.

    Attributes
    ----------
    seconds : float
        Wall time of the fit call.
    n_iter : int
        Iterations run, as reported by the implementation.
    inertia : float
        Sum of squared distances to the nearest final center, recomputed in float64.
    centers : ndarray of shape (k, d)
        Final centers.
    labels : ndarray of shape (n,) or None
        Final labels when the implementation exposes them.
    n_distance_evaluations : int or None
        Point-center distances computed, when the estimator reports it.
    """

    seconds: float
    n_iter: int
    inertia: float
    centers: np.ndarray
    labels: np.ndarray | None = None
    n_distance_evaluations: int | None = None


def exact_inertia(X: np.ndarray, centers: np.ndarray, chunk: int = 32768) -> float:
    """Return the k-means inertia of ``centers`` on ``X``, in float64.

    The nearest center is found with the expanded form on float64 copies; the inertia
    itself is summed from direct differences, which does not cancel.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Data.
    centers : ndarray of shape (k, d)
        Centers.
    chunk : int, default=32768
        Rows per block (bounds memory to ``chunk * k`` doubles).

    Returns
    -------
    float

    Notes
    -----
    For sparse X the squared distance of each row to its nearest center is
    ``|x|^2 - 2 x.c + |c|^2`` in float64 (direct differences would need the
    dense rows); the benchmark's sparse rows have unit length, so that form
    does not cancel.
    """
    C = np.asarray(centers, dtype=np.float64)
    c_norms = np.einsum("ij,ij->i", C, C)
    if hasattr(X, "tocsr"):
        return _sparse_inertia(X.tocsr(), C, c_norms, chunk)
    total = 0.0
    # Single-threaded BLAS: a multi-threaded product here would leave OpenBLAS
    # workers spinning into the next timed fit (see ``_runner.settle``).
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, X.shape[0], chunk):
            x = np.asarray(X[start : start + chunk], dtype=np.float64)
            nearest = np.argmin(c_norms[None, :] - 2.0 * (x @ C.T), axis=1)
            diff = x - C[nearest]
            total += float(np.einsum("ij,ij->", diff, diff))
    return total


def _sparse_inertia(X: Any, C: np.ndarray, c_norms: np.ndarray, chunk: int) -> float:
    """``exact_inertia`` for a scipy CSR X (expanded form, float64)."""
    X64 = X.astype(np.float64)
    x_norms = np.asarray(X64.multiply(X64).sum(axis=1)).ravel()
    total = 0.0
    for start in range(0, X.shape[0], chunk):
        dots = np.asarray(X64[start : start + chunk] @ C.T)
        scores = c_norms[None, :] - 2.0 * dots
        nearest = np.argmin(scores, axis=1)
        best = scores[np.arange(nearest.shape[0]), nearest]
        total += float(np.sum(np.maximum(x_norms[start : start + chunk] + best, 0.0)))
    return total


def _timed(func: Any, *args: Any) -> tuple[float, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        out = func(*args)
        return time.perf_counter() - start, out


class EstimatorImpl:
    """An implementation with scikit-learn's ``KMeans`` API.

    Parameters
    ----------
    name : str
        Display name.
    estimator_cls : type
        A ``KMeans``-like class.
    params : dict, optional
        Extra constructor parameters (e.g. ``{"algorithm": "elkan"}``).
    """

    def __init__(
        self, name: str, estimator_cls: type, params: dict[str, Any] | None = None
    ) -> None:
        self.name = name
        self.estimator_cls = estimator_cls
        self.params = dict(params or {})
        self.note = ""

    #: Whether it takes scipy.sparse data.
    takes_sparse = True

    def supports(self, dtype: str) -> bool:
        """Return whether this implementation runs on ``dtype`` data."""
        return dtype in ("float32", "float64")

    def _result(self, seconds: float, est: Any, X: np.ndarray) -> FitResult:
        return FitResult(
            seconds=seconds,
            n_iter=int(est.n_iter_),
            inertia=exact_inertia(X, est.cluster_centers_),
            centers=np.asarray(est.cluster_centers_),
            labels=np.asarray(est.labels_),
            n_distance_evaluations=_distance_evaluations(est),
        )

    def prime(self, X: np.ndarray, init: np.ndarray) -> None:
        """Run one untimed, unscored iteration, to wake this library's threads.

        Parameters
        ----------
        X : ndarray of shape (n, d)
            A few rows of the data (at least ``init.shape[0]``).
        init : ndarray of shape (k, d)
            Initial centers.
        """
        _timed(self._from_init(init, 1).fit, X)

    def _from_init(self, init: np.ndarray, max_iter: int) -> Any:
        """An estimator for one run of ``max_iter`` iterations from ``init``, tol 0."""
        return self.estimator_cls(
            n_clusters=init.shape[0],
            init=init.copy(),
            n_init=1,
            max_iter=max_iter,
            tol=0.0,
            **self.params,
        )

    def fit_fixed(self, X: np.ndarray, init: np.ndarray, max_iter: int) -> FitResult:
        """Run ``max_iter`` iterations from ``init`` with ``tol=0`` and one run.

        Parameters
        ----------
        X : ndarray of shape (n, d)
            Data.
        init : ndarray of shape (k, d)
            Initial centers (not modified).
        max_iter : int
            Iterations to run (fewer if the labels stop changing).

        Returns
        -------
        FitResult
        """
        est = self._from_init(init, max_iter)
        seconds, _ = _timed(est.fit, X)
        return self._result(seconds, est, X)

    def fit_default(
        self, X: np.ndarray, k: int, seed: int, **overrides: Any
    ) -> FitResult:
        """Run the default fit (k-means++, ``n_init="auto"``, ``tol=1e-4``).

        Parameters
        ----------
        X : ndarray of shape (n, d)
            Data.
        k : int
            Number of clusters.
        seed : int
            ``random_state``.
        **overrides
            Constructor parameters replacing the defaults (e.g. ``init``).

        Returns
        -------
        FitResult
        """
        params = {**self.params, "random_state": seed, **overrides}
        est = self.estimator_cls(n_clusters=k, **params)
        seconds, _ = _timed(est.fit, X)
        return self._result(seconds, est, X)


class FaissImpl:
    """faiss-cpu's ``faiss.Kmeans``, float32 only, with subsampling turned off."""

    name = "faiss"
    takes_sparse = False

    def __init__(self) -> None:
        self.faiss = importlib.import_module("faiss")
        self.note = "subsampling off (max_points_per_centroid = n)"

    def supports(self, dtype: str) -> bool:
        """Return whether this implementation runs on ``dtype`` data (float32 only)."""
        return dtype == "float32"

    def _kmeans(self, X: np.ndarray, k: int, niter: int, seed: int) -> Any:
        """A ``faiss.Kmeans`` for X with subsampling off."""
        return self.faiss.Kmeans(
            X.shape[1],
            k,
            niter=niter,
            seed=seed,
            verbose=False,
            max_points_per_centroid=X.shape[0],
            min_points_per_centroid=1,
        )

    def _train(
        self, X: np.ndarray, k: int, niter: int, seed: int, init: np.ndarray | None
    ) -> FitResult:
        km = self._kmeans(X, k, niter, seed)
        init_arg = None if init is None else np.ascontiguousarray(init)
        seconds, _ = _timed(lambda: km.train(X, init_centroids=init_arg))
        return FitResult(
            seconds=seconds,
            n_iter=len(km.obj) if len(km.obj) else niter,
            inertia=exact_inertia(X, km.centroids),
            centers=np.asarray(km.centroids),
        )

    def prime(self, X: np.ndarray, init: np.ndarray) -> None:
        """Run one untimed, unscored iteration, to wake faiss's threads.

        Parameters
        ----------
        X : ndarray of shape (n, d), float32
            A few rows of the data (at least ``init.shape[0]``).
        init : ndarray of shape (k, d)
            Initial centers.
        """
        km = self._kmeans(X, init.shape[0], 1, 1234)
        km.train(X, init_centroids=np.ascontiguousarray(init))

    def fit_fixed(self, X: np.ndarray, init: np.ndarray, max_iter: int) -> FitResult:
        """Run exactly ``max_iter`` iterations from ``init`` (faiss never stops early).

        Parameters
        ----------
        X : ndarray of shape (n, d), float32
            Data.
        init : ndarray of shape (k, d)
            Initial centers.
        max_iter : int
            Iterations.

        Returns
        -------
        FitResult
        """
        return self._train(X, init.shape[0], max_iter, 1234, init)

    def fit_default(self, X: np.ndarray, k: int, seed: int) -> FitResult:
        """Run faiss's default fit (random init, 25 iterations), no subsampling.

        Parameters
        ----------
        X : ndarray of shape (n, d), float32
            Data.
        k : int
            Number of clusters.
        seed : int
            faiss seed.

        Returns
        -------
        FitResult
        """
        return self._train(X, k, 25, seed, None)


def _distance_evaluations(est: Any) -> int | None:
    value = getattr(est, "n_distance_evaluations_", None)
    return None if value is None else int(value)


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _sklearnex_backend(impl: EstimatorImpl) -> str:
    """Fit a tiny problem and report whether sklearnex used oneDAL or fell back."""
    logger = logging.getLogger("sklearnex")
    handler, level, propagate = _LogCollector(), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        X = np.random.default_rng(0).standard_normal((500, 4)).astype(np.float32)
        impl.fit_fixed(X, X[:4].copy(), 2)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
    text = " ".join(handler.messages).lower()
    if "fallback" in text or "original scikit-learn" in text:
        return "fell back to scikit-learn"
    return "oneDAL" if "accelerated" in text else "backend not logged"


def ours(algorithm: str = "lloyd") -> EstimatorImpl:
    """Return kmeans_core's ``KMeans`` with the given algorithm.

    The timed fits run the compiled kernels: the NumPy twins that stand in for
    them on a process's first fits (``kmeans_core._jit``) are turned off in
    this process, as they are a first-use cost (``benchmarks.startup``
    measures that), not the steady state measured here.
    """
    from kmeans_core import KMeans, _jit

    _jit.always_kernels()

    name = "ours" if algorithm == "lloyd" else f"ours-{algorithm}"
    return EstimatorImpl(name, KMeans, {"algorithm": algorithm})


def peers() -> list[EstimatorImpl | FaissImpl]:
    """Return the installed peers: scikit-learn lloyd and elkan, sklearnex, faiss."""
    from sklearn.cluster import KMeans

    found: list[EstimatorImpl | FaissImpl] = [
        EstimatorImpl("sklearn-lloyd", KMeans, {"algorithm": "lloyd"}),
        EstimatorImpl("sklearn-elkan", KMeans, {"algorithm": "elkan"}),
    ]
    try:
        from sklearnex.cluster import KMeans as XKMeans
    except ImportError:
        pass
    else:
        impl = EstimatorImpl("sklearnex", XKMeans, {"algorithm": "lloyd"})
        impl.note = _sklearnex_backend(impl)
        found.append(impl)
    try:
        found.append(FaissImpl())
    except ImportError:
        pass
    return found


def available_algorithms() -> list[str]:
    """Return the ``algorithm`` values that kmeans_core's ``KMeans`` accepts.

    Each of :data:`OUR_ALGORITHMS` is tried on a tiny problem; one that raises
    ``ValueError``, ``TypeError`` or ``NotImplementedError`` is left out.
    """
    X = np.random.default_rng(0).standard_normal((64, 3))
    found = []
    for algorithm in OUR_ALGORITHMS:
        try:
            ours(algorithm).fit_fixed(X, X[:3].copy(), 2)
        except (ValueError, TypeError, NotImplementedError):
            continue
        found.append(algorithm)
    return found


def library_versions() -> dict[str, str]:
    """Return versions of the libraries that the benchmark may use (installed only)."""
    versions = {}
    for module in (
        "numpy",
        "numba",
        "sklearn",
        "sklearnex",
        "faiss",
        "threadpoolctl",
        "kmeans_core",
    ):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        versions[module] = str(getattr(mod, "__version__", "unknown"))
    return versions
