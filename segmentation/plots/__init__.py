"""Plots of a segmentation run, drawn with matplotlib's object API.

Every function takes ``ax=None`` (or ``fig=None`` for multi-panel plots) and
returns the Axes (or Figure) it drew on. None of them touches pyplot's global
state, so the package is safe in servers, threads and notebooks alike.
:func:`save_plots` draws every plot that fits a run. One module per kind of
plot; change a plot in its module:

- :mod:`~segmentation.plots.style`: palette, centroid style, new figures;
- :mod:`~segmentation.plots.k_choice`: elbow curve and k-selection panels;
- :mod:`~segmentation.plots.scatter`: 2-D, 3-D and PCA scatters;
- :mod:`~segmentation.plots.labels`: centroid labels that avoid each other,
  titles wrapped to fit;
- :mod:`~segmentation.plots.profiles`: sizes, heatmap, snake, radar,
  silhouette.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segmentation.plots.k_choice import elbow_plot, selection_plot
from segmentation.plots.labels import fit_text, place_labels
from segmentation.plots.profiles import (
    SILHOUETTE_PLOT_MAX,
    profile_heatmap,
    radar_chart,
    silhouette_plot,
    size_bar,
    snake_plot,
)
from segmentation.plots.scatter import (
    pca,
    pca_plot,
    scatter_2d,
    scatter_3d,
    scatter_segments,
)
from segmentation.plots.style import (
    CENTROID_STYLE,
    PALETTE,
    new_axes,
    new_figure,
    segment_colors,
)

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = [
    "CENTROID_STYLE",
    "PALETTE",
    "SILHOUETTE_PLOT_MAX",
    "elbow_plot",
    "fit_text",
    "new_axes",
    "new_figure",
    "pca",
    "pca_plot",
    "place_labels",
    "profile_heatmap",
    "radar_chart",
    "save_plots",
    "scatter_2d",
    "scatter_3d",
    "scatter_segments",
    "segment_colors",
    "selection_plot",
    "silhouette_plot",
    "size_bar",
    "snake_plot",
]


def save_plots(
    result: SegmentationResult, out_dir: str | Path, *, dpi: int = 90
) -> dict[str, Path]:
    """Draw every plot that fits the run and save each as a PNG in ``out_dir``.

    Returns ``{file name: path}`` in reading order: k selection (when k was
    chosen automatically), sizes, the segment scatter (2-D; plus 3-D for three
    features; PCA for more than three), profile heatmap, snake plot, radar
    chart and silhouette plot.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    d = len(result.features)
    jobs = []
    if result.selection is not None:
        jobs.append(("k_selection.png", lambda: selection_plot(result.selection)))
    jobs.append(("segment_sizes.png", lambda: size_bar(result).figure))
    if d >= 2:
        jobs.append(("segments_2d.png", lambda: scatter_2d(result).figure))
    if d == 3:
        jobs.append(("segments_3d.png", lambda: scatter_3d(result).figure))
    if d > 3:
        jobs.append(("segments_pca.png", lambda: pca_plot(result).figure))
    jobs += [
        ("profile_heatmap.png", lambda: profile_heatmap(result).figure),
        ("snake_plot.png", lambda: snake_plot(result).figure),
        ("radar_chart.png", lambda: radar_chart(result).figure),
        ("silhouette.png", lambda: silhouette_plot(result).figure),
    ]
    paths = {}
    for name, draw in jobs:
        fig = draw()
        fit_text(fig)  # a title too wide for its figure is wrapped, not cut off
        fig.savefig(out / name, dpi=dpi)
        paths[name] = out / name
    return paths
