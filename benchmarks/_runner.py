"""The comparison and variants runs: same data, same init, one process, alternating."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks._impls import EstimatorImpl, FaissImpl, FitResult, ours
from benchmarks._machine import DistanceGemm, MachineBound
from benchmarks._shapes import Shape, make_data, make_init

Impl = EstimatorImpl | FaissImpl


@dataclass
class ImplTimings:
    """Everything measured for one implementation on one shape.

    Attributes
    ----------
    name : str
        Implementation name.
    note : str
        Backend or configuration note.
    per_iter_s : list of float
        Per-iteration time of each fixed-iteration repeat (fit time / n_iter).
    fixed_n_iter : int
        Iterations the fixed-iteration fit ran.
    fixed_inertia : float
        Inertia after the fixed-iteration fit.
    fit_s : list of float
        Wall time of each default full fit.
    fit_n_iter : int
        Iterations of the default full fit.
    fit_inertia : float
        Inertia after the default full fit.
    error : str
        Empty, or the error that stopped this implementation.
    """

    name: str
    note: str = ""
    per_iter_s: list[float] = field(default_factory=list)
    fixed_n_iter: int = 0
    fixed_inertia: float = float("nan")
    fit_s: list[float] = field(default_factory=list)
    fit_n_iter: int = 0
    fit_inertia: float = float("nan")
    error: str = ""

    @property
    def per_iter_best(self) -> float:
        """Best per-iteration time (NaN if none)."""
        return min(self.per_iter_s) if self.per_iter_s else float("nan")

    @property
    def fit_best(self) -> float:
        """Best full-fit time (NaN if none)."""
        return min(self.fit_s) if self.fit_s else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, with best and median times added."""
        out = dict(self.__dict__)
        out["per_iter_best_s"] = _nan_to_none(self.per_iter_best)
        out["per_iter_median_s"] = _median(self.per_iter_s)
        out["fit_best_s"] = _nan_to_none(self.fit_best)
        out["fit_median_s"] = _median(self.fit_s)
        out["fixed_inertia"] = _nan_to_none(self.fixed_inertia)
        out["fit_inertia"] = _nan_to_none(self.fit_inertia)
        return out


def _nan_to_none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def settle(
    impl: Impl | DistanceGemm, X: np.ndarray, init: np.ndarray, seconds: float
) -> None:
    """Pause, then wake ``impl``'s own threads, just before its timed fit.

    BLAS and OpenMP pools keep their worker threads spinning for a while after
    a call returns, and the previous implementation in the rotation leaves its
    pools behind.  Without a pause a fit can start while a spinning worker
    holds one of the cores: on the 2-core benchmark machine a 20-iteration fit
    of ours at 1000000x8 k=8 took 6.2 ms per iteration right after a BLAS
    product, against 3.8 alone and 4.0 after a 0.3 s pause.  After the pause
    every thread sleeps, though, and waking them costs each library a few
    hundred microseconds (a 200 x 3 fit took 100 us back to back, 520-600 us
    right after a 0.3 s sleep).  So each implementation then runs one untimed
    iteration on a few rows, as any program calling it twice would, and the
    timed fit follows at once.  Every implementation gets the same treatment,
    and so does the distance GEMM (``_machine.DistanceGemm``).
    """
    if seconds <= 0:
        return
    time.sleep(seconds)
    impl.prime(X[: max(init.shape[0], min(X.shape[0], 2048))], init)


def _rotated(items: list[Impl], shift: int) -> list[Impl]:
    shift %= max(len(items), 1)
    return items[shift:] + items[:shift]


def _warm_up(
    impl: Impl, X: np.ndarray, init: np.ndarray, seed: int, full_fit: bool = True
) -> None:
    """Compile / load every code path outside the timings.

    Both fits run on the whole of X: some paths depend on the data's size
    (on a fresh Numba cache, a warm-up on 2000 rows left the parallel
    column statistics of ``tol`` to be compiled inside the first timed full
    fit at 1000000x8 k=8: 5.5 s, against 121 ms when warmed up on all of X).
    Without ``full_fit`` (no full fits are timed) only the fixed fit runs.
    """
    impl.fit_fixed(X, init, 2)
    if full_fit:
        impl.fit_default(X, init.shape[0], seed)


def _record(row: ImplTimings, fixed: FitResult | None, full: FitResult | None) -> None:
    if fixed is not None:
        row.per_iter_s.append(fixed.seconds / max(fixed.n_iter, 1))
        row.fixed_n_iter, row.fixed_inertia = fixed.n_iter, fixed.inertia
    if full is not None:
        row.fit_s.append(full.seconds)
        row.fit_n_iter, row.fit_inertia = full.n_iter, full.inertia


def _safe(row: ImplTimings, func: Any, *args: Any, strict: bool) -> FitResult | None:
    """Call ``func``; a peer's failure is recorded, ours is raised."""
    if row.error:
        return None
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001 - a broken peer must not stop the run
        if strict:
            raise
        row.error = f"{type(exc).__name__}: {exc}"
        return None


