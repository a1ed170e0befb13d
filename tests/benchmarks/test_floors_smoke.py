"""Smoke test of ``python -m benchmarks.floors`` (no timing asserts)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import benchmarks.floors as floors


def test_labels_floor_reads_every_value_and_writes_every_label() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5000, 3)).astype(np.float32)
    labels = np.full(X.shape[0], -1, dtype=np.int32)
    total = floors._labels_floor(X, labels)
    # Every value was read: the float64 total of X, within the reordering
    # that the chunked (fastmath) sum allows.
    assert total == pytest.approx(X.sum(dtype=np.float64), abs=1e-3)
    assert set(np.unique(labels)) <= {0, 1}


def test_main_reports_every_column_for_every_cell(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(floors, "rows_for", lambda d: 4000)
    monkeypatch.setattr(floors, "BANDWIDTH_BYTES", 2**20)
    out = tmp_path / "floors.json"
    floors.main(
        ["--cells", "2x3", "3x2", "--dtype", "float32", "--iters", "3"]
        + ["--repeats", "1", "--json", str(out)]
    )
    results = json.loads(out.read_text())
    assert [(r["d"], r["k"], r["n"]) for r in results] == [(2, 3, 4000), (3, 2, 4000)]
    for r in results:
        assert set(r["ms"]) == set(floors.COLUMNS)
        assert r["bound_ms"] > 0
        for name in floors.COLUMNS:
            assert r["x_bound"][name] == pytest.approx(r["ms"][name] / r["bound_ms"])
        for name in ("read X", "labels floor", "assign", "fused", "fit / iter"):
            assert r["ms"][name] > 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("| float32 | 2 x 3 | 4000 |")
    assert lines[-1].startswith("| float32 | 3 x 2 | 4000 |")


def test_main_refuses_a_single_iteration() -> None:
    with pytest.raises(SystemExit):
        floors.main(["--iters", "1"])
