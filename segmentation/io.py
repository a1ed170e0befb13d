"""Loading and validating customer tables.

:func:`load_customers` takes a file (read by :mod:`segmentation.tables`), a
DataFrame or an array, picks the feature columns (matched by
:mod:`segmentation.columns`), checks that they are numbers and finite, and
drops or refuses rows with missing values.

Every problem with the input raises :class:`DataError` (a ``ValueError``) whose
message says, in one line, what is wrong and how to fix it; the CLI prints that
line and exits with status 2. The input file and any DataFrame passed in are
never modified.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.columns import find_id_column, find_role_column, resolve_columns
from segmentation.errors import DataError, DataWarning
from segmentation.tables import read_table

__all__ = [
    "DataError",
    "DataWarning",
    "LoadedData",
    "find_id_column",
    "find_role_column",
    "load_customers",
    "read_table",
    "resolve_columns",
]

# How many offending rows an error message lists before saying "...".
_MAX_LISTED = 5


@dataclass(frozen=True)
class LoadedData:
    """A validated customer table.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows that are used, every input column kept (the id column as
        strings, so leading zeros survive). Index is ``0..n-1``.
    features : tuple of str
        The clustering columns, as spelled in the table.
    X : numpy.ndarray of shape (n, len(features))
        The feature values as C-contiguous float64.
    id_column : str or None
        The column that identifies customers, if one was recognised.
    categorical : tuple of str
        Non-numeric, non-id columns (gender and the like), used in profiles.
    n_dropped : int
        Rows dropped because of missing values (``drop_missing=True``).
    source : str
        A short description of where the data came from (the file name).
    warnings : tuple of str
        Data-quality notes (duplicate ids, dropped rows) for reports.
    """

    frame: pd.DataFrame
    features: tuple[str, ...]
    X: np.ndarray
    id_column: str | None
    categorical: tuple[str, ...]
    n_dropped: int
    source: str
    warnings: tuple[str, ...]


def _row_label(frame: pd.DataFrame, pos: int) -> str:
    """Describe row ``pos`` by its file line when known, else by its index label."""
    lines = frame.attrs.get("line_numbers")
    if lines is not None and len(lines) == len(frame):
        return f"line {int(lines[pos])}"
    return f"row {frame.index[pos]!r}"


def _numeric_features(frame: pd.DataFrame, features: list[str], name: str) -> None:
    """Raise on the first non-numeric or infinite value in the feature columns."""
    for col in features:
        series = frame[col]
        if pd.api.types.is_bool_dtype(series):
            continue
        if not pd.api.types.is_numeric_dtype(series):
            converted = pd.to_numeric(series, errors="coerce")
            bad = np.flatnonzero(
                converted.isna().to_numpy() & series.notna().to_numpy()
            )
            if len(bad):
                pos = int(bad[0])
                more = f" ({len(bad) - 1} more rows too)" if len(bad) > 1 else ""
                raise DataError(
                    f"{name}: column {col!r} has the non-numeric value "
                    f"{str(series.iloc[pos])!r} on {_row_label(frame, pos)}{more}; "
                    "clustering features must be numbers"
                )
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        inf = np.flatnonzero(np.isinf(values))
        if len(inf):
            raise DataError(
                f"{name}: column {col!r} has an infinite value on "
                f"{_row_label(frame, int(inf[0]))}; replace it with a finite number"
            )


def _mostly_numeric(series: pd.Series) -> bool:
    """Whether a column is meant to hold numbers (so a stray word is an error)."""
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    present = series.dropna()
    if len(present) == 0:
        return False
    # A numeric column with a few typos still counts; gender or city does not.
    parsed = pd.to_numeric(present, errors="coerce").notna().mean()
    return bool(parsed >= 0.5)


def load_customers(
    source: str | Path | pd.DataFrame | np.ndarray,
    features: Sequence[str] | None = None,
    *,
    id_column: str | None = None,
    drop_missing: bool = False,
    name: str | None = None,
) -> LoadedData:
    """Load a customer table and validate the clustering features.

    Parameters
    ----------
    source : path, DataFrame or ndarray
        A CSV file, a DataFrame (copied, never modified) or a 2-D array
        (columns named ``x0, x1, ...``).
    features : sequence of str, optional
        Feature columns by exact name or unambiguous case-insensitive
        fragment. By default every numeric column except the id column.
    id_column : str, optional
        The customer id column. By default one named like ``CustomerID`` or
        ``id`` is recognised; ids are kept and never used as features.
    drop_missing : bool, default False
        Drop rows with a missing feature value instead of raising.
    name : str, optional
        What to call the data in messages; default the file name, ``"data"``
        or ``"array"``.

    Returns
    -------
    LoadedData

    Raises
    ------
    DataError
        For every problem with the data; the message says how to fix it.
    TypeError
        If ``source`` is of an unsupported type.
    """
    if isinstance(source, (str, Path)):
        default_name = Path(source).name or str(source)
        frame = read_table(source, id_column=id_column)
    elif isinstance(source, pd.DataFrame):
        default_name = "data"
        frame = source.copy()
    elif isinstance(source, np.ndarray):
        default_name = "array"
        if source.ndim != 2:
            raise DataError(
                f"expected a 2-D array of shape (n_customers, n_features), "
                f"got {source.ndim}-D"
            )
        frame = pd.DataFrame(source, columns=[f"x{j}" for j in range(source.shape[1])])
    else:
        raise TypeError(
            "data must be a CSV path, a pandas DataFrame or a 2-D numpy array, "
            f"not {type(source).__name__}"
        )
    name = default_name if name is None else str(name)
    if frame.shape[1] == 0 or len(frame) == 0:
        raise DataError(f"{name} has no data rows; add one row per customer")
    frame.columns = [str(c) for c in frame.columns]
    if id_column is not None:
        id_column = resolve_columns(frame.columns, [id_column])[0]
    else:
        id_column = find_id_column(frame)

    if features is None or len(features) == 0:
        cols = [
            c for c in frame.columns if c != id_column and _mostly_numeric(frame[c])
        ]
        if not cols:
            raise DataError(
                f"{name} has no numeric columns to cluster on; name them with features"
            )
    else:
        cols = resolve_columns(frame.columns, list(features))
        if id_column in cols:
            # The user asked to cluster on the id, so it is not an id here.
            id_column = None

    _numeric_features(frame, cols, name)
    numeric = frame[cols].apply(pd.to_numeric, errors="coerce")
    missing = numeric.isna().to_numpy()
    notes: list[str] = []
    n_dropped = 0
    if missing.any():
        rows = np.flatnonzero(missing.any(axis=1))
        if not drop_missing:
            per_col = ", ".join(
                f"{c!r} ({int(missing[:, j].sum())} rows)"
                for j, c in enumerate(cols)
                if missing[:, j].any()
            )
            first = ", ".join(_row_label(frame, int(r)) for r in rows[:_MAX_LISTED])
            more = ", ..." if len(rows) > _MAX_LISTED else ""
            raise DataError(
                f"{name} has missing values in {per_col}; first affected: "
                f"{first}{more}; fill them in or use --drop-missing "
                "(drop_missing=True) to drop those rows"
            )
        keep = ~missing.any(axis=1)
        lines = frame.attrs.get("line_numbers")
        frame = frame.loc[keep]
        numeric = numeric.loc[keep]
        if lines is not None and len(lines) == len(keep):
            frame.attrs["line_numbers"] = lines[keep]
        n_dropped = int(len(rows))
        notes.append(f"dropped {n_dropped} rows with missing values")
        if len(frame) == 0:
            raise DataError(
                f"{name}: every row has a missing feature value; nothing is left"
            )
    frame = frame.reset_index(drop=True)
    for c in cols:
        # Features that were stored as text are replaced by their numbers.
        frame[c] = numeric[c].to_numpy()

    if id_column is not None:
        ids = frame[id_column]
        dup = ids[ids.duplicated(keep=False) & ids.notna()]
        if len(dup):
            example = ", ".join(repr(str(v)) for v in pd.unique(dup)[:_MAX_LISTED])
            msg = (
                f"{name}: {dup.nunique()} ids in column {id_column!r} occur more than "
                f"once (e.g. {example}); each row is still treated as one customer"
            )
            warnings.warn(msg, DataWarning, stacklevel=2)
            notes.append(msg)

    categorical = tuple(
        c
        for c in frame.columns
        if c != id_column
        and c not in cols
        and not pd.api.types.is_numeric_dtype(frame[c])
        # A free-text column with a value per row is not a category.
        and frame[c].nunique() <= max(20, len(frame) // 10)
    )
    X = np.ascontiguousarray(numeric.to_numpy(dtype=np.float64))
    X.setflags(write=False)
    return LoadedData(
        frame=frame,
        features=tuple(cols),
        X=X,
        id_column=id_column,
        categorical=categorical,
        n_dropped=n_dropped,
        source=name,
        warnings=tuple(notes),
    )
