"""pytest-benchmark suite: ours vs scikit-learn, grouped by shape.

Run ``pytest benchmarks`` (``--benchmark-disable`` for a one-pass smoke run). Shapes
default to small versions of issue 4's regimes; set ``KMEANS_BENCH_SHAPES=full`` for the
full table, or to a comma-separated list such as ``1000000x8x8,100000x64x256``.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np
import pytest

from benchmarks._impls import EstimatorImpl, ours
from benchmarks._shapes import FULL_SHAPES, Shape, make_data, make_init, parse_shape

MAX_ITER = 20

DEFAULT_SHAPES: tuple[Shape, ...] = (
    Shape(100_000, 2, 5),
    Shape(100_000, 8, 8),
    Shape(20_000, 32, 64),
    Shape(5_000, 64, 256),
    Shape(200, 3, 5),
)


def _shapes() -> tuple[Shape, ...]:
    spec = os.environ.get("KMEANS_BENCH_SHAPES", "").strip()
    if not spec:
        return DEFAULT_SHAPES
    if spec == "full":
        return FULL_SHAPES
    return tuple(parse_shape(s) for s in spec.split(",") if s)


def _impl(name: str) -> EstimatorImpl:
    if name.startswith("ours-"):
        return ours(name.removeprefix("ours-"))
    from sklearn.cluster import KMeans

    return EstimatorImpl(name, KMeans, {"algorithm": name.removeprefix("sklearn-")})


@functools.lru_cache(maxsize=2)
def _problem(shape: Shape, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    X = make_data(shape, dtype)
    return X, make_init(X, shape.k)


SHAPES = _shapes()
IMPLS = ("ours-lloyd", "ours-elkan", "sklearn-lloyd", "sklearn-elkan")
DTYPES = ("float32",)


def _run(benchmark: Any, func: Any, *args: Any) -> Any:
    return benchmark.pedantic(func, args=args, rounds=3, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.key for s in SHAPES])
def test_fixed_iterations(benchmark: Any, shape: Shape, impl: str, dtype: str) -> None:
    """Twenty Lloyd iterations (tol=0) from one shared init."""
    benchmark.group = f"{shape.label} {dtype}: {MAX_ITER} iterations"
    X, init = _problem(shape, dtype)
    result = _run(benchmark, _impl(impl).fit_fixed, X, init, MAX_ITER)
    benchmark.extra_info.update(n_iter=result.n_iter, inertia=result.inertia)
    assert 1 <= result.n_iter <= MAX_ITER


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.key for s in SHAPES])
def test_default_fit(benchmark: Any, shape: Shape, impl: str, dtype: str) -> None:
    """Default fit: k-means++ (random_state=0) plus iterations to convergence."""
    benchmark.group = f"{shape.label} {dtype}: default fit"
    X, _ = _problem(shape, dtype)
    result = _run(benchmark, _impl(impl).fit_default, X, shape.k, 0)
    benchmark.extra_info.update(n_iter=result.n_iter, inertia=result.inertia)
    assert result.inertia > 0
