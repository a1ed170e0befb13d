"""Loading and validating customer tables.

Every problem with the input raises :class:`DataError` (a ``ValueError``) whose
message says, in one line, what is wrong and how to fix it; the CLI prints that
line and exits with status 2. The input file and any DataFrame passed in are
never modified.
"""

from __future__ import annotations

import csv
import io as _io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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
# Candidate delimiters, in order of preference when counts tie.
_DELIMITERS = (",", ";", "\t")
# Lines looked at when sniffing the delimiter.
_SNIFF_LINES = 50

# Normalised column names that mark a role in a customer table. The Mall data
# spells gender "Genre", so both are recognised.
_ID_NAMES = ("customerid", "clientid", "userid", "memberid", "id")
_GENDER_NAMES = ("gender", "genre", "sex")


class DataError(ValueError):
    """The input data cannot be used; the message says why and how to fix it."""


class DataWarning(UserWarning):
    """The input data is usable but something in it deserves attention."""


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


def _normalise(name: str) -> str:
    """Lower-case a column name and drop everything but letters and digits."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def _decode(raw: bytes, name: str) -> str:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or Latin-1."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    head = raw[:8192]
    # NUL bytes never occur in a text CSV in the encodings we accept.
    if b"\x00" in head:
        raise DataError(
            f"{name} does not look like a text CSV file (it contains binary data); "
            "export the table as CSV and try again"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Latin-1 decodes any byte string, so check it looks like text.
        text = raw.decode("latin-1")
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    controls += sum(1 for ch in sample if 0x7F <= ord(ch) < 0xA0)
    if sample and controls / len(sample) > 0.01:
        raise DataError(
            f"{name} does not look like a text CSV file (it contains binary data); "
            "export the table as CSV and try again"
        )
    return text


def _sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that splits the first lines into the most equal fields."""
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim) if row]
        if not counts:
            continue
        width = counts[0]
        consistent = sum(c == width for c in counts)
        # A delimiter that does not split the header cannot be the one.
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _check_ragged(text: str, delim: str, name: str) -> np.ndarray:
    """Check every record has the header's field count; return their line numbers.

    pandas silently pads short rows with NaN, so this pass makes a row with
    too few or too many fields an error that names its line.
    """
    reader = csv.reader(_io.StringIO(text), delimiter=delim)
    header = next(reader)
    width = len(header)
    lines = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines are skipped, as pandas does
        if len(row) != width:
            raise DataError(
                f"{name}: line {reader.line_num} has {len(row)} fields but the header "
                f"has {width}; fix that row (ragged rows are not allowed)"
            )
        lines.append(reader.line_num)
    return np.asarray(lines, dtype=np.int64)


def read_table(path: str | Path, *, id_column: str | None = None) -> pd.DataFrame:
    """Read a CSV file into a DataFrame, sniffing its delimiter and encoding.

    Parameters
    ----------
    path : str or Path
        The CSV file. Comma, semicolon and tab delimiters are recognised, in
        UTF-8 (with or without BOM), UTF-16 with BOM, or Latin-1.
    id_column : str, optional
        A column to read as strings (so ids like ``0001`` are kept as is).
        By default a recognised id column (``CustomerID``, ``id``, ...) is.

    Returns
    -------
    pandas.DataFrame
        The table. ``df.attrs["line_numbers"]`` holds each row's line in the
        file (1-based, the header is line 1), for error messages.

    Raises
    ------
    DataError
        If the file is missing, empty, binary, has no data rows or ragged rows.
    """
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise DataError(f"file not found: {path}; check the path and try again")
    if path.is_dir():
        raise DataError(f"{path} is a directory; give the path of a CSV file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    text = _decode(raw, name)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError(
            f"{name} is empty; expected a header row followed by one row per customer"
        )
    if len(lines) == 1:
        raise DataError(
            f"{name} has a header but no data rows; add one row per customer"
        )
    delim = _sniff_delimiter(lines[:_SNIFF_LINES])
    line_numbers = _check_ragged(text, delim, name)
    header = next(csv.reader([lines[0]], delimiter=delim))
    if id_column is None:
        id_column = find_role_column(header, _ID_NAMES)
    dtype = {id_column: str} if id_column in header else None
    try:
        frame = pd.read_csv(_io.StringIO(text), sep=delim, dtype=dtype)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{name} could not be parsed as CSV: {exc}") from exc
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise DataError(f"{name} has the column name {dup!r} twice; rename one")
    frame.attrs["line_numbers"] = line_numbers
    return frame


