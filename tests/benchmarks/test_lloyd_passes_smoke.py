"""Smoke test of ``python -m benchmarks.lloyd_passes`` (no real measurement)."""

from __future__ import annotations

import json

import benchmarks.lloyd_passes as lloyd_passes


def test_main_times_every_candidate_and_finds_identical_outputs(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(lloyd_passes, "_rows_for", lambda d: 3000)
    out = tmp_path / "passes.json"
    lloyd_passes.main(
        ["--d", "24", "--k", "5", "40", "--dtype", "float32", "--repeats", "1"]
        + ["--json", str(out)]
    )
    results = json.loads(out.read_text())
    assert [(r["d"], r["k"]) for r in results] == [(24, 5), (24, 40)]
    for r in results:
        assert r["identical"] is True
        assert set(lloyd_passes.OURS) <= set(r["ms"])
        assert all(ms > 0 for ms in r["ms"].values())
    table = capsys.readouterr().out.strip().splitlines()[-2:]
    assert all(line.startswith("| float32 | 24 |") for line in table)
    assert all(line.endswith("| yes |") for line in table)
