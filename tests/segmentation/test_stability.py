"""Bootstrap stability per segment: the matching, the bands, where it shows."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from segmentation import segment
from segmentation.cli import main
from segmentation.errors import StabilityWarning
from segmentation.io import DataError
from segmentation.stability import (
    best_jaccard,
    bootstrap_stability,
    stability_band,
)
from tests.segmentation.conftest import planted_blobs

# Small B keeps the suite fast; the effects tested are far from the bands.
B = 8


def test_best_jaccard_hand_worked_example():
    # Six customers a..f. Original segments: S0 = {a, b, c}, S1 = {d, e, f}.
    # Refit clusters: C0 = {a, b}, C1 = {c, d, e, f}.
    # S0: with C0 |{a,b}| / |{a,b,c}| = 2/3; with C1 |{c}| / |{a..f}| = 1/6.
    # S1: with C0 0; with C1 |{d,e,f}| / |{c,d,e,f}| = 3/4.
    got = best_jaccard([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1], 2, 2)
    np.testing.assert_allclose(got, [2 / 3, 3 / 4])


def test_best_jaccard_uneven_counts_and_absent_segment():
    # S0 = {a, b}, S1 absent from this resample, S2 = {c, d, e}.
    # Three refit clusters: C0 = {a}, C1 = {b, c}, C2 = {d, e}.
    # S0: C0 1/2, C1 1/3 -> 1/2. S2: C1 1/4, C2 2/3 -> 2/3. S1: NaN.
    got = best_jaccard([0, 0, 2, 2, 2], [0, 1, 1, 2, 2], 3, 3)
    np.testing.assert_allclose(got[[0, 2]], [1 / 2, 2 / 3])
    assert np.isnan(got[1])


def test_best_jaccard_is_one_for_a_relabelled_copy():
    rng = np.random.default_rng(0)
    seg = rng.integers(0, 4, size=50)
    perm = np.array([2, 0, 3, 1])
    np.testing.assert_allclose(best_jaccard(seg, perm[seg], 4, 4), 1.0)


def test_best_jaccard_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        best_jaccard([0, 1], [0], 2, 2)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1.0, "highly stable"),
        (0.85, "highly stable"),
        (0.8499, "stable"),
        (0.75, "stable"),
        (0.7499, "doubtful"),
        (0.6, "doubtful"),
        (0.5999, "dissolved"),
        (0.0, "dissolved"),
        (float("nan"), "dissolved"),
    ],
)
def test_bands(value, band):
    assert stability_band(value) == band


def test_planted_well_separated_groups_are_all_stable():
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10.0]])
    frame, _ = planted_blobs(240, centers, 1.0, ["x", "y"], seed=4)
    result = segment(frame, k=4, stability_resamples=B)
    assert result.stability is not None
    assert (result.stability.per_segment >= 0.9).all(), result.stability.per_segment
    assert not any("stability" in w for w in result.warnings)


def test_uniform_data_is_never_highly_stable_and_warns():
    # Uniform in a cube has no clusters: k-means invents them.
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.uniform(size=(300, 3)), columns=["a", "b", "c"])
    with pytest.warns(StabilityWarning, match="treat its persona with caution"):
        result = segment(frame, k=4, stability_resamples=B)
    values = result.stability.per_segment
    assert (values < 0.85).all(), values
    assert "highly stable" not in result.stability.bands()
    low = [s for s in range(4) if values[s] < 0.75]
    assert low
    notes = [w for w in result.warnings if "bootstrap stability" in w]
    assert len(notes) == len(low)
    for s in low:
        assert any(f"segment {s} ({result.persona_names[s]})" in n for n in notes)


@pytest.mark.filterwarnings("ignore::segmentation.errors.StabilityWarning")
def test_stability_is_in_segment_order_and_reproducible():
    frame = pd.DataFrame(
        np.random.default_rng(6).normal(size=(120, 2)), columns=["u", "v"]
    )
    a = segment(frame, k=3, stability_resamples=4, random_state=3)
    b = segment(frame, k=3, stability_resamples=4, random_state=3)
    np.testing.assert_array_equal(a.stability.per_segment, b.stability.per_segment)
    # The pipeline's numbers are those of the function on the final labels.
    direct = bootstrap_stability(
        a.X_scaled, a.labels, 3, resamples=4, n_init=a.metrics["n_init"],
        random_state=(3, 3),
    )  # fmt: skip
    np.testing.assert_allclose(a.stability.per_segment, direct.per_segment)


def test_zero_resamples_turns_it_off_and_bad_values_are_refused():
    frame = pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40.0) % 7})
    off = segment(frame, k=2, stability_resamples=0)
    assert off.stability is None
    summary = off.summary()
    assert summary["stability"] is None
    assert all(s["stability"] is None for s in summary["segments"])
    for bad in (-1, 2.5, True, "20"):
        with pytest.raises(DataError, match="stability_resamples"):
            segment(frame, k=2, stability_resamples=bad)


def test_bootstrap_stability_checks_and_never_modifies_inputs():
    X = np.random.default_rng(7).normal(size=(60, 2))
    labels = (X[:, 0] > 0).astype(np.int64)
    X.setflags(write=False)
    labels.setflags(write=False)
    before = (X.copy(), labels.copy())
    bootstrap_stability(X, labels, resamples=2)
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(labels, before[1])
    with pytest.raises(ValueError, match="one entry per row"):
        bootstrap_stability(X, labels[:10])
    with pytest.raises(ValueError, match="non-negative integers"):
        bootstrap_stability(X, labels - 1)
    with pytest.raises(ValueError, match="resamples must be at least 1"):
        bootstrap_stability(X, labels, resamples=0)
    with pytest.raises(TypeError, match="n_init must be an integer"):
        bootstrap_stability(X, labels, n_init=1.5)


def test_large_tables_are_subsampled_and_say_so():
    X = np.random.default_rng(8).normal(size=(500, 2))
    labels = (X[:, 1] > 0).astype(np.int64)
    st = bootstrap_stability(X, labels, resamples=2, n_init=1, max_rows=100)
    assert st.sample_size == 100 and st.n_rows == 500
    assert "subsample of 100 of 500 customers" in st.how()
    assert bootstrap_stability(X, labels, resamples=2, n_init=1).sample_size is None


def test_auto_k_reports_stability_per_k_without_voting():
    frame = pd.DataFrame(
        np.random.default_rng(9).normal(size=(90, 2)), columns=["p", "q"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StabilityWarning)
        on = segment(frame, k="auto", k_range=(2, 5), stability_resamples=3)
    off = segment(frame, k="auto", k_range=(2, 5), stability_resamples=0)
    sel = on.selection
    assert sel.stability is not None and len(sel.stability) == len(sel.ks)
    assert ((sel.stability >= 0) & (sel.stability <= 1)).all()
    # The chosen k's mean is its segments' mean.
    assert sel.stability[sel.ks.index(on.k)] == pytest.approx(on.stability.mean)
    # Stability is evidence, not a vote: the same k and votes as without it.
    assert on.k == off.k and sel.votes == off.selection.votes
    assert "reported, not voted on" in sel.reason
    per_k = sel.to_dict()["per_k"]["stability"]
    assert len(per_k) == len(sel.ks)
    assert off.selection.to_dict()["per_k"]["stability"] is None


def test_cli_summary_reports_and_warnings(tmp_path, capsys):
    rng = np.random.default_rng(10)
    frame = pd.DataFrame(rng.uniform(size=(150, 3)), columns=["a", "b", "c"])
    path = tmp_path / "u.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    argv = ["run", str(path), "--k", "4", "--stability-resamples", "4", "--out"]
    assert main([*argv, str(out)]) == 0
    captured = capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    values = [s["stability"] for s in summary["segments"]]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert summary["stability"]["resamples"] == 4
    low = [s for s in summary["segments"] if s["stability"] < 0.75]
    assert low  # uniform data
    for seg in low:
        line = f"segment {seg['segment']} ({seg['persona']['name']})"
        assert any(line in w for w in summary["warnings"])
        assert line in captured.err
    warned = [ln for ln in captured.err.splitlines() if "bootstrap stability" in ln]
    assert len(warned) == len(low)
    md = (out / "report.md").read_text()
    assert "## Segment stability" in md and "0.6–0.75 doubtful" in md
    for seg in summary["segments"]:
        assert f"**Stability: {seg['stability']:.2f} (" in md
    html = (out / "report.html").read_text()
    assert html.count('class="badge b-') >= 2 * len(values)  # cards + table
    assert 'id="stability"' in html and "≥ 0.85 highly stable" in html
    for v in values:
        assert f'data-stability="{v:.3f}"' in html


def test_cli_rejects_negative_resamples(tmp_path, capsys):
    code = main(["demo", "--out", str(tmp_path), "--stability-resamples", "-1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "invalid B" in err
