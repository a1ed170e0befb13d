"""``report.html``: a single self-contained page that can be emailed.

Images are embedded as ``data:`` URIs and the styles are inline, so the page
loads nothing: no scripts, fonts, stylesheets or links to other files. A
Content-Security-Policy meta tag forbids anything else as a second line of
defence. Every piece of text that comes from the user's data (column names,
values, file names, persona overrides) goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from segmentation.report.formatting import IMAGE_CAPTIONS, STABILITY_BANDS_TEXT, fmt
from segmentation.stability import stability_band

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = ["render_report_html", "write_report_html"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 margin:0;background:#f4f5f7;color:#1d1f23;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:28px}h2{margin:32px 0 12px;font-size:21px;
 border-bottom:2px solid #d9dce1;padding-bottom:4px}
.lead{color:#4a4f57;margin:0 0 16px}
.facts{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.fact{background:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 1px 3px #0002}
.fact b{display:block;font-size:22px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:16px}
.card{background:#fff;border-radius:10px;padding:14px 18px;box-shadow:0 1px 4px #0003;
 border-top:8px solid var(--c)}
.card h3{margin:0 0 2px;font-size:19px}.card .meta{color:#4a4f57;font-size:14px}
.card ul{margin:8px 0 0;padding-left:20px}.card li{margin:2px 0}
.bar{height:8px;background:#e6e8eb;border-radius:4px;margin:8px 0}
.bar span{display:block;height:8px;border-radius:4px;background:var(--c)}
table{border-collapse:collapse;background:#fff;font-size:14px;margin:8px 0;
 box-shadow:0 1px 3px #0002}
th,td{padding:5px 10px;border-bottom:1px solid #e6e8eb;text-align:right}
th{background:#eceef1}td.t,th.t{text-align:left}tr.chosen td{background:#fff4d6;
 font-weight:600}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;
 background:var(--c);margin-right:6px;vertical-align:-1px}
figure{background:#fff;margin:0 0 16px;padding:12px;border-radius:8px;
 box-shadow:0 1px 3px #0002}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{color:#4a4f57;font-size:14px;text-align:center;margin-top:6px}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:8px 12px;margin:6px 0}
.ok{background:#e8f5ee;border-left:4px solid #009E73;padding:8px 12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;
 padding:12px 16px;border-radius:8px}dt{color:#4a4f57}dd{margin:0}
code{background:#eceef1;padding:1px 4px;border-radius:3px}
.badge{display:inline-block;font-size:13px;font-weight:600;padding:1px 8px;
 border-radius:10px;margin:6px 0 0;color:#fff;background:var(--b)}
.b-highly-stable{--b:#007A5A}.b-stable{--b:#0072B2}.b-doubtful{--b:#8F6000}
.b-dissolved{--b:#B34700}
"""
# Badge colours per stability band: the palette's green, blue, orange and
# vermillion, darkened until white text on them passes WCAG AA (4.5:1).

# Nothing may load from anywhere: images only as data: URIs, styles inline.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(name: str, png: bytes) -> str:
    caption = IMAGE_CAPTIONS.get(name, name)
    return (
        f'<figure id="plot-{_e(Path(name).stem)}"><img alt="{_e(caption)}" '
        f'src="{_data_uri(png)}"><figcaption>{_e(caption)}</figcaption></figure>'
    )


