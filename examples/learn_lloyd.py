"""Watch k-means work: an animated GIF of k-means++ seeding, then Lloyd's iterations.

The data are two columns of customers (annual income and spending score,
standardised): the Mall Customers file when it is there, else the built-in
synthetic table.

1. **k-means++ seeding.** The first centre is a random customer. Every later
   one is drawn with probability proportional to D(x)^2, the squared distance
   to the nearest centre chosen so far (greedy variant: a few candidates are
   drawn and the one that lowers the inertia most is kept). The frames shade
   each customer by D(x)^2, so you can see why far-away groups get a centre.
2. **Lloyd's iterations.** Assign every customer to the nearest centre, move
   every centre to the mean of its customers, repeat until nothing changes.
   ``KMeans(record_history=True)`` keeps the centres and inertia of every
   iteration; the frames replay them with each centre's path.

Run: python examples/learn_lloyd.py [Mall_Customers.csv] [--out DIR] [--k 5]
Writes ``kmeans_lloyd.gif`` and ``kmeans_steps.png`` (a still of four moments).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter

from kmeans_core import KMeans, kmeans_plusplus
from segmentation import make_customers
from segmentation.io import read_table, resolve_columns
from segmentation.plots import CENTROID_STYLE, new_figure, segment_colors

REPO = Path(__file__).resolve().parents[1]
MALL = REPO.parent / "shared" / "data" / "Mall_Customers.csv"


def load_xy(path: Path | None) -> tuple[np.ndarray, list[str]]:
    """Income and spending, standardised (so both axes count equally)."""
    path = path if path is not None else MALL
    table = read_table(path) if path.is_file() else make_customers(200)
    cols = resolve_columns(list(table.columns), ["income", "spending"])
    X = table[cols].to_numpy(dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0), [f"{c} (z)" for c in cols]


def seeding_steps(X: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, list]:
    """k-means++ centres, and D(x)^2 before each pick (for the frames)."""
    centers, indices = kmeans_plusplus(X, k, random_state=seed)
    d2 = [np.full(len(X), np.nan)]  # the first pick is uniform
    for j in range(1, k):
        diff = X[:, None, :] - centers[None, :j, :]
        d2.append((diff**2).sum(axis=2).min(axis=1))
    return centers, d2


def draw_seeding(ax, X, centers, d2, j, names) -> None:
    """Frame of the j-th pick: customers shaded by D^2, chosen centres red."""
    shade = d2[j] / np.nanmax(d2[j]) if j else np.zeros(len(X))
    ax.scatter(X[:, 0], X[:, 1], c=shade, cmap="Greys", vmin=-0.3, vmax=1, s=16,
               edgecolors="grey", linewidths=0.3)  # fmt: skip
    ax.plot(centers[: j + 1, 0], centers[: j + 1, 1], **CENTROID_STYLE)
    what = "uniformly at random" if j == 0 else "∝ D(x)² (darker: likelier)"
    ax.set_title(f"k-means++: centre {j + 1} of {len(centers)}\n{what}", fontsize=9)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])


def draw_lloyd(ax, X, history, i, names) -> None:
    """Frame of Lloyd iteration i: assignment to history[i], paths so far."""
    centers = history[i]["centers"]
    k = len(centers)
    d2 = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    labels = d2.argmin(axis=1)
    colors = np.array(segment_colors(k))
    ax.scatter(X[:, 0], X[:, 1], c=colors[labels], s=16, edgecolors="white",
               linewidths=0.3)  # fmt: skip
    path = np.array([h["centers"] for h in history[: i + 1]])  # (i+1, k, 2)
    for c in range(k):
        ax.plot(path[:, c, 0], path[:, c, 1], "-", color="black", linewidth=1)
    ax.plot(centers[:, 0], centers[:, 1], **CENTROID_STYLE)
    last = i == len(history) - 1
    step = "converged" if last else f"iteration {i + 1}"
    ax.set_title(f"Lloyd, {step}\ninertia {history[i]['inertia']:.1f}", fontsize=9)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])


def main(argv: list[str] | None = None) -> dict[str, Path]:
    """Write the GIF and the still; return their paths."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, help="Mall_Customers.csv")
    parser.add_argument("--out", type=Path, default=Path("example-output"))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    X, names = load_xy(args.data)
    centers, d2 = seeding_steps(X, args.k, args.seed)
    model = KMeans(args.k, init=centers, n_init=1, record_history=True).fit(X)
    history = model.history_
    frames = [("seed", j) for j in range(args.k)] + [
        ("lloyd", i) for i in range(len(history))
    ]
    fig = new_figure((5, 4))
    ax = fig.add_subplot()
    lims = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3

    def draw(frame):
        kind, i = frame
        ax.clear()
        if kind == "seed":
            draw_seeding(ax, X, centers, d2, i, names)
        else:
            draw_lloyd(ax, X, history, i, names)
        ax.set_xlim(lims[0][0], lims[1][0])
        ax.set_ylim(lims[0][1], lims[1][1])
        return ()

    gif = args.out / "kmeans_lloyd.gif"
    # Hold the last frame: repeat it so viewers see where Lloyd stopped.
    frames += [frames[-1]] * 3
    FuncAnimation(fig, draw, frames=frames, blit=False).save(
        gif, writer=PillowWriter(fps=1), dpi=args.dpi
    )

    still = new_figure((11, 3.2))
    axes = still.subplots(1, 4, sharex=True, sharey=True)
    draw_seeding(axes[0], X, centers, d2, 1, names)
    draw_seeding(axes[1], X, centers, d2, args.k - 1, names)
    draw_lloyd(axes[2], X, history, 0, names)
    draw_lloyd(axes[3], X, history, len(history) - 1, names)
    png = args.out / "kmeans_steps.png"
    still.savefig(png, dpi=args.dpi)
    print(f"k-means++ then {model.n_iter_} Lloyd iterations "
          f"(inertia {history[0]['inertia']:.1f} -> {model.inertia_:.1f})")  # fmt: skip
    print(f"wrote {gif} and {png}")
    return {"gif": gif, "png": png}


if __name__ == "__main__":
    main()
