"""Render results: Markdown tables, JSON and a PNG bar chart."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

OURS = "ours"


def _ms(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    ms = seconds * 1e3
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}"


def _inertia(value: float | None) -> str:
    return "–" if value is None else f"{value:.7g}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """Return a Markdown table with one header row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in result["impls"]}


def best_peer(result: dict[str, Any]) -> dict[str, Any] | None:
    """Return the peer with the smallest per-iteration time on one shape, if any."""
    peers = [r for r in result["impls"] if r["name"] != OURS and r["per_iter_best_s"]]
    return min(peers, key=lambda r: r["per_iter_best_s"]) if peers else None


def _settle_line(report: dict[str, Any]) -> str:
    """Say how long the harness paused before each timed fit."""
    settle = report["settings"].get("settle_s", 0.0)
    if not settle:
        return "No pause between timed fits."
    return (
        f"Each timed fit starts after a {settle:g} s pause, so idle BLAS/OpenMP "
        "threads of the previous fit have stopped spinning, and one untimed "
        "iteration of the same implementation on at most 2048 rows, so its own "
        "threads are awake."
    )


def summary_table(results: list[dict[str, Any]]) -> str:
    """Return the issue-4-style summary: ours vs scikit-learn, best peer and bound.

    Also the time of the iteration's dot products as one BLAS call (``distance
    GEMM``, see ``_machine.DistanceGemm``) and ours over it.

    Parameters
    ----------
    results : list of dict
        Output of ``compare_shape`` for each shape (one dtype).

    Returns
    -------
    str
        A Markdown table (per-iteration times in ms).
    """
    header = [
        "shape (n x d, k)",
        "ours",
        "sklearn lloyd",
        "best peer",
        "bound",
        "ours / best peer",
        "ours / bound",
        "distance GEMM",
        "ours / GEMM",
        "ours full fit",
        "best peer full fit",
    ]
    rows = []
    for res in results:
        named = _by_name(res)
        mine = named.get(OURS, {})
        sk = named.get("sklearn-lloyd", {})
        peer = best_peer(res) or {}
        fastest_fit = min(
            (r for r in res["impls"] if r["name"] != OURS and r["fit_best_s"]),
            key=lambda r: r["fit_best_s"],
            default={},
        )
        rows.append(
            [
                res["shape"]["label"],
                _ms(mine.get("per_iter_best_s")),
                _ms(sk.get("per_iter_best_s")),
                f"{_ms(peer.get('per_iter_best_s'))} ({peer.get('name', '–')})",
                _ms(res["bound_s"]),
                _ratio(mine.get("per_iter_best_s"), peer.get("per_iter_best_s")),
                _ratio(mine.get("per_iter_best_s"), res["bound_s"]),
                _ms(res.get("distance_gemm_s")),
                _ratio(mine.get("per_iter_best_s"), res.get("distance_gemm_s")),
                _ms(mine.get("fit_best_s")),
                f"{_ms(fastest_fit.get('fit_best_s'))} "
                f"({fastest_fit.get('name', '–')})",
            ]
        )
    return markdown_table(header, rows)


def detail_table(results: list[dict[str, Any]]) -> str:
    """Return one row per (shape, implementation) with every measurement.

    Parameters
    ----------
    results : list of dict
        Output of ``compare_shape`` for each shape (one dtype).

    Returns
    -------
    str
        A Markdown table.
    """
    header = [
        "shape",
        "implementation",
        "per-iter ms",
        "iters",
        "ours / this",
        "this / bound",
        "full fit ms",
        "fit iters",
        "full-fit inertia",
        "fixed-iter inertia",
        "note",
    ]
    rows = []
    for res in results:
        mine = _by_name(res).get(OURS, {}).get("per_iter_best_s")
        for row in res["impls"]:
            iters = str(row["fixed_n_iter"])
            if row["per_iter_s"] and row["fixed_n_iter"] != res["max_iter"]:
                iters += " (!)"
            rows.append(
                [
                    res["shape"]["label"],
                    row["name"],
                    _ms(row["per_iter_best_s"]),
                    iters,
                    _ratio(mine, row["per_iter_best_s"]),
                    _ratio(row["per_iter_best_s"], res["bound_s"]),
                    _ms(row["fit_best_s"]),
                    str(row["fit_n_iter"]),
                    _inertia(row["fit_inertia"]),
                    _inertia(row["fixed_inertia"]),
                    row["error"] or row["note"],
                ]
            )
    return markdown_table(header, rows)


