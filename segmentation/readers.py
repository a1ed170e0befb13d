"""Reading a customer table from a file.

:func:`read_table` reads text tables (CSV, semicolon- or tab-separated),
sniffing the delimiter and the encoding, and refuses binary files and ragged
rows with a one-line :class:`~segmentation.errors.DataError`. Validation of
the clustering features happens later, in :mod:`segmentation.io`.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.columns import ID_NAMES, find_role_column
from segmentation.errors import DataError

__all__ = ["read_table"]

# Candidate delimiters, in order of preference when counts tie.
_DELIMITERS = (",", ";", "\t")
# Lines looked at when sniffing the delimiter.
_SNIFF_LINES = 50


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
        id_column = find_role_column(header, ID_NAMES)
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
