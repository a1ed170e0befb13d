"""CI smoke test of ``python -m benchmarks.compare --quick`` (no timing asserts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_compare(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENBLAS_CORETYPE": "Haswell"}  # must be unset by the script
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.compare", "--quick", "--out", str(out)]
        + list(extra),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Run the quick comparison once and return (output dir, parsed JSON)."""
    out = tmp_path_factory.mktemp("bench")
    proc = _run_compare(out)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, json.loads((out / "compare.json").read_text())


@pytest.mark.slow
def test_writes_json_markdown_and_png(quick_report: tuple[Path, dict]) -> None:
    out, _ = quick_report
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (out / "compare.md").read_text()
    assert "| ours |" in markdown
    assert "| distance GEMM | ours / GEMM |" in markdown
    assert "sklearn-lloyd" in markdown and "## float32" in markdown


@pytest.mark.slow
def test_times_and_bound_are_positive(quick_report: tuple[Path, dict]) -> None:
    _, report = quick_report
    bound = report["machine_bound"]
    assert bound["bandwidth_gbs"] > 0
    assert all(v > 0 for v in bound["gemm_gflops"].values())
    results = report["results"]["float32"]
    assert len(results) == len(report["settings"]["shapes"]) >= 1
    for res in results:
        assert res["bound_s"] > 0
        assert res["distance_gemm_s"] > 0
        names = {row["name"] for row in res["impls"]}
        assert {"ours", "sklearn-lloyd", "sklearn-elkan"} <= names
        for row in res["impls"]:
            if row["error"]:
                assert row["name"] != "ours", row["error"]
                continue
            assert row["per_iter_best_s"] > 0 and row["fit_best_s"] > 0
            assert 1 <= row["fixed_n_iter"] <= res["max_iter"]
            assert row["fit_inertia"] > 0


@pytest.mark.slow
def test_ours_matches_sklearn_from_same_init(quick_report: tuple[Path, dict]) -> None:
    _, report = quick_report
    for res in report["results"]["float32"]:
        rows = {row["name"]: row for row in res["impls"]}
        ours, sk = rows["ours"], rows["sklearn-lloyd"]
        assert ours["fixed_n_iter"] == sk["fixed_n_iter"], res["shape"]
        np.testing.assert_allclose(
            ours["fixed_inertia"], sk["fixed_inertia"], rtol=1e-4
        )


@pytest.mark.slow
def test_openblas_variables_are_unset_for_the_run(
    quick_report: tuple[Path, dict],
) -> None:
    _, report = quick_report
    assert report["blas_env_unset"].get("OPENBLAS_CORETYPE") == "Haswell"
    assert report["blas_env_still_set"] == []
    assert report["blas"], "threadpoolctl should report the BLAS library"