def compare_markdown(report: dict[str, Any]) -> str:
    """Return the full Markdown report of a comparison run.

    Parameters
    ----------
    report : dict
        The JSON report written by ``benchmarks.compare``.

    Returns
    -------
    str
    """
    bound = report["machine_bound"]
    parts = [
        "# kmeans-core comparison",
        "",
        _environment_lines(report),
        f"Machine bound: read bandwidth {bound['bandwidth_gbs']:.1f} GB/s "
        f"({bound['threads']} threads), GEMM peak "
        + ", ".join(f"{v:.0f} GFLOP/s {k}" for k, v in bound["gemm_gflops"].items())
        + ".",
        "",
        f"Per-iteration times are ms, best of {report['settings']['repeats']} "
        f"fits of {report['settings']['max_iter']} iterations (tol=0, one shared "
        "init), fit time / n_iter. Full fit: default parameters, "
        f"random_state={report['settings']['seed']}, best of "
        f"{report['settings']['fit_repeats']}. Inertia is recomputed in float64. "
        f"{_settle_line(report)}",
        "",
    ]
    for dtype, results in report["results"].items():
        parts += [f"## {dtype}", "", summary_table(results), ""]
        parts += ["### Details", "", detail_table(results), ""]
    parts.append("(!) marks a fixed-iteration fit that stopped before max_iter.")
    return "\n".join(parts) + "\n"


def _environment_lines(report: dict[str, Any]) -> str:
    machine = report["machine"]
    blas = ", ".join(
        f"{b.get('internal_api')} {b.get('version')} "
        f"({b.get('architecture', b.get('threading_layer', '?'))}, "
        f"{b.get('num_threads')} threads)"
        for b in report["blas"]
    )
    unset = report["blas_env_unset"] or {}
    still = report["blas_env_still_set"]
    env_note = (
        "unset for this run: " + ", ".join(f"{k}={v}" for k, v in unset.items())
        if unset
        else "none were set"
    )
    if still:
        env_note += f"; STILL SET (NumPy was loaded first): {', '.join(still)}"
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    return (
        f"CPU: {machine['cpu']} ({machine['cpu_count']} cores), Python "
        f"{machine['python']}, Numba threading layer "
        f"{machine['numba_threading_layer']} ({machine['numba_threads']} threads), "
        f"load average {machine['load_average']} (other work skews timings). "
        f"Versions: {versions}.\n\n"
        f"BLAS (threadpoolctl): {blas or 'unknown'}. OPENBLAS_* variables: "
        f"{env_note}.\n"
    )


