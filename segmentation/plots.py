"""Plots of a segmentation run, drawn with matplotlib's object API.

Every function takes ``ax=None`` (or ``fig=None`` for multi-panel plots) and
returns the Axes (or Figure) it drew on. None of them touches pyplot's global
state: new figures are :class:`matplotlib.figure.Figure` objects with their own
Agg canvas, so the module is safe in servers, threads and notebooks alike.

Segment ``s`` is drawn in ``segment_colors(k)[s]`` in every plot, from a
colour-blind-safe palette (Okabe & Ito, 2008, then two of Paul Tol's colours).
Centroids are red squares with a black edge, as in the published Mall
Customers analyses; red is therefore kept out of the segment palette.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np


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

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from segmentation.pipeline import SegmentationResult
    from segmentation.selection import KSelection

__all__ = [
    "CENTROID_STYLE",
    "PALETTE",
    "elbow_plot",
    "new_axes",
    "new_figure",
    "pca",
    "pca_plot",
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
# Rows scored by the silhouette plot: the exact silhouette is O(n^2).
SILHOUETTE_PLOT_MAX = 3000


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


def _seg_labels(result: SegmentationResult) -> list[str]:
    return [f"{p.segment} · {p.name}" for p in result.personas]


def _mark_k(ax: Axes, k: int, *, label: str | None = None) -> None:
    ax.axvline(k, color="black", linewidth=1.2, linestyle="-", gid="chosen-k",
               label=label)  # fmt: skip


def elbow_plot(
    selection: KSelection, ax: Axes | None = None, k: int | None = None
) -> Axes:
    """Inertia against k, with the chosen k and the Kneedle knee marked.

    The chosen k (``k``, default ``selection.k``) is a solid black vertical
    line (``gid="chosen-k"``), the knee a dashed orange one (``gid="knee"``);
    with no clear knee the plot says so in words instead.
    """
    ax = new_axes(ax)
    k = selection.k if k is None else k
    ks = np.asarray(selection.ks)
    ax.plot(ks, selection.inertia, "o-", color=PALETTE[0], label="inertia")
    _mark_k(ax, k, label=f"chosen k = {k}")
    knee = selection.knee
    if knee.found:
        ax.axvline(knee.x, color=PALETTE[1], linestyle="--", linewidth=2, gid="knee",
                   label=f"elbow (Kneedle) k = {knee.x:g}")  # fmt: skip
        ax.plot([knee.x], [selection.inertia[knee.index]], "o", color=PALETTE[1],
                markersize=10, markerfacecolor="none", markeredgewidth=2)  # fmt: skip
    else:
        ax.text(0.98, 0.95, "no clear elbow", transform=ax.transAxes, ha="right",
                va="top", gid="no-knee")  # fmt: skip
    ax.set_xticks(ks)
    ax.set_xlabel("k (number of segments)")
    ax.set_ylabel("inertia (within-segment sum of squares)")
    ax.set_title("Elbow curve")
    ax.legend(loc="upper right" if knee.found else "center right", fontsize=8)
    return ax


def selection_plot(selection: KSelection, fig: Figure | None = None) -> Figure:
    """The elbow curve beside small panels of the other criteria.

    Silhouette (higher is better), Calinski-Harabasz (higher), Davies-Bouldin
    (lower) and the gap statistic with its standard error; the chosen k is
    marked in every panel.
    """
    fig = fig if fig is not None else new_figure((11, 5))
    grid = fig.add_gridspec(2, 4)
    elbow_plot(selection, fig.add_subplot(grid[:, :2]))
    ks = np.asarray(selection.ks)
    panels = (
        ("silhouette (higher is better)", selection.silhouette, None),
        ("Calinski-Harabasz (higher)", selection.calinski_harabasz, None),
        ("Davies-Bouldin (lower)", selection.davies_bouldin, None),
        ("gap statistic (± 1 s.e.)", selection.gap, selection.gap_se),
    )
    for i, (title, values, err) in enumerate(panels):
        ax = fig.add_subplot(grid[i // 2, 2 + i % 2])
        if err is None:
            ax.plot(ks, values, "o-", color=PALETTE[2], markersize=4)
        else:
            ax.errorbar(ks, values, yerr=err, fmt="o-", color=PALETTE[2],
                        markersize=4, capsize=2)  # fmt: skip
        _mark_k(ax, selection.k)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(ks)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"How k was chosen: k = {selection.k}")
    return fig


def scatter_segments(
    points: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    names: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    xlabel: str = "",
    ylabel: str = "",
) -> Axes:
    """A 2-D scatter coloured by segment, centroids as red squares.

    Parameters
    ----------
    points : array of shape (n, 2)
    labels : array of shape (n,)
        Segment ``0..k-1`` of every point.
    centers : array of shape (k, 2)
        Drawn as one Line2D of red squares (``gid="centroids"``).
    names : sequence of str, optional
        Written beside each centroid (e.g. persona names).
    ax : Axes, optional
    xlabel, ylabel : str

    Returns
    -------
    Axes
        One PathCollection per segment (``gid="segment-<s>"``), in order.
    """
    ax = new_axes(ax)
    points = np.asarray(points, dtype=float)
    centers = np.asarray(centers, dtype=float)
    k = centers.shape[0]
    for s, color in enumerate(segment_colors(k)):
        mine = points[labels == s]
        ax.scatter(mine[:, 0], mine[:, 1], s=18, color=color, alpha=0.8,
                   edgecolors="white", linewidths=0.3, gid=f"segment-{s}",
                   label=names[s] if names is not None else f"segment {s}")  # fmt: skip
    ax.plot(centers[:, 0], centers[:, 1], gid="centroids", label="centroids",
            **CENTROID_STYLE)  # fmt: skip
    if names is not None:
        for s in range(k):
            ax.annotate(names[s], centers[s], xytext=(7, 7),
                        textcoords="offset points", fontsize=8, weight="bold",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white",
                              "ec": segment_colors(k)[s], "alpha": 0.85})  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # Outside the axes, so the legend never hides points.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _segment_means(result: SegmentationResult, cols: Sequence[str]) -> np.ndarray:
    # Centroids in original units for features; segment means otherwise (the
    # same thing for a feature, since scaling is affine).
    return np.column_stack(
        [
            result.centers[c] if c in result.features else result.profiles.mean[c]
            for c in cols
        ]
    )


def _defining_features(result: SegmentationResult, m: int) -> list[str]:
    """The ``m`` features whose segment means differ most (size-weighted z^2)."""
    z = result.profiles.zscores[list(result.features)].to_numpy()
    weight = result.profiles.share.to_numpy()[:, None]
    spread = (weight * z**2).sum(axis=0)
    order = np.argsort(-spread, kind="stable")[:m]
    return [result.features[j] for j in sorted(order)]


def scatter_2d(
    result: SegmentationResult,
    x: str | None = None,
    y: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Two columns of the data coloured by segment, with centroids and personas.

    By default the two features whose segment means differ most.
    """
    if x is None or y is None:
        x, y = _defining_features(result, 2)
    xy = result.data[[x, y]].to_numpy(dtype=float)
    ax = scatter_segments(xy, result.labels, _segment_means(result, [x, y]),
                          result.persona_names, ax=ax, xlabel=str(x),
                          ylabel=str(y))  # fmt: skip
    ax.set_title(f"Segments: {y} against {x}")
    return ax


