"""Per-segment summaries: sizes, z-score heatmap, snake plot, radar, silhouette."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from segmentation.plots.style import new_axes, segment_colors

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from segmentation.pipeline import SegmentationResult

__all__ = [
    "SILHOUETTE_PLOT_MAX",
    "profile_heatmap",
    "radar_chart",
    "silhouette_plot",
    "size_bar",
    "snake_plot",
]

# Rows scored by the silhouette plot: the exact silhouette is O(n^2).
SILHOUETTE_PLOT_MAX = 3000


def _seg_labels(result: SegmentationResult) -> list[str]:
    return [f"{p.segment} · {p.name}" for p in result.personas]


def profile_heatmap(result: SegmentationResult, ax: Axes | None = None) -> Axes:
    """Segment x column z-scores (segment mean vs population, in SDs)."""
    z = result.profiles.zscores
    cols = [str(c) for c in z.columns]
    ax = new_axes(ax, (1.6 + 1.3 * len(cols), 1.2 + 0.55 * result.k))
    lim = max(1.0, float(np.nanmax(np.abs(z.to_numpy()))))
    # PuOr is diverging and colour-blind safe; white means "average".
    image = ax.imshow(z.to_numpy(), cmap="PuOr_r", vmin=-lim, vmax=lim,
                      aspect="auto")  # fmt: skip
    for (i, j), v in np.ndenumerate(z.to_numpy()):
        ax.text(j, i, f"{v:+.1f}", ha="center", va="center", fontsize=9,
                color="white" if abs(v) > 0.6 * lim else "black")  # fmt: skip
    ax.set_xticks(range(len(cols)), cols, rotation=20, ha="right")
    ax.set_yticks(range(result.k), _seg_labels(result))
    for tick, color in zip(ax.get_yticklabels(), segment_colors(result.k),
                           strict=True):  # fmt: skip
        tick.set_color(color)
        tick.set_fontweight("bold")
    ax.figure.colorbar(image, ax=ax, label="z-score (SDs from the mean)")
    ax.set_title("Segment profiles (z-scores)")
    return ax


def snake_plot(result: SegmentationResult, ax: Axes | None = None) -> Axes:
    """One line per segment through its z-scores on every profiled column."""
    z = result.profiles.zscores
    ax = new_axes(ax, (max(6.0, 1.6 * len(z.columns)), 4.5))
    x = np.arange(len(z.columns))
    for s, color in enumerate(segment_colors(result.k)):
        ax.plot(x, z.loc[s].to_numpy(), "o-", color=color, linewidth=2,
                label=_seg_labels(result)[s], gid=f"segment-{s}")  # fmt: skip
    ax.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xticks(x, [str(c) for c in z.columns], rotation=15, ha="right")
    ax.set_ylabel("segment mean (z-score)")
    ax.set_title("Snake plot of normalised segment means")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def radar_chart(result: SegmentationResult, ax: Axes | None = None) -> Axes:
    """Each segment's mean as a position in the column's observed range (0..1).

    ``ax`` must be a polar Axes when given.
    """
    cols = list(result.profiles.columns)
    values = result.data[cols].astype(float)
    lo, hi = values.min().to_numpy(), values.max().to_numpy()
    span = np.where(hi > lo, hi - lo, 1.0)
    norm = (result.profiles.mean[cols].to_numpy() - lo) / span
    ax = new_axes(ax, (6.5, 6), projection="polar")
    angles = np.linspace(0, 2 * np.pi, len(cols), endpoint=False)
    closed = np.append(angles, angles[0])
    for s, color in enumerate(segment_colors(result.k)):
        r = np.append(norm[s], norm[s, 0])
        ax.plot(closed, r, color=color, linewidth=2, label=_seg_labels(result)[s],
                gid=f"segment-{s}")  # fmt: skip
        ax.fill(closed, r, color=color, alpha=0.12)
    ax.set_xticks(angles, [str(c) for c in cols], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75], ["", "mid-range", ""], fontsize=7)
    ax.set_title("Segment means within each column's range")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    return ax


def silhouette_plot(
    result: SegmentationResult, ax: Axes | None = None, random_state: int = 0
) -> Axes:
    """Sorted silhouette values of each segment's members, mean marked.

    On more than :data:`SILHOUETTE_PLOT_MAX` rows a seeded sample is drawn.
    """
    from segmentation.metrics import silhouette_samples

    X, labels = result.X_scaled, result.labels
    if len(labels) > SILHOUETTE_PLOT_MAX:
        rng = np.random.default_rng(random_state)
        idx = np.sort(rng.choice(len(labels), SILHOUETTE_PLOT_MAX, replace=False))
        X, labels = X[idx], labels[idx]
    values = silhouette_samples(X, labels)
    ax = new_axes(ax, (6.4, min(7.0, 2.0 + 0.01 * len(labels) + 0.3 * result.k)))
    y = 0
    ax.invert_yaxis()  # segment 0 on top, as in the other plots
    for s, color in enumerate(segment_colors(result.k)):
        mine = np.sort(values[labels == s])[::-1]
        ax.fill_betweenx(np.arange(y, y + len(mine)), 0, mine, color=color,
                         alpha=0.85, gid=f"segment-{s}")  # fmt: skip
        ax.text(-0.02, y + len(mine) / 2, _seg_labels(result)[s], ha="right",
                va="center", fontsize=8)  # fmt: skip
        y += len(mine) + 4  # a gap between segments
    mean = float(values.mean())
    ax.axvline(mean, color="red", linestyle="--", gid="mean",
               label=f"mean {mean:.2f}")  # fmt: skip
    ax.set_xlim(min(-0.1, float(values.min()) - 0.05), 1)
    ax.set_yticks([])
    ax.set_xlabel("silhouette (1: well inside its segment, <0: nearer another)")
    ax.set_title("Silhouette of every customer")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def size_bar(result: SegmentationResult, ax: Axes | None = None) -> Axes:
    """Customers per segment as horizontal bars labelled with size and share."""
    ax = new_axes(ax, (6.4, 1.2 + 0.45 * result.k))
    size = result.profiles.size.to_numpy()
    share = result.profiles.share.to_numpy()
    bars = ax.barh(range(result.k), size, color=segment_colors(result.k))
    ax.bar_label(bars, [f"{n} ({p:.0%})" for n, p in zip(size, share, strict=True)],
                 padding=3, fontsize=8)  # fmt: skip
    ax.set_yticks(range(result.k), _seg_labels(result), fontsize=8)
    ax.invert_yaxis()  # segment 0 (the largest) on top
    ax.set_xlim(0, size.max() * 1.25)
    ax.set_xlabel("customers")
    ax.set_title("Segment sizes")
    return ax