def find_role_column(columns: Sequence[str], names: Sequence[str]) -> str | None:
    """Return the first column whose normalised name is one of ``names``.

    A column ending in one of the longer names also counts (``Customer_ID``
    is matched by ``customerid``); ``id`` must match exactly so that, for
    example, ``paid`` is not taken for an id.
    """
    norm = {c: _normalise(c) for c in columns}
    for target in names:
        for col, n in norm.items():
            if n == target or (len(target) > 2 and n.endswith(target)):
                return col
    return None


def _tokens(name: str) -> list[str]:
    """Split "CustomerID", "member_no", "Client Number" into lower-case words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [t.lower() for t in re.split(r"[^0-9A-Za-z]+", spaced) if t]


def find_id_column(frame: pd.DataFrame) -> str | None:
    """Recognise the customer id column, or None.

    A column named like an id (``CustomerID``, ``client_id``, ``id``) is one
    even with duplicate values (those are warned about). A column whose last
    word is ``no``, ``nr``, ``number``, ``num``, ``key`` or ``code`` is one only
    if every value is distinct, so that e.g. ``zip_code`` with repeats is not.
    """
    named = find_role_column(list(frame.columns), _ID_NAMES)
    if named is not None:
        return named
    for col in frame.columns:
        words = _tokens(col)
        if words and words[-1] == "id":
            return col
    for col in frame.columns:
        words = _tokens(col)
        series = frame[col]
        if (
            words
            and words[-1] in ("no", "nr", "number", "num", "key", "code")
            and series.notna().all()
            and series.is_unique
        ):
            return col
    return None


def resolve_columns(columns: Sequence[str], requested: Sequence[str]) -> list[str]:
    """Map requested names to columns: exact name, then a case-insensitive fragment.

    Parameters
    ----------
    columns : sequence of str
        The table's columns.
    requested : sequence of str
        Exact names (``"Annual Income (k$)"``) or fragments (``"income"``).

    Returns
    -------
    list of str
        The matching columns, in the requested order.

    Raises
    ------
    DataError
        If a request matches no column, or a fragment matches several.
    """
    columns = [str(c) for c in columns]
    out: list[str] = []
    for req in requested:
        req = str(req)
        if req in columns:
            out.append(req)
            continue
        low = req.lower()
        matches = [c for c in columns if c.lower() == low]
        if not matches:
            frag = _normalise(req)
            matches = [c for c in columns if frag and frag in _normalise(c)]
        if not matches and _normalise(req) in _GENDER_NAMES:
            # The Mall data spells gender "Genre": any spelling finds any other.
            matches = [c for c in columns if _normalise(c) in _GENDER_NAMES]
        if len(matches) == 1:
            out.append(matches[0])
        elif not matches:
            raise DataError(
                f"no column matches {req!r}; available columns: "
                f"{', '.join(repr(c) for c in columns)}"
            )
        else:
            raise DataError(
                f"column {req!r} is ambiguous: it matches "
                f"{', '.join(repr(c) for c in matches)}; give more of the name"
            )
    if len(set(out)) != len(out):
        dup = next(c for c in out if out.count(c) > 1)
        raise DataError(f"column {dup!r} was requested twice; list each feature once")
    return out


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
        name = Path(source).name or str(source)
        frame = read_table(source, id_column=id_column)
    elif isinstance(source, pd.DataFrame):
        name = "data"
        frame = source.copy()
    elif isinstance(source, np.ndarray):
        name = "array"
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
