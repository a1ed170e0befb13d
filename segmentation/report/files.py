"""The tabular outputs of a run: segments.csv, profiles.csv, summary.json.

Each writer takes a :class:`~segmentation.pipeline.SegmentationResult` and a
path, writes one file and returns its path. :func:`persona_table` renders the
terminal table that the CLI prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from segmentation.report.formatting import fmt

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = [
    "persona_table",
    "write_profiles_csv",
    "write_segments_csv",
    "write_summary_json",
]


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
                *(fmt(float(result.centers.loc[s, f])) for f in result.features),
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
