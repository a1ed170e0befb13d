"""segmentation.plots: each plot draws what it claims, without pyplot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from segmentation import make_customers, plots, segment

RED = to_rgba("red")
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def result():
    return segment(make_customers(150, random_state=1), k="auto", k_range=(2, 6))


@pytest.fixture(scope="module")
def wide():
    """Four features, so the PCA view applies."""
    rng = np.random.default_rng(3)
    centers = np.array([[0, 0, 0, 0], [6, 0, 6, 0], [0, 6, 0, 6.0]])
    truth = rng.integers(0, 3, size=90)
    X = centers[truth] + rng.normal(size=(90, 4))
    return segment(pd.DataFrame(X, columns=list("abcd")), k=3)


def _centroid_line(ax):
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "centroids"]
    return line


def _segment_points(ax):
    return [c for c in ax.collections if str(c.get_gid()).startswith("segment-")]


def test_drawing_never_imports_pyplot(tmp_path):
    # In a fresh process: other tests' imports would hide a pyplot import.
    code = (
        "import sys\n"
        "from segmentation import plots\n"
        "ax = plots.new_axes(); ax.plot([1, 2]); ax.figure.savefig(sys.argv[1])\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "a.png")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.png").stat().st_size > 0


def test_palette_is_consistent_and_red_free():
    assert plots.segment_colors(3) == list(plots.PALETTE[:3])
    assert plots.segment_colors(12)[10] == plots.PALETTE[0]
    assert all(to_rgba(c) != RED for c in plots.PALETTE)


def test_elbow_marks_chosen_k_and_knee(result):
    sel = result.selection
    ax = plots.elbow_plot(sel)
    (curve,) = [ln for ln in ax.get_lines() if ln.get_label() == "inertia"]
    np.testing.assert_allclose(curve.get_ydata(), sel.inertia)
    (chosen,) = [ln for ln in ax.get_lines() if ln.get_gid() == "chosen-k"]
    assert chosen.get_xdata()[0] == sel.k
    knees = [ln for ln in ax.get_lines() if ln.get_gid() == "knee"]
    if sel.knee.found:
        assert len(knees) == 1 and knees[0].get_xdata()[0] == sel.knee.x
    else:
        assert not knees and any(t.get_gid() == "no-knee" for t in ax.texts)


def test_selection_plot_has_five_panels(result):
    fig = plots.selection_plot(result.selection)
    assert len(fig.axes) == 5
    # The chosen k is marked in every panel.
    for ax in fig.axes:
        assert any(ln.get_gid() == "chosen-k" for ln in ax.get_lines())


def test_scatter_2d_points_and_red_square_centroids(result):
    ax = plots.scatter_2d(result, "Annual Income (k$)", "Spending Score (1-100)")
    pts = _segment_points(ax)
    assert len(pts) == result.k
    assert sum(len(c.get_offsets()) for c in pts) == len(result.data)
    # Each segment's points are exactly its members.
    for s, c in enumerate(pts):
        assert len(c.get_offsets()) == int(result.profiles.size[s])
    line = _centroid_line(ax)
    assert line.get_marker() == "s" and to_rgba(line.get_color()) == RED
    np.testing.assert_allclose(
        np.column_stack([line.get_xdata(), line.get_ydata()]),
        result.centers[["Annual Income (k$)", "Spending Score (1-100)"]].to_numpy(),
    )
    labels = {t.get_text() for t in ax.texts}
    assert set(result.persona_names) <= labels


def test_scatter_2d_default_picks_two_features(result):
    ax = plots.scatter_2d(result)
    assert ax.get_xlabel() in result.features and ax.get_ylabel() in result.features
    assert ax.get_xlabel() != ax.get_ylabel()


def test_scatter_3d(result):
    ax = plots.scatter_3d(result)
    assert ax.name == "3d"
    assert sum(len(c._offsets3d[0]) for c in _segment_points(ax)) == len(result.data)
    line = _centroid_line(ax)
    assert line.get_marker() == "s" and to_rgba(line.get_color()) == RED
    assert len(line.get_xdata()) == result.k
    with pytest.raises(ValueError, match="three columns"):
        plots.scatter_3d(result, ["Age"])


def test_pca_matches_numpy_covariance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    scores, comps, ratio, mean = plots.pca(X, 2)
    vals, vecs = np.linalg.eigh(np.cov(X.T, bias=True))
    np.testing.assert_allclose(ratio, vals[::-1][:2] / vals.sum(), rtol=1e-10)
    for j in range(2):
        assert abs(abs(comps[j] @ vecs[:, -1 - j]) - 1) < 1e-8
    np.testing.assert_allclose(scores, (X - mean) @ comps.T)
    np.testing.assert_allclose(scores.mean(axis=0), 0, atol=1e-10)


def test_pca_plot(wide):
    ax = plots.pca_plot(wide)
    assert sum(len(c.get_offsets()) for c in _segment_points(ax)) == 90
    assert len(_centroid_line(ax).get_xdata()) == 3
    assert ax.get_xlabel().startswith("PC1")


def test_profile_heatmap(result):
    ax = plots.profile_heatmap(result)
    (image,) = ax.images
    np.testing.assert_allclose(image.get_array(), result.profiles.zscores.to_numpy())
    assert len(ax.texts) == image.get_array().size


def test_snake_and_radar(result):
    ax = plots.snake_plot(result)
    lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("segment")]
    assert len(lines) == result.k
    np.testing.assert_allclose(lines[0].get_ydata(), result.profiles.zscores.loc[0])
    assert lines[0].get_color() == plots.PALETTE[0]
    ax = plots.radar_chart(result)
    assert ax.name == "polar"
    lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("segment")]
    assert len(lines) == result.k
    r = np.concatenate([ln.get_ydata() for ln in lines])
    assert r.min() >= 0 and r.max() <= 1


def test_silhouette_plot(result):
    ax = plots.silhouette_plot(result)
    bands = [c for c in ax.collections if str(c.get_gid()).startswith("segment-")]
    assert len(bands) == result.k
    (mean,) = [ln for ln in ax.get_lines() if ln.get_gid() == "mean"]
    assert mean.get_xdata()[0] == pytest.approx(result.metrics["silhouette"])


def test_size_bar(result):
    ax = plots.size_bar(result)
    heights = [p.get_width() for p in ax.patches]
    assert heights == list(result.profiles.size)


def test_draws_on_given_axes(result):
    fig = plots.new_figure()
    ax = fig.add_subplot()
    assert plots.size_bar(result, ax=ax) is ax
    assert plots.elbow_plot(result.selection, ax=ax) is ax


def test_save_plots_files(result, wide, tmp_path):
    paths = plots.save_plots(result, tmp_path / "a")
    assert "segments_3d.png" in paths and "segments_pca.png" not in paths
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths.values())
    paths = plots.save_plots(wide, tmp_path / "b")
    # k was given: no selection plot; four features: PCA instead of 3-D.
    assert "k_selection.png" not in paths and "segments_pca.png" in paths
    assert "segments_3d.png" not in paths
