"""The pause before each timed fit in the comparison runs."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import _runner
from benchmarks._impls import EstimatorImpl, ours
from benchmarks._machine import DistanceGemm, MachineBound
from benchmarks._report import _settle_line
from benchmarks._shapes import Shape


def _any_bound() -> MachineBound:
    """A machine bound for runs whose timings nobody reads."""
    return MachineBound(
        bandwidth_gbs=10.0,
        gemm_gflops={"float32": 10.0},
        threads=1,
        bandwidth_bytes=1,
        gemm_size=1,
    )


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every pause instead of sleeping."""
    calls: list[float] = []
    monkeypatch.setattr(_runner.time, "sleep", calls.append)
    return calls


@pytest.fixture
def primed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record every wake-up run (implementation, rows) and still run it."""
    calls: list[tuple[str, int]] = []
    original = EstimatorImpl.prime

    def recording(self, X, init):
        calls.append((self.name, X.shape[0]))
        original(self, X, init)

    monkeypatch.setattr(EstimatorImpl, "prime", recording)
    return calls


def test_compare_pauses_before_every_timed_fit(
    sleeps: list[float], primed: list[tuple[str, int]]
) -> None:
    bound = _any_bound()
    impls = [ours("lloyd"), ours("hamerly")]
    _runner.compare_shape(
        Shape(300, 2, 3),
        "float32",
        impls,
        max_iter=3,
        repeats=2,
        fit_repeats=1,
        seed=0,
        bound=bound,
        settle_s=0.25,
    )
    # Two fixed-iteration repeats and one full fit for each implementation,
    # each after a pause and a wake-up run of that same implementation, and
    # the distance GEMM once per repeat, after a pause too.
    assert sleeps == [0.25] * (len(impls) * 3 + 2)
    assert sorted(primed) == sorted([("ours", 300), ("ours-hamerly", 300)] * 3)


def test_variants_pause_before_every_timed_fit(sleeps: list[float]) -> None:
    _runner.variants_shape(
        Shape(300, 2, 3),
        "float64",
        ["lloyd", "elkan"],
        [],
        repeats=2,
        seed=0,
        settle_s=0.1,
    )
    assert sleeps == [0.1] * 4


def test_no_pause_means_no_sleep(
    sleeps: list[float], primed: list[tuple[str, int]]
) -> None:
    _runner.variants_shape(
        Shape(300, 2, 3), "float64", ["lloyd"], [], repeats=2, seed=0, settle_s=0.0
    )
    assert sleeps == []
    assert primed == []


def test_wake_up_run_uses_a_few_rows(primed: list[tuple[str, int]]) -> None:
    X = np.random.default_rng(0).standard_normal((5000, 3))
    impl = ours("lloyd")
    init = X[:4].copy()
    _runner.settle(impl, X, init, 1e-6)
    assert primed == [("ours", 2048)]


def test_report_says_whether_fits_were_paused() -> None:
    assert "0.3 s pause" in _settle_line({"settings": {"settle_s": 0.3}})
    assert _settle_line({"settings": {"settle_s": 0.0}}) == (
        "No pause between timed fits."
    )


def test_a_peer_failing_in_its_wake_up_run_is_reported_not_fatal(
    sleeps: list[float],
) -> None:
    class BrokenPeer(EstimatorImpl):
        def prime(self, X, init):
            raise RuntimeError("no threads today")

    bound = _any_bound()
    broken = BrokenPeer("broken", ours("lloyd").estimator_cls)
    result = _runner.compare_shape(
        Shape(300, 2, 3),
        "float32",
        [ours("lloyd"), broken],
        max_iter=3,
        repeats=1,
        fit_repeats=1,
        seed=0,
        bound=bound,
        settle_s=0.1,
    )
    rows = {row["name"]: row for row in result["impls"]}
    assert "no threads today" in rows["broken"]["error"]
    assert rows["ours"]["per_iter_best_s"] > 0


def test_distance_gemm_times_the_products_of_one_iteration(sleeps: list[float]) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 5)).astype(np.float32)
    centers = X[[7, 70, 700]].copy()
    before = X.copy()
    gemm = DistanceGemm(X, centers)
    _runner.settle(gemm, X, centers, 0.2)
    assert sleeps == [0.2]
    assert gemm.time() > 0
    assert sleeps == [0.2]
    # What it timed is X @ C.T, in X's dtype, and X is left as it was.
    np.testing.assert_allclose(gemm._out, X @ centers.T, rtol=1e-5, atol=1e-5)
    assert gemm._out.dtype == np.float32
    np.testing.assert_array_equal(X, before)


def test_distance_gemm_in_row_chunks_computes_every_product(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1000, 4))
    centers = X[[1, 2, 3]].copy()
    products: list[np.ndarray] = []
    matmul = np.matmul

    def recording(a, b, out):
        matmul(a, b, out=out)
        products.append(out.copy())

    # 3 centers x 8 bytes x 300 rows: chunks of 300, 300, 300 and 100 rows.
    gemm = DistanceGemm(X, centers, max_out_bytes=3 * 8 * 300)
    monkeypatch.setattr(np, "matmul", recording)
    assert gemm.time() > 0
    assert [p.shape for p in products] == [(300, 3)] * 3 + [(100, 3)]
    np.testing.assert_allclose(np.vstack(products), X @ centers.T, rtol=1e-12)
