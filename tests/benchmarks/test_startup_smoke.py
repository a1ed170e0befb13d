"""CI smoke test of ``python -m benchmarks.startup --quick`` (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_startup_reports_cold_warm_sklearn_and_compiles(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", "--quick", "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    (result,) = json.loads((tmp_path / "startup.json").read_text())["results"]
    assert result["case"]["n"] == 200
    for kind in ("cold", "warm", "sklearn"):
        (run,) = result[kind]
        assert 0 < run["import_and_first_fit_s"] <= run["process_wall_s"]
    cold, warm = result["cold"][0], result["warm"][0]
    # 200 rows run the kernels' NumPy twins until the kernels are cached, so
    # even an empty cache compiles none of ours (issue 22's small case), and
    # the compile events are read (any compile would be listed here).
    assert not any(c["name"].startswith("kmeans_core.") for c in cold["compiles"])
    assert "compile_s" in cold
    assert warm["compiles"] == []
    markdown = (tmp_path / "startup.md").read_text()
    assert "| 200x3 k=5 float64 |" in markdown
    # The slowest compilations are listed when there were any.
    assert ("slowest compilations" in markdown) == bool(cold["compiles"])
