"""Smoke test of ``python -m benchmarks.direct_kernels`` (no real measurement)."""

from __future__ import annotations

from benchmarks.direct_kernels import main, measure


def test_measure_times_both_kernels_and_finds_identical_outputs():
    result = measure("3000x2x5", "float32", repeats=2)
    assert result["identical"] is True
    for key in ("fused_generic_ms", "fused_unrolled_ms", "assign_unrolled_ms"):
        assert result[key] > 0


def test_measure_finds_identical_outputs_for_64_byte_rows():
    # float64 with d = 8: the unrolled kernels copy these rows in squares of 8.
    result = measure("3000x8x5", "float64", repeats=2)
    assert result["identical"] is True


def test_main_prints_a_markdown_row_per_shape_and_dtype(capsys):
    main(["--shapes", "2000x3x4", "--dtype", "float64", "--repeats", "2"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| shape | dtype |")
    assert lines[2].startswith("| 2000x3x4 | float64 |")
    assert lines[2].endswith("| yes |")
