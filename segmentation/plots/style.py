"""Colours, centroid style and pyplot-free figures shared by every plot.

New figures are :class:`matplotlib.figure.Figure` objects with their own Agg
canvas, so no plot touches pyplot's global state. Segment ``s`` is drawn in
``segment_colors(k)[s]`` everywhere, from a colour-blind-safe palette (Okabe &
Ito, 2008, then two of Paul Tol's colours). Centroids are red squares with a
black edge, as in the published Mall Customers analyses; red is therefore
kept out of the segment palette.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "CENTROID_STYLE",
    "PALETTE",
    "new_axes",
    "new_figure",
    "segment_colors",
]


def _quiet_import():
    # A fresh environment builds matplotlib's font cache on first import and
    # logs a warning about it on stderr; it is not a problem with the run.
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    finally:
        log.setLevel(level)
    return Figure, FigureCanvasAgg


Figure, FigureCanvasAgg = _quiet_import()


# Okabe-Ito without black and vermillion (too close to the red centroids),
# then vermillion and two of Paul Tol's muted colours for k up to 10.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#999999",  # grey
    "#D55E00",  # vermillion
    "#882255",  # wine (Tol)
    "#44AA99",  # teal (Tol)
)
CENTROID_STYLE = {
    "marker": "s",
    "color": "red",
    "markeredgecolor": "black",
    "markersize": 11,
    "linestyle": "none",
    "zorder": 5,
}


def segment_colors(k: int) -> list[str]:
    """The colour of each of ``k`` segments (the palette repeats after 10)."""
    return [PALETTE[s % len(PALETTE)] for s in range(k)]


def new_figure(figsize: tuple[float, float] = (6.4, 4.8)) -> Figure:
    """A Figure with its own Agg canvas and constrained layout (no pyplot)."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def new_axes(
    ax: Axes | None = None,
    figsize: tuple[float, float] = (6.4, 4.8),
    projection: str | None = None,
) -> Axes:
    """Return ``ax`` or the Axes of a new Figure (see :func:`new_figure`)."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot(projection=projection)