def compare_shape(
    shape: Shape,
    dtype: str,
    impls: list[Impl],
    *,
    max_iter: int,
    repeats: int,
    fit_repeats: int,
    seed: int,
    bound: MachineBound,
    settle_s: float = 0.0,
    skip: Any = None,
) -> dict[str, Any]:
    """Time every implementation on one shape, alternating repeats.

    Parameters
    ----------
    shape : Shape
        Problem size.
    dtype : str
        "float32" or "float64".
    impls : list
        Implementations; the first is ours (its errors are raised).
    max_iter : int
        Iterations of the fixed-iteration fits.
    repeats : int
        Fixed-iteration repeats per implementation.
    fit_repeats : int
        Default full-fit repeats per implementation.
    seed : int
        Seed for the data, the shared init and ``random_state``.
    bound : MachineBound
        Measured machine limits.
    settle_s : float, default=0.0
        Seconds to pause before each timed fit (see :func:`settle`; 0 skips
        the pause and the wake-up run).
    skip : callable, optional
        ``skip(name, shape, dtype)`` is true for a peer not to run on this
        shape (for example one whose memory would not fit); it is listed under
        "skipped".

    Returns
    -------
    dict
        JSON-ready results for this shape.
    """
    X = make_data(shape, dtype, seed)
    init = make_init(X, shape.k, seed)
    usable = [
        impl
        for impl in impls
        if impl.supports(dtype) and (impl.takes_sparse or not shape.sparse)
    ]
    if skip is not None:
        usable = [impl for impl in usable if not skip(impl.name, shape, dtype)]
    rows = {impl.name: ImplTimings(impl.name, impl.note) for impl in usable}
    strict = {impl.name: impl is impls[0] for impl in usable}
    for impl in usable:
        _safe(
            rows[impl.name],
            _warm_up,
            impl,
            X,
            init,
            seed,
            fit_repeats > 0,
            strict=strict[impl.name],
        )
    # Sparse rows have neither a dense GEMM nor the bound's model of one.
    gemm = None if shape.sparse else DistanceGemm(X, init)
    gemm_s = []
    for rep in range(repeats):
        if gemm is not None:
            settle(gemm, X, init, settle_s)
            gemm_s.append(gemm.time())
        for impl in _rotated(usable, rep):
            row = rows[impl.name]
            _safe(row, settle, impl, X, init, settle_s, strict=strict[row.name])
            fixed = _safe(
                row, impl.fit_fixed, X, init, max_iter, strict=strict[row.name]
            )
            _record(row, fixed, None)
    for rep in range(fit_repeats):
        for impl in _rotated(usable, rep):
            row = rows[impl.name]
            _safe(row, settle, impl, X, init, settle_s, strict=strict[row.name])
            full = _safe(
                row, impl.fit_default, X, shape.k, seed, strict=strict[row.name]
            )
            _record(row, None, full)
    return {
        "shape": {
            "n": shape.n,
            "d": shape.d,
            "k": shape.k,
            "label": shape.label,
            "nnz_per_row": shape.nnz_per_row,
        },
        "dtype": dtype,
        "max_iter": max_iter,
        "bound_s": None
        if shape.sparse
        else bound.bound_s(shape.n, shape.d, shape.k, dtype),
        "distance_gemm_s": min(gemm_s, default=None),
        "skipped": [impl.name for impl in impls if impl not in usable],
        "impls": [rows[impl.name].to_dict() for impl in usable],
    }


def _same_result(a: FitResult, b: FitResult, *, exact_centers: bool) -> bool:
    """Same ``n_iter``, labels and (if ``exact_centers``) bit-identical centers."""
    if a.n_iter != b.n_iter:
        return False
    if a.labels is not None and b.labels is not None:
        if not np.array_equal(a.labels, b.labels):
            return False
    return not exact_centers or bool(np.array_equal(a.centers, b.centers))


def variants_shape(
    shape: Shape,
    dtype: str,
    algorithms: list[str],
    references: list[EstimatorImpl],
    *,
    repeats: int,
    seed: int,
    settle_s: float = 0.0,
) -> dict[str, Any]:
    """Compare our algorithms on full fits from one shared init.

    Every variant runs with the default ``tol`` and ``max_iter`` from the same init
    array, so an exact variant must give lloyd's labels, centers and ``n_iter_``.

    Parameters
    ----------
    shape : Shape
        Problem size.
    dtype : str
        "float32" or "float64".
    algorithms : list of str
        Our algorithms to run (``"lloyd"`` first).
    references : list of EstimatorImpl
        Peers run the same way for reference (e.g. scikit-learn lloyd and elkan).
    repeats : int
        Timed repeats (the best is kept), alternating between variants.
    seed : int
        Seed for the data and the shared init.
    settle_s : float, default=0.0
        Seconds to pause before each timed fit (see :func:`settle`; 0 skips
        the pause and the wake-up run).

    Returns
    -------
    dict
        JSON-ready results for this shape.
    """
    X = make_data(shape, dtype, seed)
    init = make_init(X, shape.k, seed)
    impls = [ours(a) for a in algorithms] + list(references)
    overrides = {"init": init, "n_init": 1}
    results: dict[str, FitResult] = {}
    times: dict[str, list[float]] = {impl.name: [] for impl in impls}
    for impl in impls:  # warm-up, on all of X (see ``_warm_up``)
        impl.fit_default(X, shape.k, seed, **overrides)
    for rep in range(repeats):
        for impl in _rotated(impls, rep):
            settle(impl, X, init, settle_s)
            res = impl.fit_default(X, shape.k, seed, **overrides)
            times[impl.name].append(res.seconds)
            results[impl.name] = res
    lloyd = results[impls[0].name]
    rows = []
    for impl in impls:
        res = results[impl.name]
        rows.append(
            {
                "name": impl.name,
                "ours": impl.name.startswith("ours"),
                "fit_s": times[impl.name],
                "fit_best_s": min(times[impl.name]),
                "n_iter": res.n_iter,
                "inertia": res.inertia,
                "n_distance_evaluations": res.n_distance_evaluations,
                "same_as_lloyd": _same_result(
                    res, lloyd, exact_centers=impl.name.startswith("ours")
                ),
            }
        )
    return {
        "shape": {"n": shape.n, "d": shape.d, "k": shape.k, "label": shape.label},
        "dtype": dtype,
        "rows": rows,
    }
