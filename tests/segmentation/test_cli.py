"""The kmeans-segment command: outputs, exit codes and one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segmentation.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]

GOOD = "id,Age,Annual Income,Spending Score\n" + "".join(
    f"{i},{20 + i % 40},{15 + (i * 7) % 100},{(i * 13) % 99 + 1}\n" for i in range(60)
)

BAD_INPUTS = {
    "empty file": (b"", [], "is empty"),
    "header only": (b"id,age,income\n", [], "header but no data rows"),
    "missing column": (
        GOOD.encode(),
        ["--features", "age", "tenure"],
        "no column matches 'tenure'",
    ),
    "ambiguous fragment": (GOOD.encode(), ["--features", "a"], "is ambiguous"),
    "non-numeric": (
        b"id,age,income\n1,20,10\n2,abc,11\n3,30,12\n",
        [],
        "non-numeric value 'abc' on line 3",
    ),
    "missing values": (
        b"id,age,income\n1,20,10\n2,,11\n3,30,12\n4,31,12\n",
        ["--k", "2"],
        "missing values in 'age'",
    ),
    "ragged rows": (
        b"id,age,income\n1,20,10\n2,21\n3,30,12\n",
        [],
        "line 3 has 2 fields",
    ),
    "binary garbage": (bytes(range(256)) * 20, [], "does not look like a text CSV"),
    "fewer rows than k": (
        b"id,age,income\n1,20,10\n2,21,11\n3,30,12\n",
        ["--k", "5"],
        "has 3 rows but k = 5",
    ),
}


def _run_main(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, case):
    content, extra, message = BAD_INPUTS[case]
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    code, _, err = _run_main(
        capsys, ["run", str(path), *extra, "--out", str(tmp_path / "o")]
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kmeans-segment: error: ") and message in lines[0]
    assert "Traceback" not in err
    assert path.read_bytes() == content  # the input is never changed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "/no/such/file.csv", "--out", "o"],
            "file not found: /no/such/file.csv",
        ),
        (["run", "x.csv", "--k", "many", "--out", "o"], "invalid k 'many'"),
        (["run", "x.csv", "--k", "1", "--out", "o"], "at least 2"),
        (["run", "x.csv", "--scale", "log", "--out", "o"], "invalid choice: 'log'"),
        (["run", "x.csv"], "the following arguments are required: --out"),
        (["frobnicate"], "invalid choice"),
        ([], "the following arguments are required: {run,demo,assign}"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv, message):
    code, _, err = _run_main(capsys, argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_drop_missing_prints_count_and_succeeds(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(GOOD + "99,,50,50\n")
    code, out, _ = _run_main(
        capsys,
        ["run", str(path), "--k", "3", "--drop-missing", "--out", str(tmp_path / "o")],
    )
    assert code == 0 and "dropped 1 rows with missing values" in out


def test_run_writes_all_outputs(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(GOOD)
    out_dir = tmp_path / "out"
    code, out, err = _run_main(
        capsys,
        [
            "run",
            str(path),
            "--features",
            "age",
            "income",
            "spending",
            "--k",
            "auto",
            "--k-range",
            "2",
            "5",
            "--scale",
            "minmax",
            "--seed",
            "3",
            "--out",
            str(out_dir),
        ],
    )
    assert code == 0, err
    seg = pd.read_csv(out_dir / "segments.csv")
    assert len(seg) == 60 and {"segment", "persona"} <= set(seg.columns)
    summary = json.loads((out_dir / "summary.json").read_text())
    assert set(summary) >= {
        "n_customers",
        "features",
        "scale",
        "k",
        "k_selection",
        "segments",
        "metrics",
    }
    assert summary["scale"] == "minmax" and summary["n_customers"] == 60
    assert 2 <= summary["k"] <= 5 and summary["k_selection"]["reason"]
    assert sum(s["size"] for s in summary["segments"]) == 60
    first = summary["segments"][0]
    assert set(first) == {
        "segment",
        "size",
        "share",
        "centroid",
        "persona",
        "stability",
    }
    assert all(0.0 <= s["stability"] <= 1.0 for s in summary["segments"])
    assert set(first["centroid"]) == {"Age", "Annual Income", "Spending Score"}
    assert set(first["persona"]) == {"name", "description", "actions"}
    assert (
        (out_dir / "report.md").read_text().startswith("# Customer segmentation report")
    )
    assert len(pd.read_csv(out_dir / "profiles.csv")) == summary["k"]
    # The persona table is printed.
    for s in summary["segments"]:
        assert s["persona"]["name"] in out


def test_debug_shows_traceback(tmp_path, capsys):
    code, _, err = _run_main(
        capsys, ["run", str(tmp_path / "no.csv"), "--out", "o", "--debug"]
    )
    assert code == 2 and "Traceback" in err


def test_entry_point_demo_and_error_in_a_real_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    cmd = [sys.executable, "-m", "segmentation"]
    done = subprocess.run(
        [*cmd, "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    for name in (
        "segments.csv",
        "profiles.csv",
        "report.md",
        "summary.json",
        "model.json",
        "customers.csv",
    ):
        assert (tmp_path / name).is_file()
    bad = subprocess.run(
        [*cmd, "run", "missing.csv", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "file not found" in bad.stderr
