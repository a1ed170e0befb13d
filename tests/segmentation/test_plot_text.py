"""Plot text stays readable: centroid labels never overlap, nothing is clipped.

Measured from matplotlib's own text extents on the drawn figure, at the
figure's dpi and at the 90 dpi the PNGs are saved at.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from segmentation import plots, segment
from segmentation.errors import StabilityWarning

FEATURES = ["age", "income", "spending"]
TOLERANCE = 0.5  # pixels


def _draw(fig, dpi):
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _label_boxes(ax, renderer) -> dict[str, Bbox]:
    """Each centroid label's extent: its text and its rounded box."""
    boxes = {}
    for text in ax.texts:
        if str(text.get_gid()).startswith("centroid-label-"):
            # Text's own extent: an Annotation's would add its leader line.
            parts = [Text.get_window_extent(text, renderer)]
            parts.append(text.get_bbox_patch().get_window_extent(renderer))
            boxes[text.get_text()] = Bbox.union(parts)
    return boxes


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def _inside(inner: Bbox, outer: Bbox) -> bool:
    return (
        inner.x0 >= outer.x0 - TOLERANCE
        and inner.y0 >= outer.y0 - TOLERANCE
        and inner.x1 <= outer.x1 + TOLERANCE
        and inner.y1 <= outer.y1 + TOLERANCE
    )


def _clipped(fig, renderer) -> list[str]:
    """Titles, labels, tick labels and legends that reach past the figure."""
    out = []
    for ax in fig.axes:
        if not _inside(ax.get_tightbbox(renderer), fig.bbox):
            out.append(f"axes {ax.get_title()!r}")
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            if text.get_text() and not _inside(
                text.get_window_extent(renderer), fig.bbox
            ):
                out.append(text.get_text())
    out += [
        t.get_text()
        for t in fig.texts
        if t.get_text() and not _inside(t.get_window_extent(renderer), fig.bbox)
    ]
    return out


@pytest.fixture(scope="module", params=[5, 6])
def mall_result(request, mall_csv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StabilityWarning)
        return segment(mall_csv, FEATURES, k=request.param, stability_resamples=0)


@pytest.mark.parametrize("draw", [plots.scatter_2d, plots.pca_plot])
@pytest.mark.parametrize("dpi", [100, 90])
def test_mall_centroid_labels_never_overlap(mall_result, draw, dpi):
    ax = draw(mall_result)
    renderer = _draw(ax.figure, dpi)
    boxes = _label_boxes(ax, renderer)
    assert sorted(boxes) == sorted(mall_result.persona_names)
    touching = [
        (a, b) for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2)
        if _overlap(ba, bb) > 0
    ]  # fmt: skip
    assert not touching
    frame = ax.get_window_extent(renderer)
    assert all(_inside(box, frame) for box in boxes.values())
    assert not _clipped(ax.figure, renderer)


def test_crowded_centroids_still_get_separate_labels():
    # Eight centroids packed into a small part of the plot, with long names.
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [0.3, 0.1], [0.1, 0.35], [0.4, 0.4], [5, 5],
                        [5.2, 5.1], [-3, 4], [4, -3.0]])  # fmt: skip
    labels = rng.integers(0, 8, size=400)
    points = centers[labels] + rng.normal(0, 1.0, size=(400, 2))
    names = [f"A rather long persona name {s}" for s in range(8)]
    ax = plots.scatter_segments(points, labels, centers, names, title="crowded")
    renderer = _draw(ax.figure, 90)
    boxes = list(_label_boxes(ax, renderer).values())
    assert len(boxes) == 8
    assert all(_overlap(a, b) == 0 for a, b in itertools.combinations(boxes, 2))


def test_long_titles_are_wrapped_not_clipped():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(50, 2))
    labels = (points[:, 0] > 0).astype(int)
    centers = np.array([points[labels == s].mean(axis=0) for s in (0, 1)])
    title = "Segments: " + " ".join(["a very long column name"] * 6)
    ax = plots.scatter_segments(points, labels, centers, ["left", "right"],
                                xlabel="x", ylabel="y", title=title)  # fmt: skip
    renderer = _draw(ax.figure, 90)
    assert not _clipped(ax.figure, renderer)
    assert "\n" in ax.get_title()
    assert ax.get_title().split() == title.split()  # the same words, wrapped


def test_every_saved_mall_plot_is_unclipped(mall_csv, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StabilityWarning)
        result = segment(mall_csv, FEATURES, k="auto", stability_resamples=0)
    figures = {
        "k_selection": plots.selection_plot(result.selection),
        "sizes": plots.size_bar(result).figure,
        "2d": plots.scatter_2d(result).figure,
        "3d": plots.scatter_3d(result).figure,
        "pca": plots.pca_plot(result).figure,
        "heatmap": plots.profile_heatmap(result).figure,
        "snake": plots.snake_plot(result).figure,
        "radar": plots.radar_chart(result).figure,
        "silhouette": plots.silhouette_plot(result).figure,
    }
    bad = {}
    for name, fig in figures.items():
        plots.fit_text(fig)  # as save_plots does before saving
        clipped = _clipped(fig, _draw(fig, 90))
        if clipped:
            bad[name] = clipped
    assert not bad
