"""Tables and heat maps of a ``benchmarks.map`` report."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

#: What the map's targets ask of ours per iteration (issue 21).
PEER_TARGET = 0.67
BOUND_TARGET = 3.0
#: Below this bound (seconds) the bound target does not apply.
BOUND_MIN_S = 0.5e-3


def _best(row: dict[str, Any], key: str) -> float | None:
    return None if row.get("error") else row.get(key)


def cell_summary(result: dict[str, Any]) -> dict[str, Any]:
    """Ours, the best peer and the ratios for one cell's ``compare_shape`` result."""
    rows = result["impls"]
    ours = next(r for r in rows if r["name"] == "ours")
    peers = [r for r in rows if r["name"] != "ours" and _best(r, "per_iter_best_s")]
    best_peer = min(peers, key=lambda r: r["per_iter_best_s"], default=None)
    ours_s = ours["per_iter_best_s"]
    summary = {
        "d": result["shape"]["d"],
        "k": result["shape"]["k"],
        "n": result["shape"]["n"],
        "ours_s": ours_s,
        "best_peer": best_peer["name"] if best_peer else None,
        "best_peer_s": best_peer["per_iter_best_s"] if best_peer else None,
        "bound_s": result["bound_s"],
        "peer_ratio": ours_s / best_peer["per_iter_best_s"] if best_peer else None,
        "bound_ratio": ours_s / result["bound_s"] if result["bound_s"] else None,
    }
    fits = [r for r in rows if _best(r, "fit_best_s")]
    if fits and _best(ours, "fit_best_s"):
        fastest = min((r for r in fits if r is not ours), key=lambda r: r["fit_best_s"])
        summary["fit_ratio"] = ours["fit_best_s"] / fastest["fit_best_s"]
        summary["fit_peer"] = fastest["name"]
        summary["fit_inertia_ratio"] = ours["fit_inertia"] / fastest["fit_inertia"]
    return summary


def _grid(summaries: list[dict[str, Any]], key: str) -> tuple[list, list, dict]:
    d_values = sorted({s["d"] for s in summaries})
    k_values = sorted({s["k"] for s in summaries})
    values = {(s["d"], s["k"]): s.get(key) for s in summaries}
    return d_values, k_values, values


def _fmt(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.2f}"


def _table(summaries: list[dict[str, Any]], key: str, mark: Any) -> list[str]:
    d_values, k_values, values = _grid(summaries, key)
    lines = [
        "| d \\ k | " + " | ".join(str(k) for k in k_values) + " |",
        "|---" * (len(k_values) + 1) + "|",
    ]
    for d in d_values:
        cells = []
        for k in k_values:
            value = values.get((d, k))
            text = _fmt(value)
            cells.append(
                f"**{text}**" if value is not None and mark(d, k, value) else text
            )
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return lines


def map_markdown(report: dict[str, Any]) -> str:
    """The map as Markdown: per dtype, ours / best peer and ours / bound."""
    out = ["# kmeans-core (d, k) map: per-iteration time", ""]
    machine, bound = report["machine"], report["machine_bound"]
    out.append(
        f"Machine: {machine.get('cpu', '?')}, {bound['threads']} threads; "
        f"{bound['bandwidth_gbs']:.1f} GB/s, GEMM "
        + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in bound["gemm_gflops"].items())
        + ". Versions: "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items())
        + "."
    )
    settings = report["settings"]
    out.append(
        f"{settings['max_iter']} iterations from one shared init (tol=0), best of "
        f"{settings['repeats']}; bold: ours above {PEER_TARGET} of the best peer "
        f"(first table), or above {BOUND_TARGET}x a bound of at least "
        f"{BOUND_MIN_S * 1e3:g} ms (second)."
    )
    for dtype, results in report["results"].items():
        summaries = [cell_summary(r) for r in results]
        out += ["", f"## {dtype}", "", "Ours / best peer:", ""]
        out += _table(summaries, "peer_ratio", lambda d, k, v: v > PEER_TARGET)
        out += ["", "Ours / machine bound:", ""]

        def over_bound(d: int, k: int, v: float, summaries=summaries) -> bool:
            cell = next(s for s in summaries if s["d"] == d and s["k"] == k)
            return cell["bound_s"] >= BOUND_MIN_S and v > BOUND_TARGET

        out += _table(summaries, "bound_ratio", over_bound)
        if any("fit_ratio" in s for s in summaries):
            out += ["", "Default full fit, ours / fastest peer:", ""]
            out += _table(summaries, "fit_ratio", lambda d, k, v: v > 1.0)
        out += ["", "Cells (ms per iteration):", ""]
        out.append("| d | k | n | ours | best peer | peer | bound |")
        out.append("|---|---|---|---|---|---|---|")
        for s in summaries:
            out.append(
                f"| {s['d']} | {s['k']} | {s['n']} | {s['ours_s'] * 1e3:.3f} | "
                f"{(s['best_peer_s'] or math.nan) * 1e3:.3f} | {s['best_peer']} | "
                f"{s['bound_s'] * 1e3:.3f} |"
            )
    return "\n".join(out) + "\n"


def map_chart(path: Path, report: dict[str, Any]) -> None:
    """Heat maps of ours / best peer and ours / bound, one row per dtype."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import LogNorm, TwoSlopeNorm

    dtypes = list(report["results"])
    fig, axes = plt.subplots(
        len(dtypes), 2, figsize=(12, 4.2 * len(dtypes)), squeeze=False
    )
    for row, dtype in enumerate(dtypes):
        summaries = [cell_summary(r) for r in report["results"][dtype]]
        for col, (key, title, centre) in enumerate(
            (
                ("peer_ratio", "ours / best peer", 1.0),
                ("bound_ratio", "ours / machine bound", None),
            )
        ):
            d_values, k_values, values = _grid(summaries, key)
            grid = np.array(
                [[values.get((d, k)) or np.nan for k in k_values] for d in d_values]
            )
            ax = axes[row][col]
            finite = grid[np.isfinite(grid)]
            if centre is not None and finite.size:
                low, high = min(finite.min(), 0.99), max(finite.max(), 1.01)
                norm = TwoSlopeNorm(vcenter=1.0, vmin=low, vmax=high)
                cmap = "RdYlGn_r"
            else:
                norm = LogNorm() if finite.size and finite.min() > 0 else None
                cmap = "viridis"
            image = ax.imshow(grid, cmap=cmap, norm=norm, aspect="auto")
            for i in range(len(d_values)):
                for j in range(len(k_values)):
                    if np.isfinite(grid[i, j]):
                        ax.text(
                            j,
                            i,
                            f"{grid[i, j]:.2f}",
                            ha="center",
                            va="center",
                            fontsize=8,
                        )
            ax.set_xticks(range(len(k_values)), [str(k) for k in k_values])
            ax.set_yticks(range(len(d_values)), [str(d) for d in d_values])
            ax.set_xlabel("k")
            ax.set_ylabel("d")
            ax.set_title(f"{dtype}: {title} (per iteration)")
            fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
