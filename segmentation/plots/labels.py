"""Text that must stay readable: centroid labels that avoid each other, and
titles and axis labels that are never cut off at the figure's edge.

Both work from matplotlib's own text extents on the figure as it will be
drawn (after constrained layout has placed the axes), not from estimates of
how wide a string is.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

__all__ = ["fit_text", "label_extent", "place_labels"]

# Offsets tried for a label, in points: rings of growing radius (on the first
# the label's box just clears its marker), and on each ring the four
# diagonals first (they leave the marker free), then the sides.
_DIRECTIONS = ((1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1))
_RADII = (12, 18, 28, 42, 58, 78)
_ALIGN_X = {1: "left", -1: "right", 0: "center"}
_ALIGN_Y = {1: "bottom", -1: "top", 0: "center"}
# Space kept free around each label and marker, in points: a little more
# than the label's rounded box pad, so that redrawing at another dpi (the
# PNG is saved at 90, the figure is laid out at 100) cannot make them touch.
_MARGIN = 3.0
# Half the side of a centroid marker (markersize 11 plus its edge), points.
_MARKER_HALF = 6.5


def label_extent(label: Text, renderer: RendererBase) -> Bbox:
    """The extent of a label in pixels, its rounded box included (no leader).

    Parameters
    ----------
    label : Text
        A text or annotation, possibly with a ``bbox`` patch.
    renderer : RendererBase
        The figure's renderer (``fig.canvas.get_renderer()``).

    Returns
    -------
    Bbox
    """
    if isinstance(label, Annotation):
        label.update_positions(renderer)
    boxes = [Text.get_window_extent(label, renderer)]
    patch = label.get_bbox_patch()
    if patch is not None:
        label.update_bbox_position_size(renderer)
        boxes.append(patch.get_window_extent(renderer))
    return Bbox.union(boxes)


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def _outside(box: Bbox, frame: Bbox) -> float:
    """Area of ``box`` that lies outside ``frame``."""
    return box.width * box.height - _overlap(box, frame)


def place_labels(
    ax: Axes,
    anchors: np.ndarray,
    texts: Sequence[str],
    colors: Sequence[str],
    *,
    fontsize: float = 8,
) -> list[Annotation]:
    """Write ``texts[s]`` beside ``anchors[s]`` so that no two labels overlap.

    Labels are placed one by one, each at the first offset (see the module's
    rings) where it overlaps no label placed before, no centroid marker, and
    stays inside the axes; a label moved beyond the first ring gets a thin
    leader line to its point. Where no offset is free, the one with the
    least overlap is used. Call it after the title, labels and legend are
    set: it reads the laid-out figure.

    Parameters
    ----------
    ax : Axes
    anchors : array of shape (k, 2)
        The points the labels belong to, in data coordinates.
    texts, colors : sequence of str
        Label text and box edge colour of each point.
    fontsize : float, default 8

    Returns
    -------
    list of Annotation
        One per point, ``gid="centroid-label-<s>"``; they are left out of
        the layout, so placing them cannot move the axes.
    """
    anchors = np.asarray(anchors, dtype=float)
    fig = ax.figure
    # Settle the layout first: positions read before it would be stale.
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    points = ax.transData.transform(anchors)
    half = _MARKER_HALF * px  # the label's box carries the margin
    blocked = [Bbox.from_extents(x - half, y - half, x + half, y + half)
               for x, y in points]  # fmt: skip
    margin = _MARGIN * px
    style = {"textcoords": "offset points", "fontsize": fontsize, "weight": "bold",
             "annotation_clip": False}  # fmt: skip
    placed: list[Annotation] = []
    for s, (text, color) in enumerate(zip(texts, colors, strict=True)):
        box_style = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": color,
                     "alpha": 0.85}  # fmt: skip
        probe = ax.annotate(text, anchors[s], xytext=(0, 0), bbox=box_style, **style)
        best = None
        for rank, (radius, (ux, uy)) in enumerate(
            (r, d) for r in _RADII for d in _DIRECTIONS
        ):
            align = {"ha": _ALIGN_X[ux], "va": _ALIGN_Y[uy]}
            probe.xyann = (ux * radius, uy * radius)
            probe.set(**align)
            box = label_extent(probe, renderer).padded(margin)
            cost = sum(_overlap(box, other) for other in blocked)
            # Leaving the axes is worse than touching a neighbour.
            cost += 10.0 * _outside(box, frame)
            if best is None or cost < best[0]:
                best = (cost, rank, probe.xyann, align, box)
            if cost == 0.0:
                break
        probe.remove()
        _, rank, offset, align, box = best
        # Beyond the first ring a thin leader line shows whose label it is.
        leader = None
        if rank >= len(_DIRECTIONS):
            leader = {"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0,
                      "shrinkB": 4}  # fmt: skip
        label = ax.annotate(text, anchors[s], xytext=offset, bbox=box_style,
                            arrowprops=leader, gid=f"centroid-label-{s}",
                            **align, **style)  # fmt: skip
        label.set_in_layout(False)
        blocked.append(box)
        placed.append(label)
    return placed


def _texts(fig: Figure) -> list[tuple[Text, bool]]:
    """Titles and axis labels of a figure, each with whether it runs vertically."""
    # fig.texts holds the suptitle too.
    out = [(t, False) for t in fig.texts]
    for ax in fig.axes:
        out += [(ax.title, False), (ax.xaxis.label, False), (ax.yaxis.label, True)]
    return [(t, v) for t, v in out if t.get_visible() and t.get_text().strip()]


def fit_text(fig: Figure, *, max_rounds: int = 4) -> None:
    """Wrap any title or axis label that runs past the figure's edge.

    A centred title wider than its axes (a long column name beside an outside
    legend) would be cut off; it is wrapped onto more lines, narrower each
    round, until it fits. Text that fits is left as it is.

    Parameters
    ----------
    fig : Figure
    max_rounds : int, default 4
        Wrap-and-redraw rounds at most.
    """
    for _ in range(max_rounds):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        edge = fig.bbox
        changed = False
        for text, vertical in _texts(fig):
            box = text.get_window_extent(renderer)
            lo, hi = (box.y0, box.y1) if vertical else (box.x0, box.x1)
            e0, e1 = (edge.y0, edge.y1) if vertical else (edge.x0, edge.x1)
            if lo >= e0 and hi <= e1:
                continue
            # Centred text: what fits is twice the room on its tighter side.
            room = 2 * max(min((lo + hi) / 2 - e0, e1 - (lo + hi) / 2), 1.0)
            widest = max(len(line) for line in text.get_text().splitlines())
            chars = max(8, int(widest * room / (hi - lo) * 0.9))
            if chars >= widest:
                continue
            words = " ".join(text.get_text().split())
            text.set_text(textwrap.fill(words, chars))
            changed = True
        if not changed:
            return