def _table(
    head: list[str],
    rows: list[list[str]],
    text_cols: int = 1,
    highlight: int | None = None,
) -> str:
    """An HTML table; cells are already-escaped HTML, the head is escaped here.

    The first ``text_cols`` columns are left-aligned; row ``highlight`` is bold.
    """

    def cls(j: int) -> str:
        return ' class="t"' if j < text_cols else ""

    out = ["<table><thead><tr>"]
    out += [f"<th{cls(j)}>{_e(h)}</th>" for j, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        out.append('<tr class="chosen">' if i == highlight else "<tr>")
        out += [f"<td{cls(j)}>{c}</td>" for j, c in enumerate(row)]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _cards(result: SegmentationResult, colors: list[str]) -> str:
    prof = result.profiles
    out = ['<div class="cards" id="personas">']
    for p in result.personas:
        s = p.segment
        share = float(prof.share[s])
        actions = "".join(f"<li>{_e(a)}</li>" for a in p.actions)
        out.append(
            f'<section class="card persona" data-segment="{s}" '
            f'style="--c:{colors[s]}"><h3>{_e(p.name)}</h3>'
            f'<div class="meta">Segment {s} &middot; {int(prof.size[s])} customers '
            f"&middot; {share:.0%}</div>"
            f'<div class="bar"><span style="width:{100 * share:.1f}%"></span></div>'
            f"{_badge(result, s)}"
            f"<p>{_e(p.description)}</p><b>Recommended actions</b>"
            f"<ul>{actions}</ul></section>"
        )
    out.append("</div>")
    return "".join(out)


def _badge(result: SegmentationResult, s: int) -> str:
    """The stability badge of segment ``s`` ("" when not measured)."""
    if result.stability is None:
        return ""
    value = float(result.stability.per_segment[s])
    band = stability_band(value)
    return (
        f'<span class="badge b-{band.replace(" ", "-")}" data-stability="{value:.3f}"'
        f' title="bootstrap stability">stability {value:.2f} &middot; {band}</span>'
    )


def _stability(result: SegmentationResult, colors: list[str]) -> str:
    st = result.stability
    if st is None:
        return ""
    rows = []
    for p in result.personas:
        s = p.segment
        swatch = f'<span class="swatch" style="--c:{colors[s]}"></span>'
        rows.append(
            [f"{swatch}{s}", _e(p.name), f"{st.per_segment[s]:.2f}", _badge(result, s)]
        )
    return (
        '<h2 id="stability">Segment stability</h2>'
        + _table(["segment", "persona", "stability", "band"], rows, text_cols=2)
        + f"<p>{_e(STABILITY_BANDS_TEXT)}</p>"
        + f'<p class="lead">({_e(st.how())}.)</p>'
    )


def _selection(result: SegmentationResult, images: Mapping[str, bytes]) -> str:
    sel = result.selection
    if sel is None:
        return f"<p>k = {result.k} was given; no sweep was run.</p>"
    out = [
        f'<p class="ok">{_e(sel.reason)}</p>',
        f"<p>Elbow: {_e(sel.elbow_statement)}.</p>",
    ]
    if "k_selection.png" in images:
        out.append(_figure("k_selection.png", images["k_selection.png"]))
    votes = "; ".join(
        f"{_e(c.replace('_', '-'))}: {'abstains' if v is None else f'k = {v}'}"
        for c, v in sel.votes.items()
    )
    out.append(f"<p>Votes &mdash; {votes}.</p>")
    head = ["k", "inertia", "silhouette", "Calinski-Harabasz", "Davies-Bouldin",
            "gap ± s.e."]  # fmt: skip
    rows = []
    for i, k in enumerate(sel.ks):
        rows.append(
            [str(k), fmt(sel.inertia[i]),
             fmt(sel.silhouette[i]), fmt(sel.calinski_harabasz[i]),
             fmt(sel.davies_bouldin[i]),
             f"{fmt(sel.gap[i])} ± {fmt(sel.gap_se[i])}"]
        )  # fmt: skip
    if sel.stability is not None:
        # Mean stability per k: evidence beside the vote, not part of it.
        head.append("stability (mean)")
        for row, value in zip(rows, sel.stability, strict=True):
            row.append(f"{value:.2f}")
    out.append(_table(head, rows, highlight=sel.ks.index(sel.k)))
    notes = [f"{sel.n_init} k-means++ restarts per k"]
    if sel.silhouette_sample:
        notes.append(f"silhouette on a seeded sample of {sel.silhouette_sample} rows")
    if sel.gap_sample:
        notes.append(f"gap statistic on a seeded sample of {sel.gap_sample} rows")
    out.append(f'<p class="lead">({"; ".join(notes)}.)</p>')
    return "".join(out)


def _profiles(result: SegmentationResult, colors: list[str]) -> str:
    prof = result.profiles
    head = ["segment", "persona", "size", "share"] + [
        f"{c} mean (z)" for c in prof.columns
    ]
    rows = []
    for p in result.personas:
        s = p.segment
        swatch = f'<span class="swatch" style="--c:{colors[s]}"></span>'
        rows.append(
            [f"{swatch}{s}", _e(p.name), str(int(prof.size[s])),
             f"{prof.share[s]:.0%}"]
            + [f"{_e(fmt(prof.mean.loc[s, c]))} ({prof.zscores.loc[s, c]:+.2f})"
               for c in prof.columns]
        )  # fmt: skip
    out = [_table(head, rows, text_cols=2)]
    pop = ", ".join(f"{_e(c)} {_e(fmt(prof.population_mean[c]))}" for c in prof.columns)
    out.append(f'<p class="lead">Population means: {pop}. z = (segment mean - '
               "population mean) / population SD.</p>")  # fmt: skip
    for col, table in prof.categorical.items():
        out.append(f"<h3>{_e(col)} mix per segment</h3>")
        rows = [
            [str(s)] + [f"{table.loc[s, c]:.0%}" for c in table.columns]
            for s in table.index
        ]
        out.append(_table(["segment", *map(str, table.columns)], rows))
    return "".join(out)


def _quality(result: SegmentationResult) -> str:
    notes = []
    if result.n_dropped:
        notes.append(f"{result.n_dropped} rows dropped for missing values.")
    notes += list(result.warnings)
    if not notes:
        return '<p class="ok">No rows dropped and no data-quality warnings.</p>'
    return "".join(f'<p class="note">{_e(n)}</p>' for n in notes)


def _parameters(result: SegmentationResult) -> str:
    m = result.metrics
    sel = result.selection
    items = [
        ("data", f"<code>{_e(result.source)}</code>"),
        ("customers", str(len(result.data))),
        ("features", ", ".join(f"<code>{_e(f)}</code>" for f in result.features)),
        ("id column", _e(result.id_column or "none")),
        ("scaling", _e(result.scale)),
        ("k", f"{result.k} ({'chosen automatically' if sel else 'given'})"),
        ("k range", f"{sel.ks[0]}..{sel.ks[-1]}" if sel else "-"),
        ("random seed", _e(result.random_state)),
        ("k-means++ restarts", _e(m.get("n_init", "-"))),
        ("iterations", f"{m.get('n_iter', '-')} (converged: {m.get('converged')})"),
    ]
    for key, name in (("inertia", "inertia (scaled space)"),
                      ("silhouette", "silhouette"),
                      ("calinski_harabasz", "Calinski-Harabasz"),
                      ("davies_bouldin", "Davies-Bouldin")):  # fmt: skip
        if key in m:
            items.append((name, fmt(m[key])))
    if result.timings:
        items.append(
            ("seconds", ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items()))
        )
    return "<dl>" + "".join(f"<dt>{n}</dt><dd>{v}</dd>" for n, v in items) + "</dl>"


