"""Smoke test of ``python -m benchmarks.memory`` (CI runs no real measurement)."""

from __future__ import annotations

from benchmarks.memory import main, measure


def test_measure_reports_the_size_of_x_and_a_growth():
    result = measure("20000x4x3", "float32")
    assert abs(result["x_mib"] - 20000 * 4 * 4 / 2**20) < 1e-9
    assert result["growth_mib"] >= 0
    assert result["shape"] == "20000x4x3"


def test_copy_x_lets_seeding_hold_a_copy_of_wide_rows():
    # 40000 x 32 float32 (5 MiB) with k=16 seeds from a transposed copy.
    copied = measure("40000x32x16", "float32", copy_x=True)
    not_copied = measure("40000x32x16", "float32", copy_x=False)
    assert copied["copy_x"] and not not_copied["copy_x"]
    assert copied["growth_mib"] > not_copied["growth_mib"] + 0.5 * copied["x_mib"]


def test_main_prints_a_markdown_row_per_shape(capsys):
    main(["--shapes", "3000x2x2", "--dtype", "float64"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| shape |")
    assert lines[2].startswith("| 3000x2x2 | float64 | False |")
