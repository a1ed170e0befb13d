"""The examples run (smoke tests), each in a subprocess writing to a temp folder.

Each example owns its test here; keep them fast (the suite runs on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SYNTHETIC = "missing.csv"  # a path that does not exist: the built-in data


def _run(script: str, tmp_path: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_quickstart(tmp_path):
    out = _run("quickstart.py", tmp_path)
    assert "k = " in out and (tmp_path / "report.html").is_file()


def test_mall_age_income(tmp_path):
    out = _run("mall_age_income.py", tmp_path, SYNTHETIC)
    assert "k = 4" in out
    assert Image.open(tmp_path / "mall_age_income.png").size[0] > 500


def test_mall_five_personas(tmp_path):
    # No path: the default (the Mall file when it is there, else synthetic).
    out = _run("mall_five_personas.py", tmp_path)
    assert out.count("  - ") >= 10  # five personas with actions
    assert (tmp_path / "report.html").is_file()


def test_learn_lloyd_gif(tmp_path):
    out = _run("learn_lloyd.py", tmp_path, SYNTHETIC, "--k", "4", "--dpi", "40")
    assert "Lloyd iterations" in out
    gif = Image.open(tmp_path / "kmeans_lloyd.gif")
    # k seeding frames, at least one Lloyd frame, and the held last frame.
    assert gif.format == "GIF" and gif.n_frames >= 4 + 1 + 3
    assert (tmp_path / "kmeans_steps.png").is_file()


def test_dask_out_of_core(tmp_path):
    """The out-of-core example on a tiny array fits and finds the planted centers."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "dask_out_of_core.py"), "--gb", "0.02"]
        + ["--max-iter", "20"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    gap_line = [line for line in done.stdout.splitlines() if "farthest planted" in line]
    assert gap_line, done.stdout
    assert float(gap_line[0].rsplit(":", 1)[1]) < 0.5


def test_text_clustering(tmp_path):
    out = _run("text_clustering.py", tmp_path, "--docs", "400")
    assert "csr_matrix" in out and "float32" in out
    assert out.count("cluster ") == 5
    # The notes of each subject end up together: every cluster is mostly one.
    shares = [
        int(line.split("notes, ")[1].split("%")[0])
        for line in out.splitlines()
        if line.startswith("cluster ")
    ]
    assert min(shares) >= 80
