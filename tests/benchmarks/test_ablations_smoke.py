"""Smoke test of ``python -m benchmarks.ablations`` (no real measurement)."""

from __future__ import annotations

from benchmarks.ablations import main, measure


def test_every_ablation_runs_and_changes_no_result():
    # 3000 x 24 with k=260 takes the BLAS path (float32, k > 256 below d = 32)
    # and seeds from the transposed copy (96-byte rows); 3000 x 3 the per-d
    # seeding and packed rows.
    rows = measure("3000x24x260", repeats=1) + measure("3000x3x6", repeats=1)
    names = {r["ablation"] for r in rows}
    assert {"reuse (lloyd)", "reuse (hamerly)", "reuse (yinyang)"} <= names
    assert "seeding (per-d kernel)" in names
    assert "accumulation (packed rows)" in names
    assert "seeding (transposed copy)" in names
    assert "reference (origin)" in names
    for r in rows:
        assert r["identical"], r
        assert r["on_ms"] > 0 and r["off_ms"] > 0


def test_main_prints_a_markdown_row_per_ablation(capsys):
    main(["--shapes", "2000x2x4", "--repeats", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| shape | optimisation |")
    # Off the BLAS path: hamerly's and yinyang's reuse, the seeding kernel and
    # the packed accumulation.
    assert len(lines) == 2 + 4
    assert all(line.endswith("| yes |") for line in lines[2:])