def variants_markdown(report: dict[str, Any]) -> str:
    """Return the Markdown report of a variants run.

    Parameters
    ----------
    report : dict
        The JSON report written by ``benchmarks.compare --variants``.

    Returns
    -------
    str
    """
    header = [
        "shape",
        "algorithm",
        "full fit ms",
        "vs ours lloyd",
        "vs best sklearn",
        "n_iter",
        "inertia",
        "distance evals",
        "same as lloyd",
    ]
    parts = [
        "# kmeans-core variants",
        "",
        _environment_lines(report),
        "Full fits from one shared init (default tol and max_iter), best of "
        f"{report['settings']['repeats']}. 'same as lloyd': same n_iter and labels "
        f"(and, for ours, bit-identical centers). {_settle_line(report)}",
        "",
    ]
    for dtype, results in report["results"].items():
        rows = []
        for res in results:
            by = {r["name"]: r for r in res["rows"]}
            lloyd = by["ours"]["fit_best_s"]
            sk = [r["fit_best_s"] for r in res["rows"] if r["name"].startswith("sk")]
            best_sk = min(sk) if sk else None
            for r in res["rows"]:
                evals = r["n_distance_evaluations"]
                rows.append(
                    [
                        res["shape"]["label"],
                        r["name"],
                        _ms(r["fit_best_s"]),
                        _ratio(r["fit_best_s"], lloyd),
                        _ratio(r["fit_best_s"], best_sk),
                        str(r["n_iter"]),
                        _inertia(r["inertia"]),
                        "–" if evals is None else f"{evals:.3g}",
                        "yes" if r["same_as_lloyd"] else "NO",
                    ]
                )
        parts += [f"## {dtype}", "", markdown_table(header, rows), ""]
    return "\n".join(parts)


def write_json(path: Path, report: dict[str, Any]) -> None:
    """Write ``report`` as indented JSON (NumPy scalars converted)."""
    path.write_text(json.dumps(report, indent=2, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def compare_chart(path: Path, report: dict[str, Any]) -> None:
    """Draw per-iteration times (log scale) per shape, one panel per dtype.

    Parameters
    ----------
    path : Path
        PNG file to write.
    report : dict
        The comparison report.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dtypes = list(report["results"])
    fig, axes = plt.subplots(
        len(dtypes), 1, figsize=(11, 4.2 * len(dtypes)), squeeze=False
    )
    for ax, dtype in zip(axes[:, 0], dtypes, strict=True):
        _bars(ax, report["results"][dtype], dtype)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(ax: Any, results: list[dict[str, Any]], dtype: str) -> None:
    names: list[str] = []
    for res in results:
        names += [r["name"] for r in res["impls"] if r["name"] not in names]
    width = 0.8 / max(len(names), 1)
    for j, name in enumerate(names):
        xs, ys = [], []
        for i, res in enumerate(results):
            row = _by_name(res).get(name)
            if row and row["per_iter_best_s"]:
                xs.append(i + (j - (len(names) - 1) / 2) * width)
                ys.append(row["per_iter_best_s"] * 1e3)
        ax.bar(xs, ys, width=width, label=name)
    bounds = [(i, r["bound_s"]) for i, r in enumerate(results) if r.get("bound_s")]
    for i, bound in bounds:
        ax.hlines(bound * 1e3, i - 0.45, i + 0.45, colors="black")
    if bounds:
        ax.plot([], [], color="black", label="machine bound")
    ax.set_yscale("log")
    ax.set_xticks(range(len(results)), [r["shape"]["label"] for r in results])
    ax.set_ylabel("ms per iteration")
    ax.set_title(f"Per-iteration time, {dtype} (lower is better)")
    ax.legend(fontsize="small", ncol=3)


def variants_chart(path: Path, report: dict[str, Any]) -> None:
    """Draw full-fit times of each variant per shape (log scale).

    Parameters
    ----------
    path : Path
        PNG file to write.
    report : dict
        The variants report.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dtypes = list(report["results"])
    fig, axes = plt.subplots(
        len(dtypes), 1, figsize=(11, 4.2 * len(dtypes)), squeeze=False
    )
    for ax, dtype in zip(axes[:, 0], dtypes, strict=True):
        results = report["results"][dtype]
        as_impls = [
            {
                "shape": r["shape"],
                "bound_s": None,
                "impls": [
                    {"name": x["name"], "per_iter_best_s": x["fit_best_s"]}
                    for x in r["rows"]
                ],
            }
            for r in results
        ]
        _bars(ax, as_impls, dtype)
        ax.set_ylabel("ms per full fit")
        ax.set_title(f"Full fit from a shared init, {dtype} (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