def render_report_html(
    result: SegmentationResult, images: Mapping[str, bytes] | None = None
) -> str:
    """The report as one HTML string.

    Parameters
    ----------
    result : SegmentationResult
    images : mapping of str to bytes, optional
        PNG file name (as written by :func:`segmentation.plots.save_plots`) to
        its bytes; each is embedded as a data URI. None: a report without
        pictures.

    Returns
    -------
    str
    """
    from segmentation.plots import segment_colors

    images = dict(images or {})
    colors = segment_colors(result.k)
    prof = result.profiles
    largest = result.personas[0]
    facts = [
        (len(result.data), "customers"),
        (result.k, "segments"),
        (len(result.features), "features"),
        (f"{prof.share[largest.segment]:.0%}", f"largest: {_e(largest.name)}"),
    ]
    if "silhouette" in result.metrics:
        facts.append((f"{result.metrics['silhouette']:.2f}", "silhouette"))
    plots = [
        _figure(name, png)
        for name, png in images.items()
        if name not in ("k_selection.png",)
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Customer segmentation: {_e(Path(result.source).name)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>Customer segmentation report</h1>",
        f'<p class="lead">{len(result.data)} customers from '
        f"<code>{_e(result.source)}</code>, clustered with k-means on "
        + ", ".join(f"<code>{_e(f)}</code>" for f in result.features)
        + f" ({_e(result.scale)} scaling).</p>",
        '<div class="facts">'
        + "".join(f'<div class="fact"><b>{v}</b>{t}</div>' for v, t in facts)
        + "</div>",
        "<h2>Personas</h2>",
        _cards(result, colors),
        "<h2>How k was chosen</h2>",
        _selection(result, images),
    ]
    if plots:
        parts += ["<h2>Pictures</h2>", '<div class="plots">', *plots, "</div>"]
    parts += [
        _stability(result, colors),
        "<h2>Segment profiles (original units)</h2>",
        _profiles(result, colors),
        "<h2>Data quality</h2>",
        _quality(result),
        "<h2>Run parameters</h2>",
        _parameters(result),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report_html(
    result: SegmentationResult,
    path: str | Path,
    images: Mapping[str, str | Path | bytes] | None = None,
) -> Path:
    """Write :func:`render_report_html` to ``path``; images may be paths or bytes."""
    path = Path(path)
    loaded = {
        str(name): data if isinstance(data, bytes) else Path(data).read_bytes()
        for name, data in (images or {}).items()
    }
    path.write_text(render_report_html(result, loaded), encoding="utf-8")
    return path
