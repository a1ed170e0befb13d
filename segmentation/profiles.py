"""Per-segment profiles in the table's original units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SegmentProfiles", "profile_segments"]


@dataclass(frozen=True)
class SegmentProfiles:
    """Sizes, summary statistics and z-scores of each segment.

    Every table is indexed by segment number (``0..k-1``) and, where it has
    one column per numeric column, in the table's original units.

    Attributes
    ----------
    features : tuple of str
        The clustering features.
    columns : tuple of str
        Every profiled numeric column: the features first, then other numeric
        non-id columns of the table.
    size : pandas.Series
        Customers per segment.
    share : pandas.Series
        ``size / n`` (0..1).
    mean, median, min, max : pandas.DataFrame
        Segment x column statistics.
    zscores : pandas.DataFrame
        ``(segment mean - population mean) / population SD`` per column; a
        constant column has z-score 0.
    population_mean, population_std : pandas.Series
        Over all customers (SD with ``ddof=0``).
    categorical : dict of str to pandas.DataFrame
        For each categorical column (e.g. gender), segment x category shares
        (rows sum to 1), whether or not it was a clustering feature.
    """

    features: tuple[str, ...]
    columns: tuple[str, ...]
    size: pd.Series
    share: pd.Series
    mean: pd.DataFrame
    median: pd.DataFrame
    min: pd.DataFrame
    max: pd.DataFrame
    zscores: pd.DataFrame
    population_mean: pd.Series
    population_std: pd.Series
    categorical: dict[str, pd.DataFrame]

    @property
    def k(self) -> int:
        """Number of segments."""
        return len(self.size)

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: size, share, then ``<col> mean/median/min/max/z``.

        Categorical shares follow as ``<col>: <category> share`` columns.
        """
        parts = [self.size.rename("size"), self.share.rename("share")]
        for col in self.columns:
            for stat in ("mean", "median", "min", "max"):
                parts.append(getattr(self, stat)[col].rename(f"{col} {stat}"))
            parts.append(self.zscores[col].rename(f"{col} z"))
        for col, table in self.categorical.items():
            for cat in table.columns:
                parts.append(table[cat].rename(f"{col}: {cat} share"))
        out = pd.concat(parts, axis=1)
        out.index.name = "segment"
        return out


def profile_segments(
    frame: pd.DataFrame,
    labels: np.ndarray,
    features: Sequence[str],
    *,
    categorical: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> SegmentProfiles:
    """Profile segments of a table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The customers, in original units (not modified).
    labels : array of shape (n,)
        Segment number of each row, ``0..k-1``.
    features : sequence of str
        The clustering features (profiled first).
    categorical : sequence of str, optional
        Columns whose category mix to report per segment (e.g. gender).
    exclude : sequence of str, optional
        Numeric columns not to profile (e.g. a numeric customer id).

    Returns
    -------
    SegmentProfiles
    """
    labels = np.asarray(labels)
    if labels.shape != (len(frame),):
        raise ValueError(
            f"labels must have one entry per row ({len(frame)}), got {labels.shape}"
        )
    features = list(features)
    others = [
        c
        for c in frame.columns
        if c not in features
        and c not in exclude
        and c not in categorical
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]
    columns = features + others
    values = frame[columns].astype(np.float64)
    seg = pd.Series(labels, index=frame.index, name="segment")
    grouped = values.groupby(seg)
    size = seg.value_counts().sort_index().rename("size")
    share = (size / len(frame)).rename("share")
    mean = grouped.mean()
    pop_mean = values.mean()
    pop_std = values.std(ddof=0)
    safe = pop_std.where(pop_std > 0, np.inf)
    zscores = (mean - pop_mean) / safe
    cats = {}
    for col in categorical:
        table = pd.crosstab(seg, frame[col].astype(str), normalize="index")
        table.columns.name = col
        cats[col] = table.reindex(size.index, fill_value=0.0)
    return SegmentProfiles(
        features=tuple(features),
        columns=tuple(columns),
        size=size,
        share=share,
        mean=mean,
        median=grouped.median(),
        min=grouped.min(),
        max=grouped.max(),
        zscores=zscores,
        population_mean=pop_mean,
        population_std=pop_std,
        categorical=cats,
    )
