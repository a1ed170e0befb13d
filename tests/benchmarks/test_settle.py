"""The pause before each timed fit in the comparison runs."""

from __future__ import annotations

import pytest

from benchmarks import _runner
from benchmarks._impls import ours
from benchmarks._machine import MachineBound
from benchmarks._report import _settle_line
from benchmarks._shapes import Shape


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every pause instead of sleeping."""
    calls: list[float] = []
    monkeypatch.setattr(_runner.time, "sleep", calls.append)
    return calls


def test_compare_pauses_before_every_timed_fit(sleeps: list[float]) -> None:
    bound = MachineBound(
        bandwidth_gbs=10.0,
        gemm_gflops={"float32": 10.0},
        threads=1,
        bandwidth_bytes=1,
        gemm_size=1,
    )
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
    # Two fixed-iteration repeats and one full fit for each implementation.
    assert sleeps == [0.25] * (len(impls) * 3)


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


def test_no_pause_means_no_sleep(sleeps: list[float]) -> None:
    _runner.variants_shape(
        Shape(300, 2, 3), "float64", ["lloyd"], [], repeats=2, seed=0, settle_s=0.0
    )
    assert sleeps == []


def test_report_says_whether_fits_were_paused() -> None:
    assert "0.3 s pause" in _settle_line({"settings": {"settle_s": 0.3}})
    assert _settle_line({"settings": {"settle_s": 0.0}}) == (
        "No pause between timed fits."
    )
