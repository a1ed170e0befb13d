"""Unit tests of the benchmark's OpenBLAS environment clean-up."""

from __future__ import annotations

import os
import sys

import pytest

from benchmarks import _env
from benchmarks._shapes import Shape, parse_shape


def test_reports_variables_it_cannot_unset_once_numpy_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert "numpy" in sys.modules  # pytest has loaded it through this suite
    assert _env.clean_blas_env(reexec=False) == ["OPENBLAS_CORETYPE"]
    assert os.environ["OPENBLAS_CORETYPE"] == "Haswell"


def test_reexecs_with_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    monkeypatch.delenv(_env.UNSET_RECORD_VAR, raising=False)
    monkeypatch.setattr(sys, "argv", ["compare.py", "--quick"])
    monkeypatch.setattr(os, "execve", lambda *args: calls.append(args))
    _env.clean_blas_env(reexec=True)
    ((path, argv, env),) = calls
    assert argv[1:] == ["-m", "benchmarks.compare", "--quick"]
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    record = dict(item.split("=") for item in env[_env.UNSET_RECORD_VAR].split(";"))
    assert record == {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}


def test_unsets_directly_before_numpy_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.delenv(_env.UNSET_RECORD_VAR, raising=False)
    monkeypatch.setattr(_env, "numpy_loaded", lambda: False)
    assert _env.clean_blas_env(reexec=True) == []
    assert "OPENBLAS_L2_SIZE" not in os.environ
    assert _env.unset_record() == {"OPENBLAS_L2_SIZE": "512"}
    monkeypatch.delenv(_env.UNSET_RECORD_VAR)


@pytest.mark.parametrize(
    ("text", "shape"),
    [("100000x2x5", Shape(100000, 2, 5)), ("1_000_000x8x8", Shape(1000000, 8, 8))],
)
def test_parse_shape(text: str, shape: Shape) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["100x2", "axbxc", "10x2x20", "0x1x1"])
def test_parse_shape_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="shape"):
        parse_shape(text)
