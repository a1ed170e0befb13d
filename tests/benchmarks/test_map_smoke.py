"""CI smoke test of ``python -m benchmarks.map --quick`` (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import map as bench_map

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_map_writes_every_cell_and_both_heat_maps(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.map", "--quick", "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads((tmp_path / "map.json").read_text())
    assert set(report["results"]) == {"float32", "float64"}
    for results in report["results"].values():
        cells = {(r["shape"]["d"], r["shape"]["k"]) for r in results}
        assert cells == set(bench_map.QUICK_CELLS)
        for result in results:
            names = {row["name"] for row in result["impls"]}
            assert {"ours", "sklearn-lloyd", "sklearn-elkan"} <= names
            ours = next(r for r in result["impls"] if r["name"] == "ours")
            assert ours["per_iter_best_s"] > 0 and not ours["error"]
            assert result["bound_s"] > 0
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (tmp_path / "map.md").read_text()
    assert "## float32" in markdown and "Ours / best peer" in markdown


def test_cells_are_parsed_and_bad_ones_refused() -> None:
    args = bench_map.build_parser().parse_args(["--cells", "64x4", "128X16"])
    assert bench_map.cells_of(args) == [(64, 4), (128, 16)]
    with pytest.raises(ValueError, match="is not DxK"):
        bench_map.parse_cell("64-4")
    with pytest.raises(ValueError, match="positive"):
        bench_map.parse_cell("0x4")


def test_rows_keep_x_near_16_mib_with_at_least_10000_rows() -> None:
    assert bench_map.rows_for(2) * 2 * 4 == 16 * 2**20
    assert bench_map.rows_for(512) == 10_000
    assert bench_map.rows_for(64, quick=True) == bench_map.QUICK_ROWS
    full = bench_map.cells_of(bench_map.build_parser().parse_args([]))
    assert len(full) == 90 and (512, 1024) in full and (2, 2) in full
