"""How k was chosen: the elbow curve and the panels of the other criteria."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from segmentation.plots.style import PALETTE, Figure, new_axes, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from segmentation.selection import KSelection

__all__ = ["elbow_plot", "selection_plot"]


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