def scatter_3d(
    result: SegmentationResult,
    features: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Three columns in a 3-D scatter coloured by segment, centroids as red squares.

    ``ax`` must be a 3-D Axes (``projection="3d"``) when given.
    """
    cols = list(features) if features is not None else list(result.features[:3])
    if len(cols) != 3:
        raise ValueError(f"scatter_3d needs three columns, got {len(cols)}")
    ax = new_axes(ax, (7, 6), projection="3d")
    xyz = result.data[cols].to_numpy(dtype=float)
    k = result.k
    for s, color in enumerate(segment_colors(k)):
        mine = xyz[result.labels == s]
        ax.scatter(mine[:, 0], mine[:, 1], mine[:, 2], s=14, color=color,
                   alpha=0.75, gid=f"segment-{s}",
                   label=result.persona_names[s])  # fmt: skip
    c = _segment_means(result, cols)
    ax.plot(c[:, 0], c[:, 1], c[:, 2], gid="centroids", label="centroids",
            **CENTROID_STYLE)  # fmt: skip
    ax.set_xlabel(str(cols[0]))
    ax.set_ylabel(str(cols[1]))
    ax.set_zlabel(str(cols[2]))
    ax.set_title("Segments in three dimensions")
    ax.legend(fontsize=7, loc="upper left")
    return ax


def pca(
    X: np.ndarray, n_components: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Principal components by the SVD of the centred data.

    Parameters
    ----------
    X : array of shape (n, d)
    n_components : int, default 2

    Returns
    -------
    scores : numpy.ndarray of shape (n, n_components)
    components : numpy.ndarray of shape (n_components, d)
        Unit directions; each is signed so its largest loading is positive,
        so the picture does not flip between LAPACK builds.
    explained_ratio : numpy.ndarray of shape (n_components,)
        Share of the total variance along each component.
    mean : numpy.ndarray of shape (d,)
        Project new points with ``(P - mean) @ components.T``.
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    _, sv, vt = np.linalg.svd(X - mean, full_matrices=False)
    comps = vt[:n_components]
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    comps = comps * signs[:, None]
    var = sv**2
    ratio = var[:n_components] / var.sum() if var.sum() > 0 else np.zeros(len(comps))
    return (X - mean) @ comps.T, comps, ratio, mean


def pca_plot(result: SegmentationResult, ax: Axes | None = None) -> Axes:
    """The clustered (scaled) data on its first two principal components."""
    scores, comps, ratio, mean = pca(result.X_scaled, 2)
    centers = (np.asarray(result.centers_scaled) - mean) @ comps.T
    ax = scatter_segments(scores, result.labels, centers, result.persona_names,
                          ax=ax, xlabel=f"PC1 ({ratio[0]:.0%} of variance)",
                          ylabel=f"PC2 ({ratio[1]:.0%} of variance)")  # fmt: skip
    ax.set_title(f"Segments on the first two principal components of "
                 f"{len(result.features)} features")  # fmt: skip
    return ax


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
        fig.savefig(out / name, dpi=dpi)
        paths[name] = out / name
    return paths
