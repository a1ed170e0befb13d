"""K-means on Dask arrays: the in-memory kernels applied chunk by chunk.

``kmeans_core.dask.KMeans`` fits data that does not fit in memory, or that
lives on a ``distributed`` cluster.  Every pass over the data is one map over
the row chunks: each chunk runs the same Numba kernels as the in-memory
estimator on its own rows and returns k x d partial sums; the client adds the
chunk partials in chunk order, so the result is deterministic and, from the
same initial centers, equal to the in-memory fit up to rounding.

Only this module imports dask (``import kmeans_core`` does not).  It never
starts a cluster: work goes to whatever scheduler is active, a
``distributed.Client`` the user created or one of dask's local schedulers.
If the source of X is expensive (a file, a generator), each pass recomputes
it; call ``X.persist()`` first when X fits in the cluster's memory.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised without dask only
    raise ImportError(
        "kmeans_core.dask needs dask and distributed; install them with "
        "pip install 'kmeans-core[dask]'."
    ) from exc

from ._blocks import block_starts
from ._kernels.common import finish_centers, reduce_block_partials, weighted_inertia
from ._kernels.distances import distance_to_assigned, pairwise_euclidean
from ._validation import (
    FLOAT_DTYPES,
    check_array,
    check_centers,
    check_finite,
    check_int,
    check_random_state,
    check_sample_weight,
)
from .drivers import (
    RunResult,
    _Workspace,
    assign_labels,
    direct_kernels,
    inertia_of,
    relocate_empty_clusters,
    use_gemm,
)
from .estimator import KMeans as _InMemoryKMeans
from .estimator import fit_kmeans, resolve_n_init, scaled_tolerance
from .init import initial_centers
from .minibatch import _randint, accumulate_batch

__all__ = ["KMeans"]

#: Rows drawn (when X has more) for the "k-means++", "random" and callable
#: inits, which run in memory on that sample.
INIT_SAMPLE_SIZE = 20_000


# ----------------------------------------------------------------------------
# Input checks: the in-memory checks, applied to what a dask array lets us see
# without computing it; value checks (NaN, negative weights) run in the first
# pass, chunk by chunk.
# ----------------------------------------------------------------------------
def _probe(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A read-only, zero-memory array with this shape and dtype for the checks."""
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def as_dask_array(X: Any, dtype: Any = None) -> da.Array:
    """X as a float32/float64 dask array with one chunk across the columns.

    NumPy input (and anything array-like) is validated in memory, then wrapped.
    """
    if not isinstance(X, da.Array):
        return da.from_array(check_array(X, dtype=dtype), chunks=("auto", -1))
    # The in-memory checks on stand-ins, so messages are the same: first the
    # kind of values, then the shape.
    if X.dtype.kind in "USOV" and X.size:
        # Text or objects: convert a real value, so the message shows it.
        check_array(np.asarray(X[(slice(0, 1),) * X.ndim].compute()).reshape(1, 1))
    else:
        check_array(_probe((1, 1), X.dtype))
    if any(np.isnan(size) for size in X.shape):
        raise ValueError(
            "X has unknown chunk sizes (nan in X.shape); call "
            "X.compute_chunk_sizes() first."
        )
    if X.ndim != 2 or 0 in X.shape:
        check_array(_probe(X.shape, X.dtype))
    if dtype is None:
        dtype = X.dtype if X.dtype in FLOAT_DTYPES else np.float64
    if X.dtype != dtype:
        X = X.astype(dtype)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X


def as_dask_weights(sample_weight: Any, X: da.Array) -> da.Array:
    """Sample weights as a dask array chunked like the rows of X."""
    n_samples = X.shape[0]
    chunks = (X.chunks[0],)
    if sample_weight is None:
        return da.ones(n_samples, dtype=X.dtype, chunks=chunks)
    if not isinstance(sample_weight, da.Array):
        weights = check_sample_weight(sample_weight, n_samples, X.dtype)
        return da.from_array(weights, chunks=chunks)
    w = sample_weight
    if w.ndim != 1 or w.shape[0] != n_samples or w.dtype.kind not in "biuf":
        check_sample_weight(_probe(w.shape, w.dtype), n_samples, X.dtype)
    return w.astype(X.dtype).rechunk(chunks)


