"""The tabular outputs of a run: segments.csv, profiles.csv, summary.json.

Each writer takes a :class:`~segmentation.pipeline.SegmentationResult` and a
path, writes one file and returns its path. :func:`persona_table` and
:func:`assignment_table` render the terminal tables that the CLI prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from segmentation.report.formatting import fmt
from segmentation.stability import stability_band

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from segmentation.model import SegmentationModel
    from segmentation.pipeline import SegmentationResult

__all__ = [
    "assignment_table",
    "persona_table",
    "text_table",
    "write_profiles_csv",
    "write_segments_csv",
    "write_summary_json",
]


def text_table(
    head: list[str], rows: list[list[str]], text_cols: Sequence[int] = (1,)
) -> str:
    """A fixed-width text table.

    Parameters
    ----------
    head : list of str
    rows : list of list of str
        Cells, already formatted.
    text_cols : sequence of int, default (1,)
        Columns aligned left; the others (numbers) align right.

    Returns
    -------
    str
    """
    widths = [max(len(r[j]) for r in [head, *rows]) for j in range(len(head))]

    def line(cells):
        return "  ".join(
            c.ljust(w) if j in text_cols else c.rjust(w)
            for j, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def persona_table(result: SegmentationResult) -> str:
    """A fixed-width text table of the personas, one row per segment.

    With stability measured, its value and band close each row.
    """
    head = ["seg", "persona", "size", "share"] + [str(f) for f in result.features]
    stable = result.stability is not None
    if stable:
        head += ["stability", ""]
    rows = []
    for p in result.personas:
        s = p.segment
        row = [
            str(s),
            p.name,
            str(int(result.profiles.size[s])),
            f"{result.profiles.share[s]:.0%}",
            *(fmt(float(result.centers.loc[s, f])) for f in result.features),
        ]
        if stable:
            value = result.stability.per_segment[s]
            row += [f"{value:.2f}", stability_band(value)]
        rows.append(row)
    return text_table(head, rows, text_cols=(1, len(head) - 1) if stable else (1,))


def assignment_table(model: SegmentationModel, table: pd.DataFrame) -> str:
    """Rows and outliers per segment of an assignment, as a text table.

    Parameters
    ----------
    model : SegmentationModel
    table : pandas.DataFrame
        The output of :meth:`SegmentationModel.assign`.

    Returns
    -------
    str
    """
    counts = np.bincount(table["segment"].to_numpy(), minlength=model.k)
    outliers = np.bincount(
        table["segment"].to_numpy(), weights=table["outlier"].to_numpy(),
        minlength=model.k,
    )  # fmt: skip
    n = max(len(table), 1)
    rows = [
        [str(s), name, str(int(counts[s])), f"{counts[s] / n:.0%}",
         str(int(outliers[s]))]
        for s, name in enumerate(model.persona_names)
    ]  # fmt: skip
    return text_table(["seg", "persona", "rows", "share", "outliers"], rows)


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
