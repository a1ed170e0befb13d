"""``report.md``: the run as a readable Markdown document."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from segmentation.report.formatting import IMAGE_CAPTIONS, STABILITY_BANDS_TEXT, fmt
from segmentation.stability import stability_band

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = ["write_report_md"]


def _md(text: object) -> str:
    """Escape text for a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md(h) for h in head) + " |"]
    out.append("|" + "|".join("---" for _ in head) + "|")
    out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
    return out


def _mean_z(prof, segment: int, col: str) -> str:
    return f"{fmt(prof.mean.loc[segment, col])} ({prof.zscores.loc[segment, col]:+.2f})"


def write_report_md(
    result: SegmentationResult, path: str | Path, images: Sequence[str] = ()
) -> Path:
    """A readable Markdown report: data, how k was chosen, personas, profiles.

    ``images`` are PNG file names relative to the report (from
    :func:`segmentation.plots.save_plots`); each is linked where it belongs.
    """
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
                fmt(sel.inertia[i]),
                fmt(sel.silhouette[i]),
                fmt(sel.calinski_harabasz[i]),
                fmt(sel.davies_bouldin[i]),
                f"{fmt(sel.gap[i])} ± {fmt(sel.gap_se[i])}",
            ]
            for i, k in enumerate(sel.ks)
        ]
        if sel.stability is not None:
            # Mean stability per k: evidence beside the vote, not part of it.
            head.append("stability (mean)")
            for row, value in zip(rows, sel.stability, strict=True):
                row.append(f"{value:.2f}")
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
            *_stability_badge(result, s),
            _md(p.description),
            "",
            *(f"- {_md(a)}" for a in p.actions),
            "",
        ]
    lines += _stability_section(result)
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
        f"- {name}: {fmt(m[key]) if isinstance(m.get(key), float) else m.get(key)}"
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


def _stability_badge(result: SegmentationResult, s: int) -> list[str]:
    if result.stability is None:
        return []
    value = result.stability.per_segment[s]
    return [f"**Stability: {value:.2f} ({stability_band(value)})**", ""]


def _stability_section(result: SegmentationResult) -> list[str]:
    st = result.stability
    if st is None:
        return []
    rows = [
        [str(p.segment), p.name, f"{st.per_segment[p.segment]:.2f}",
         stability_band(st.per_segment[p.segment])]
        for p in result.personas
    ]  # fmt: skip
    return [
        "## Segment stability",
        "",
        *_md_table(["segment", "persona", "stability", "band"], rows),
        "",
        _md(STABILITY_BANDS_TEXT),
        "",
        f"({_md(st.how())}.)",
        "",
    ]
