"""Writers for a segmentation run: CSVs, summary.json, report.md, plots, report.html.

Each writer takes a :class:`~segmentation.pipeline.SegmentationResult` and a
path, writes one file and returns its path; :func:`write_outputs` writes them
all into a folder (the PNG plots and ``report.html`` unless ``plots=False``).
:func:`persona_table` renders the terminal table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = [
    "HTML_REPORT",
    "OUTPUT_FILES",
    "persona_table",
    "write_outputs",
    "write_profiles_csv",
    "write_report_md",
    "write_segments_csv",
    "write_summary_json",
]

OUTPUT_FILES = ("segments.csv", "profiles.csv", "report.md", "summary.json")
# Written besides OUTPUT_FILES unless plots=False (plus the PNGs that fit the
# run; see segmentation.plots.save_plots).
HTML_REPORT = "report.html"


def _fmt(value: float) -> str:
    """Numbers for people: 3 significant digits, at least 1 decimal when small."""
    if value is None or not np.isfinite(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def persona_table(result: SegmentationResult) -> str:
    """A fixed-width text table of the personas, one row per segment."""
    head = ["seg", "persona", "size", "share"] + [str(f) for f in result.features]
    rows = []
    for p in result.personas:
        s = p.segment
        rows.append(
            [
                str(s),
                p.name,
                str(int(result.profiles.size[s])),
                f"{result.profiles.share[s]:.0%}",
                *(_fmt(float(result.centers.loc[s, f])) for f in result.features),
            ]
        )
    widths = [max(len(r[j]) for r in [head, *rows]) for j in range(len(head))]

    def line(cells):
        # Text columns left-aligned, numbers right-aligned.
        return "  ".join(
            c.ljust(w) if j in (1,) else c.rjust(w)
            for j, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def write_segments_csv(result: SegmentationResult, path: str | Path) -> Path:
    """Every input row with ``segment`` and ``persona`` columns added."""
    path = Path(path)
    result.segments_frame().to_csv(path, index=False)
    return path


def write_profiles_csv(result: SegmentationResult, path: str | Path) -> Path:
    """One row per segment: persona, size, share and per-column statistics."""
    path = Path(path)
    table = result.profiles.to_frame()
    table.insert(0, "persona", result.persona_names)
    table.to_csv(path)
    return path


def write_summary_json(result: SegmentationResult, path: str | Path) -> Path:
    """The run's summary (see :meth:`SegmentationResult.summary`)."""
    path = Path(path)
    path.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")
    return path


