"""Formatting shared by every report writer: numbers for people, plot captions.

The Markdown, HTML and terminal writers import from here (and never from each
other), so the report modules form no import cycle.
"""

from __future__ import annotations

import numpy as np

from segmentation.stability import STABLE, band_ranges

__all__ = ["IMAGE_CAPTIONS", "STABILITY_BANDS_TEXT", "fmt"]

# How to read a stability value, for both reports (Hennig, 2007).
STABILITY_BANDS_TEXT = (
    "Stability is the mean Jaccard overlap (0 to 1) between a segment and its "
    "best match when the customers are resampled and re-clustered: "
    + "; ".join(f"{span} {name} ({meaning})" for span, name, meaning in band_ranges())
    + f". Treat the persona of a segment below {STABLE} with caution."
)

# Caption of every plot file that save_plots may write, in reading order.
IMAGE_CAPTIONS = {
    "k_selection.png": "Elbow curve and the other criteria for choosing k",
    "segment_sizes.png": "Customers per segment",
    "segments_2d.png": "Segments on the two most distinctive features "
    "(red squares: centroids)",
    "segments_3d.png": "Segments in three dimensions",
    "segments_pca.png": "Segments on the first two principal components",
    "profile_heatmap.png": "Segment profiles as z-scores",
    "snake_plot.png": "Snake plot of normalised segment means",
    "radar_chart.png": "Radar chart: segment means within each column's range",
    "silhouette.png": "Silhouette of every customer, per segment",
}


def fmt(value: float) -> str:
    """Numbers for people: 3 significant digits, at least 1 decimal when small."""
    if value is None or not np.isfinite(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
