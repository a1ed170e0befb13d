"""The per-machine calibration of Lloyd's pass (``_calibration``, ``calibrate``).

It may only change speed: the dispatch follows a valid file and ignores any
other (switched off, another CPU or kernel sources, unreadable), and a fit gives the
same bits whichever candidates the file names.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from kmeans_core import KMeans, _calibration, _jit
from kmeans_core import calibrate as calibrate_module
from kmeans_core.calibrate import main as calibrate_main
from kmeans_core.drivers.dispatch import (
    lloyd_pass,
    lloyd_pass_forced,
    measured_lloyd_pass,
)
from kmeans_core.precompile import command


@pytest.fixture
def calibration_file(tmp_path, monkeypatch):
    """Point the calibration at a file in a temporary folder; yield its path."""
    path = tmp_path / "cache" / _calibration.FILE_NAME
    monkeypatch.setattr(_calibration, "calibration_path", lambda: path)
    monkeypatch.delenv(_calibration.ENV_SWITCH, raising=False)
    _calibration._loaded.cache_clear()
    yield path
    _calibration._loaded.cache_clear()


def _content(choices, machine=None, kernels=None):
    return {
        "machine": machine or _calibration.machine(),
        "kernels": kernels or _calibration.kernels_fingerprint(),
        "choices": choices,
        "seconds": {},
    }


# Against the built-in rule, which says "rows" at (16, 4) and at
# (512, 4) in float64 and "blas" at (64, 1024) in float32.
ODD_CHOICES = {
    "float64": [[16, 4, "blas"], [16, 1024, "rows"], [512, 4, "tiled"]],
    "float32": [[64, 1024, "dots"]],
}


def test_the_dispatch_follows_the_nearest_calibrated_cell(calibration_file):
    assert measured_lloyd_pass(4, 16, np.float64) == "rows"
    _calibration.write(_content(ODD_CHOICES))
    assert lloyd_pass(4, 16, np.float64) == "blas"
    assert lloyd_pass(5, 20, np.float64) == "blas"  # nearest: (16, 4)
    assert lloyd_pass(600, 20, np.float64) == "rows"  # nearest: (16, 1024)
    assert lloyd_pass(3, 400, np.float64) == "tiled"  # nearest: (512, 4)
    assert lloyd_pass(2000, 50, np.float32) == "dots"
    # Below d = 16 the built-in rule stands; a forced pass wins over the file.
    assert lloyd_pass(12, 12, np.float64) == "tiled"
    assert lloyd_pass(4, 12, np.float64) == "rows"
    assert lloyd_pass(4, 3, np.float64) == "unrolled"
    with lloyd_pass_forced("rows"):
        assert lloyd_pass(4, 16, np.float64) == "rows"


@pytest.mark.parametrize(
    "content",
    [
        _content(ODD_CHOICES, machine="another cpu"),
        _content(ODD_CHOICES, kernels="other sources"),
        {"machine": "only"},
        "not json at all {",
    ],
    ids=["other-machine", "other-kernels", "incomplete", "unreadable"],
)
def test_a_file_that_does_not_apply_is_ignored(calibration_file, content):
    calibration_file.parent.mkdir(parents=True)
    text = content if isinstance(content, str) else json.dumps(content)
    calibration_file.write_text(text)
    assert _calibration.choices() is None
    assert lloyd_pass(4, 16, np.float64) == measured_lloyd_pass(4, 16, np.float64)


@pytest.mark.parametrize("value", ["0", "off", "False"])
def test_the_switch_turns_the_file_off(calibration_file, monkeypatch, value):
    _calibration.write(_content(ODD_CHOICES))
    monkeypatch.setenv(_calibration.ENV_SWITCH, value)
    assert lloyd_pass(4, 16, np.float64) == "rows"
    monkeypatch.setenv(_calibration.ENV_SWITCH, "1")
    assert lloyd_pass(4, 16, np.float64) == "blas"


def test_a_changed_file_is_read_again(calibration_file):
    _calibration.write(_content(ODD_CHOICES))
    assert lloyd_pass(4, 16, np.float64) == "blas"
    changed = {"float64": [[16, 4, "rows"], [16, 1024, "rows"], [512, 4, "rows"]]}
    _calibration.write(_content(changed))
    assert lloyd_pass(4, 16, np.float64) == "rows"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fits_are_the_same_under_any_calibration(calibration_file, dtype):
    rng = np.random.default_rng(4)
    X = (rng.normal(size=(5000, 20)) + rng.integers(0, 5, (5000, 1))).astype(dtype)
    init = X[:6].copy()

    def fit():
        with _jit.forced(False):
            return KMeans(6, init=init, n_init=1, max_iter=25).fit(X)

    built_in = fit()
    name = str(np.dtype(dtype))
    for choice in ("tiled", "rows", "blas"):
        _calibration.write(_content({name: [[16, 4, choice], [32, 8, choice]]}))
        assert lloyd_pass(6, 20, dtype) == choice
        calibrated = fit()
        np.testing.assert_array_equal(calibrated.labels_, built_in.labels_)
        np.testing.assert_array_equal(
            calibrated.cluster_centers_, built_in.cluster_centers_
        )
        assert calibrated.n_iter_ == built_in.n_iter_


def test_calibrate_times_the_candidates_and_writes_what_it_chose(calibration_file):
    with _jit.forced(False):
        result = calibrate_module.run_calibration(
            ["float32"], [16, 64], [4, 32], data_bytes=2**16, repeats=1
        )
    path = _calibration.write(result)
    assert path == calibration_file
    written = json.loads(path.read_text())
    assert written["machine"] == _calibration.machine()
    cells = written["choices"]["float32"]
    assert [(d, k) for d, k, _ in cells] == [(16, 4), (16, 32), (64, 4), (64, 32)]
    for (d, k, name), (_, _, seconds) in zip(
        cells, written["seconds"]["float32"], strict=True
    ):
        assert set(seconds) == set(calibrate_module.CANDIDATES)
        assert all(s > 0 for s in seconds.values())
        built_in = measured_lloyd_pass(k, d, np.float32)
        fastest = min(seconds, key=seconds.get)
        # The built-in choice stays unless beaten by more than the margin.
        if name != built_in:
            assert name == fastest
            assert seconds[fastest] < (1 - calibrate_module.MARGIN) * seconds[built_in]
        assert lloyd_pass(k, d, np.float32) == name


def test_candidates_that_disagree_are_a_bug(monkeypatch):
    X = calibrate_module.blobs(16, 4, "float64", 2**14)

    def runners(X, k):
        outputs = {
            "rows": (np.zeros(3, np.int32),),
            "dots": (np.ones(3, np.int32),),
        }
        return {name: (lambda out=out: out) for name, out in outputs.items()}

    monkeypatch.setattr(calibrate_module, "pass_runners", runners)
    with pytest.raises(RuntimeError, match="disagrees"):
        calibrate_module.time_candidates(X, 4, ["rows", "dots"], 1)


def test_the_command_writes_shows_and_removes_the_file(
    calibration_file, monkeypatch, capsys
):
    full_grid = calibrate_module.run_calibration

    def small(dtypes, repeats, log):
        return full_grid(dtypes, [32], [8], data_bytes=2**15, repeats=repeats, log=log)

    monkeypatch.setattr(calibrate_module, "run_calibration", small)
    assert command(["calibrate", "--dtype", "float64", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "float64 d=32 k=8" in out and str(calibration_file) in out
    assert calibration_file.exists()
    assert calibrate_main(["--where"]) == 0
    assert capsys.readouterr().out.strip() == str(calibration_file)
    assert calibrate_main(["--remove"]) == 0
    assert not calibration_file.exists()
    assert calibrate_main(["--repeats", "0"]) == 2
    assert "--repeats" in capsys.readouterr().err


def test_the_calibration_file_follows_the_cache_folder_setting(tmp_path, monkeypatch):
    # The folder is remembered per setting, so a new setting must move the file.
    for name in ("first", "second", "first"):
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("KMEANS_CORE_CACHE_DIR", str(folder))
        path = _calibration.calibration_path()
        assert path.name == _calibration.FILE_NAME
        assert folder in path.parents