def _md(text: object) -> str:
    """Escape text for a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md(h) for h in head) + " |"]
    out.append("|" + "|".join("---" for _ in head) + "|")
    out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
    return out


def _mean_z(prof, segment: int, col: str) -> str:
    return (
        f"{_fmt(prof.mean.loc[segment, col])} ({prof.zscores.loc[segment, col]:+.2f})"
    )


def write_report_md(
    result: SegmentationResult, path: str | Path, images: Sequence[str] = ()
) -> Path:
    """A readable Markdown report: data, how k was chosen, personas, profiles.

    ``images`` are PNG file names relative to the report (from
    :func:`segmentation.plots.save_plots`); each is linked where it belongs.
    """
    from segmentation.html_report import IMAGE_CAPTIONS

    path = Path(path)

    def picture(name: str) -> list[str]:
        return ["", f"![{IMAGE_CAPTIONS.get(name, name)}]({name})", ""]

    prof = result.profiles
    lines = [
        "# Customer segmentation report",
        "",
        f"- Data: `{_md(result.source)}`, {len(result.data)} customers",
        f"- Features: {', '.join(f'`{_md(f)}`' for f in result.features)}",
        f"- Scaling: {result.scale}; seed: {result.random_state}",
        f"- Segments: k = {result.k}",
    ]
    if result.n_dropped:
        lines.append(f"- Rows dropped for missing values: {result.n_dropped}")
    for note in result.warnings:
        lines.append(f"- Note: {_md(note)}")
    lines += ["", "## How k was chosen", ""]
    sel = result.selection
    if sel is None:
        lines.append(f"k = {result.k} was given; no sweep was run.")
    else:
        lines += [sel.reason, "", f"Elbow: {sel.elbow_statement}.", ""]
        head = ["k", "inertia", "silhouette", "Calinski-Harabasz", "Davies-Bouldin",
                "gap (± s)"]  # fmt: skip
        rows = [
            [
                f"**{k}**" if k == sel.k else str(k),
                _fmt(sel.inertia[i]),
                _fmt(sel.silhouette[i]),
                _fmt(sel.calinski_harabasz[i]),
                _fmt(sel.davies_bouldin[i]),
                f"{_fmt(sel.gap[i])} ± {_fmt(sel.gap_se[i])}",
            ]
            for i, k in enumerate(sel.ks)
        ]
        lines += _md_table(head, rows)
        notes = []
        if sel.silhouette_sample:
            notes.append(
                f"silhouette on a seeded sample of {sel.silhouette_sample} rows"
            )
        if sel.gap_sample:
            notes.append(f"gap statistic on a seeded sample of {sel.gap_sample} rows")
        notes.append(f"{sel.n_init} k-means++ restarts per k")
        lines += ["", f"({'; '.join(notes)}.)"]
        if "k_selection.png" in images:
            lines += picture("k_selection.png")
    lines += ["", "## Personas", ""]
    for p in result.personas:
        s = p.segment
        lines += [
            f"### {_md(p.name)} (segment {s}: {int(prof.size[s])} customers, "
            f"{prof.share[s]:.0%})",
            "",
            _md(p.description),
            "",
            *(f"- {_md(a)}" for a in p.actions),
            "",
        ]
    lines += ["## Segment profiles (means in original units)", ""]
    head = ["segment", "persona", "size", "share"] + [f"{c} (z)" for c in prof.columns]
    rows = [
        [str(p.segment), p.name, str(int(prof.size[p.segment])),
         f"{prof.share[p.segment]:.0%}"]
        + [_mean_z(prof, p.segment, c) for c in prof.columns]
        for p in result.personas
    ]  # fmt: skip
    lines += _md_table(head, rows)
    for col, table in prof.categorical.items():
        lines += ["", f"### `{_md(col)}` mix per segment", ""]
        rows = [
            [str(s)] + [f"{table.loc[s, c]:.0%}" for c in table.columns]
            for s in table.index
        ]
        lines += _md_table(["segment", *map(str, table.columns)], rows)
    others = [name for name in images if name != "k_selection.png"]
    if others:
        lines += ["", "## Pictures"]
        for name in others:
            lines += picture(name)
    m = result.metrics
    lines += ["", "## Fit metrics", ""]
    lines += [
        f"- {name}: {_fmt(m[key]) if isinstance(m.get(key), float) else m.get(key)}"
        for key, name in (
            ("inertia", "inertia (clustered space)"),
            ("silhouette", "silhouette"),
            ("calinski_harabasz", "Calinski-Harabasz"),
            ("davies_bouldin", "Davies-Bouldin"),
            ("n_iter", "iterations"),
            ("converged", "converged"),
        )
        if key in m
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_outputs(
    result: SegmentationResult, out_dir: str | Path, *, plots: bool = True
) -> dict[str, Path]:
    """Write segments.csv, profiles.csv, report.md and summary.json into a folder.

    With ``plots=True`` (the default) also the PNG plots and the
    self-contained ``report.html``, and report.md links the plots; matplotlib
    is imported only then. The folder is created if needed. Returns
    ``{file name: path}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images: dict[str, Path] = {}
    if plots:
        from segmentation.plots import save_plots

        images = save_plots(result, out)
    paths = {
        "segments.csv": write_segments_csv(result, out / "segments.csv"),
        "profiles.csv": write_profiles_csv(result, out / "profiles.csv"),
        "report.md": write_report_md(result, out / "report.md", list(images)),
        "summary.json": write_summary_json(result, out / "summary.json"),
    }
    if plots:
        from segmentation.html_report import write_report_html

        paths[HTML_REPORT] = write_report_html(result, out / HTML_REPORT, images)
        paths.update(images)
    return paths
