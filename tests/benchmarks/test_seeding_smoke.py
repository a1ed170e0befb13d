"""Smoke test of ``python -m benchmarks.seeding`` (no real measurement)."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from benchmarks.seeding import main  # noqa: E402


def test_main_prints_a_markdown_row_per_shape(capsys):
    main(["--shapes", "3000x4x5", "--repeats", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| shape |")
    row = lines[2].split("|")
    assert row[1].strip() == "3000x4x5"
    assert float(row[2]) > 0 and float(row[3]) > 0