# ----------------------------------------------------------------------------
# Chunk functions: they run on the workers, on NumPy chunks, and call the
# same kernels as the in-memory path.
# ----------------------------------------------------------------------------
def _contiguous(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(x), np.ascontiguousarray(w)


def _chunk_moments(x: np.ndarray, w: np.ndarray, offset: int) -> tuple:
    """Validate one chunk's values; return its size, mean, M2 and weight sum."""
    x, w = _contiguous(x, w)
    try:
        check_finite(x, "X")
    except ValueError as exc:
        raise ValueError(
            f"{exc} (rows counted from row {offset}, where this chunk starts)"
        ) from None
    if not (np.isfinite(w).all() and (w >= 0).all()):
        check_sample_weight(w, w.shape[0], w.dtype)  # raises the usual message
    mean = x.mean(axis=0, dtype=np.float64)
    m2 = ((x - mean) ** 2).sum(axis=0)
    return x.shape[0], mean, m2, float(w.sum(dtype=np.float64))


def _chunk_lloyd(
    x: np.ndarray,
    w: np.ndarray,
    centers: np.ndarray,
    reference: np.ndarray | None,
    with_inertia: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """One Lloyd assignment of a chunk: its per-cluster sums, weights (inertia)."""
    x, w = _contiguous(x, w)
    ws = _Workspace(x, centers.shape[0], reference)
    labels = np.empty(x.shape[0], dtype=np.int32)
    accumulate_batch(x, w, centers, ws, labels)
    inertia = (
        float(weighted_inertia(x, w, centers, labels, ws.starts))
        if with_inertia
        else 0.0
    )
    return ws.sums, ws.weights, inertia


def _chunk_farthest(
    x: np.ndarray, w: np.ndarray, centers: np.ndarray, n_far: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chunk's ``n_far`` rows farthest from their centers, with weights, labels.

    The union over chunks holds the global farthest rows, which is all that
    the relocation of empty clusters needs.
    """
    x, w = _contiguous(x, w)
    labels = assign_labels(x, centers)
    distances = np.empty(x.shape[0])
    distance_to_assigned(x, centers, labels, distances)
    n_far = min(n_far, x.shape[0])
    rows = np.sort(np.argpartition(distances, -n_far)[-n_far:])
    return x[rows], w[rows], labels[rows]


def _chunk_final(
    x: np.ndarray, w: np.ndarray, centers: np.ndarray
) -> tuple[float, np.ndarray]:
    """Inertia and per-cluster row counts of a chunk under the final centers."""
    x, w = _contiguous(x, w)
    labels = assign_labels(x, centers)
    counts = np.bincount(labels, minlength=centers.shape[0])
    return inertia_of(x, w, centers, labels), counts


def _chunk_nearest(
    x: np.ndarray, w: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and weighted squared distances (float64) to the nearest candidate."""
    x, w = _contiguous(x, w)
    labels = np.empty(x.shape[0], dtype=np.int32)
    nearest = np.empty(x.shape[0], dtype=x.dtype)
    starts = block_starts(x.shape[0], *candidates.shape)
    direct_kernels(x).assign(x, candidates, starts, labels, nearest)
    return labels, w.astype(np.float64) * nearest


def _chunk_oversample(
    x: np.ndarray,
    w: np.ndarray,
    candidates: np.ndarray,
    oversampling: float,
    seed: tuple[int, ...],
) -> tuple[float, np.ndarray, np.ndarray]:
    """One k-means|| round on a chunk, in a single pass.

    Row i is to be kept with probability ``min(1, l * cost_i / phi)`` (cost is
    the weighted squared distance to the nearest candidate, phi its total over
    all chunks, l the oversampling).  With a uniform draw ``u_i`` that is
    ``cost_i / u_i > phi / l``.  phi is not known yet, but it is at least this
    chunk's share, so the rows passing the test with the chunk's share are a
    superset (about ``l`` rows); they are returned with their keys and the
    client applies the exact threshold.  The draws are seeded by (run, round,
    chunk), so the result does not depend on the scheduler.
    """
    _, cost = _chunk_nearest(x, w, candidates)
    phi_chunk = float(cost.sum())
    u = np.random.default_rng(seed).random(cost.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = np.where(cost > 0, cost / u, 0.0)
    keep = keys > phi_chunk / oversampling
    return phi_chunk, np.ascontiguousarray(x[keep]), keys[keep]


def _chunk_candidate_weights(
    x: np.ndarray, w: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Summed sample weight of the chunk's rows nearest to each candidate."""
    labels, _ = _chunk_nearest(x, w, candidates)
    return np.bincount(labels, weights=w, minlength=candidates.shape[0])


def _predict_block(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    check_finite(x, "X")
    return assign_labels(x, centers)


def _transform_block(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    check_finite(x, "X")
    out = np.empty((x.shape[0], centers.shape[0]), dtype=x.dtype)
    pairwise_euclidean(x, centers, out)
    return out


# ----------------------------------------------------------------------------
# The client side: passes over the chunks and what is done with their results.
# ----------------------------------------------------------------------------
@dataclass
class _Data:
    """Validated X and weights, their chunks as delayed blocks, and summaries."""

    X: da.Array
    weights: da.Array
    blocks: list[tuple[Any, Any]]
    offsets: np.ndarray
    chunk_weights: np.ndarray
    mean: np.ndarray
    mean_variance: float

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    def map(self, func: Callable[..., Any], *args: Any) -> tuple:
        """Run ``func(x, w, *args)`` on every chunk; results in chunk order.

        Array arguments are sent once, as their own graph node, rather than
        copied into every task.
        """
        shared = [dask.delayed(a) if isinstance(a, np.ndarray) else a for a in args]
        call = dask.delayed(func, pure=True)
        return dask.compute(*[call(x, w, *shared) for x, w in self.blocks])


def prepare(X: da.Array, weights: da.Array) -> _Data:
    """Validate the values chunk by chunk and summarise X, in one pass."""
    blocks = list(
        zip(X.to_delayed().ravel(), weights.to_delayed().ravel(), strict=True)
    )
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
    data = _Data(X, weights, blocks, offsets, np.empty(0), np.empty(0), 0.0)
    call = dask.delayed(_chunk_moments, pure=True)
    parts = dask.compute(
        *[call(x, w, int(off)) for (x, w), off in zip(blocks, offsets, strict=False)]
    )
    # Chan et al.'s pairwise update: exact in exact arithmetic, stable in floats.
    n, mean, m2 = 0, np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for n_b, mean_b, m2_b, _ in parts:
        if n_b == 0:
            continue
        total = n + n_b
        delta = mean_b - mean
        mean = mean + delta * (n_b / total)
        m2 = m2 + m2_b + delta**2 * (n * n_b / total)
        n = total
    data.chunk_weights = np.array([p[3] for p in parts])
    if data.chunk_weights.sum() <= 0:
        check_sample_weight(np.zeros(1), 1, X.dtype)  # raises the usual message
    data.mean = mean
    data.mean_variance = float(np.mean(m2 / n))
    return data


def _sample(data: _Data, size: int, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random rows (all of X, in order, when it has no more than that)."""
    if data.n_samples <= size:
        return dask.compute(data.X, data.weights)
    rows = np.unique(_randint(rng, data.n_samples, size))
    return dask.compute(data.X[rows], data.weights[rows])


def _first_center(data: _Data, rng: Any) -> np.ndarray:
    """One row drawn with probability proportional to its weight."""
    p = data.chunk_weights / data.chunk_weights.sum()
    chunk = int(rng.choice(p.shape[0], p=p))
    w = data.blocks[chunk][1].compute().astype(np.float64)
    row = int(rng.choice(w.shape[0], p=w / w.sum()))
    return np.asarray(data.X[data.offsets[chunk] + row].compute())[None, :]


def kmeans_parallel(
    data: _Data,
    n_clusters: int,
    rng: Any,
    *,
    oversampling_factor: float = 2.0,
    n_rounds: int = 5,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> np.ndarray:
    """k-means|| (Bahmani et al., 2012): initial centers in ``n_rounds + 1`` passes.

    A first center drawn in proportion to the weights; then each round keeps
    every row independently with probability ``min(1, l * cost / phi)``
    (l = ``oversampling_factor * n_clusters``), about l new candidates per
    round.  Each candidate is weighted by the sample weight of the rows nearest
    to it, and the weighted candidates are reduced to ``n_clusters`` centers in
    memory by weighted k-means++ and Lloyd.
    """
    oversampling = oversampling_factor * n_clusters
    candidates = _first_center(data, rng)
    run_seed = int(_randint(rng, 2**31 - 1, 1)[0])
    call = dask.delayed(_chunk_oversample, pure=True)
    for round_ in range(n_rounds):
        shared = dask.delayed(candidates)
        parts = dask.compute(
            *[
                call(x, w, shared, oversampling, (run_seed, round_, i))
                for i, (x, w) in enumerate(data.blocks)
            ]
        )
        phi = sum(p[0] for p in parts)
        if phi <= 0:
            break  # every row sits on a candidate already
        new = [rows[keys > phi / oversampling] for _, rows, keys in parts]
        candidates = np.concatenate([candidates, *new])
    if candidates.shape[0] < n_clusters:
        # Fewer distinct rows than clusters: pad with random rows.
        extra, _ = _sample(data, n_clusters, rng)
        candidates = np.concatenate([candidates, extra[:n_clusters]])
    candidates = np.ascontiguousarray(candidates, dtype=data.X.dtype)
    weights = np.sum(data.map(_chunk_candidate_weights, candidates), axis=0)
    result = fit_kmeans(
        candidates,
        weights.astype(candidates.dtype),
        n_clusters=n_clusters,
        init="k-means++",
        n_init=1,
        max_iter=max_iter,
        tol=scaled_tolerance(candidates, tol),
        algorithm="lloyd",
        random_state=rng,
    )
    return result.centers


def _relocate(
    data: _Data,
    centers: np.ndarray,
    sums: np.ndarray,
    weights: np.ndarray,
) -> None:
    """Relocate empty clusters onto the farthest rows, as the in-memory path does."""
    n_empty = int((weights == 0).sum())
    parts = data.map(_chunk_farthest, centers, n_empty)
    rows = np.concatenate([p[0] for p in parts])
    row_weights = np.concatenate([p[1] for p in parts])
    labels = np.concatenate([p[2] for p in parts])
    relocate_empty_clusters(rows, row_weights, centers, labels, sums, weights)


def run_lloyd(
    data: _Data,
    centers_init: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    verbose: int = 0,
    record_history: bool = False,
) -> tuple[RunResult, np.ndarray]:
    """Lloyd's algorithm, one map over the chunks per iteration.

    Convergence is tested on the center shift alone.  That stops at the same
    iteration as the in-memory test "labels unchanged, or shift <= tol": equal
    labels give bit-identical sums, so their shift is exactly 0 <= tol.
    Returns the run and the number of rows per cluster.
    """
    n_clusters, n_features = centers_init.shape
    centers = np.array(centers_init, dtype=data.X.dtype, order="C", copy=True)
    centers_new = np.empty_like(centers)
    sums = np.empty((n_clusters, n_features))
    weights = np.empty(n_clusters)
    center_shift = np.empty(n_clusters)
    reference = (
        data.mean.astype(data.X.dtype) if use_gemm(n_clusters, n_features) else None
    )
    with_inertia = bool(verbose or record_history)
    history: list[dict] | None = [] if record_history else None
    converged = False
    iteration = 0
    for iteration in range(max_iter):
        parts = data.map(_chunk_lloyd, centers, reference, with_inertia)
        reduce_block_partials(
            np.stack([p[0] for p in parts]),
            np.stack([p[1] for p in parts]),
            sums,
            weights,
        )
        if (weights == 0).any():
            _relocate(data, centers, sums, weights)
        finish_centers(sums, weights, centers, centers_new, center_shift)
        if with_inertia:
            inertia = float(sum(p[2] for p in parts))
            if verbose:
                print(f"Iteration {iteration}, inertia {inertia}.")
            if history is not None:
                history.append({"centers": centers.copy(), "inertia": inertia})
        centers, centers_new = centers_new, centers
        shift = float(np.dot(center_shift, center_shift))
        converged = shift <= tol
        if converged:
            if verbose:
                print(f"Converged at iteration {iteration}: center shift {shift}.")
            break
    final = data.map(_chunk_final, centers)
    inertia = float(sum(p[0] for p in final))
    counts = np.sum([p[1] for p in final], axis=0)
    if history is not None:
        history.append({"centers": centers.copy(), "inertia": inertia})
    n_iter = iteration + 1
    result = RunResult(
        labels=np.empty(0, dtype=np.int32),  # labels stay lazy: see KMeans.labels_
        inertia=inertia,
        centers=centers,
        n_iter=n_iter,
        converged=converged,
        n_distance_evaluations=(n_iter + 1) * data.n_samples * n_clusters,
        history=history,
    )
    return result, counts


class KMeans(_InMemoryKMeans):
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

    def _initial_centers(self, data: _Data, init: Any, rng: Any) -> np.ndarray:
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
            X, weights = _sample(data, INIT_SAMPLE_SIZE, rng)
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
            _predict_block, self.cluster_centers_, drop_axis=1, dtype=np.int32
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
            _transform_block,
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
        return -float(sum(p[0] for p in data.map(_chunk_final, self.cluster_centers_)))
