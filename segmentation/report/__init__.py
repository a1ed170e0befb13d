"""Writers for a segmentation run: CSVs, summary.json, report.md, plots, report.html.

:func:`write_outputs` writes them all into a folder (the PNG plots and
``report.html`` unless ``plots=False``). The package has one module per
output, none of which imports another's private names:

- :mod:`~segmentation.report.formatting`: number formatting and plot captions,
  shared by every writer;
- :mod:`~segmentation.report.files`: segments.csv, profiles.csv, summary.json
  and the terminal persona table;
- :mod:`~segmentation.report.markdown`: report.md;
- :mod:`~segmentation.report.html_page`: the self-contained report.html.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segmentation.model import save_model
from segmentation.report.files import (
    assignment_table,
    persona_table,
    write_profiles_csv,
    write_segments_csv,
    write_summary_json,
)
from segmentation.report.formatting import IMAGE_CAPTIONS
from segmentation.report.html_page import render_report_html, write_report_html
from segmentation.report.markdown import write_report_md

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = [
    "HTML_REPORT",
    "IMAGE_CAPTIONS",
    "OUTPUT_FILES",
    "assignment_table",
    "persona_table",
    "render_report_html",
    "write_outputs",
    "write_profiles_csv",
    "write_report_html",
    "write_report_md",
    "write_segments_csv",
    "write_summary_json",
]

OUTPUT_FILES = (
    "segments.csv",
    "profiles.csv",
    "report.md",
    "summary.json",
    "model.json",
)
# Written besides OUTPUT_FILES unless plots=False (plus the PNGs that fit the
# run; see segmentation.plots.save_plots).
HTML_REPORT = "report.html"


def write_outputs(
    result: SegmentationResult, out_dir: str | Path, *, plots: bool = True
) -> dict[str, Path]:
    """Write segments.csv, profiles.csv, report.md, summary.json, model.json.

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
        "model.json": save_model(result, out / "model.json"),
    }
    if plots:
        paths[HTML_REPORT] = write_report_html(result, out / HTML_REPORT, images)
        paths.update(images)
    return paths
