"""Scatters of the customers coloured by segment: 2-D, 3-D and PCA."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from segmentation.plots.labels import fit_text, place_labels
from segmentation.plots.style import CENTROID_STYLE, new_axes, segment_colors

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from segmentation.pipeline import SegmentationResult

__all__ = ["pca", "pca_plot", "scatter_2d", "scatter_3d", "scatter_segments"]


def scatter_segments(
    points: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    names: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
) -> Axes:
    """A 2-D scatter coloured by segment, centroids as red squares.

    Centroid labels are placed so that no two overlap and each stays inside
    the axes (:func:`segmentation.plots.labels.place_labels`); a title or
    axis label too wide for the figure is wrapped, never cut off.

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
    xlabel, ylabel, title : str

    Returns
    -------
    Axes
        One PathCollection per segment (``gid="segment-<s>"``), in order, and
        the labels as annotations ``gid="centroid-label-<s>"``.
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
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    # Outside the axes, so the legend never hides points.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    # Labels last: they are placed on the final layout, which wrapping a
    # long title changes.
    fit_text(ax.figure)
    if names is not None:
        place_labels(ax, centers, [str(n) for n in names], segment_colors(k))
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
    return scatter_segments(xy, result.labels, _segment_means(result, [x, y]),
                            result.persona_names, ax=ax, xlabel=str(x),
                            ylabel=str(y),
                            title=f"Segments: {y} against {x}")  # fmt: skip


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
    title = (
        f"Segments on the first two principal components of "
        f"{len(result.features)} features"
    )
    return scatter_segments(scores, result.labels, centers, result.persona_names,
                            ax=ax, xlabel=f"PC1 ({ratio[0]:.0%} of variance)",
                            ylabel=f"PC2 ({ratio[1]:.0%} of variance)",
                            title=title)  # fmt: skip
