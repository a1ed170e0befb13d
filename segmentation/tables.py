"""Reading and writing customer tables; the file's extension picks the format.

:func:`read_table` reads

- ``.xlsx`` / ``.xlsm``: the first sheet, with openpyxl;
- ``.parquet``: with pyarrow;
- anything else (``.csv``, ``.tsv``, ``.txt``, ...): a text table whose
  delimiter (comma, semicolon or tab) and encoding are sniffed; binary files
  and ragged rows are refused.

:func:`write_table` writes ``.csv``, ``.tsv``/``.txt`` (tab-separated),
``.xlsx`` and ``.parquet`` (``kmeans-segment assign --out``), all or nothing.

openpyxl and pyarrow are optional (``pip install "kmeans-core[formats]"``);
without them those two formats fail with a one-line
:class:`~segmentation.errors.DataError` that names the extra. Validation of
the clustering features happens later, in :mod:`segmentation.io`.
"""

from __future__ import annotations

import csv
import importlib
import io as _io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.columns import ID_NAMES, find_role_column
from segmentation.errors import DataError

__all__ = [
    "EXCEL_EXTENSIONS",
    "FORMATS_EXTRA",
    "PARQUET_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "check_writable",
    "read_table",
    "write_table",
]

EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
PARQUET_EXTENSIONS = (".parquet",)
# What write_table writes.
WRITE_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
# The optional extra that installs the readers of those two.
FORMATS_EXTRA = "kmeans-core[formats]"
# File signatures of the binary formats, for a table whose name hides them.
_MAGIC = {
    b"PK\x03\x04": ("a zip archive (an Excel workbook?)", ".xlsx"),
    b"PAR1": ("a Parquet file", ".parquet"),
}

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
            "export the table as CSV, .xlsx or .parquet and try again"
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
            "export the table as CSV, .xlsx or .parquet and try again"
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
    if '"' not in text and "\r" not in text.replace("\r\n", ""):
        return _check_ragged_unquoted(text, delim, name)
    return _check_ragged_csv(text, delim, name)


def _check_ragged_csv(text: str, delim: str, name: str) -> np.ndarray:
    """:func:`_check_ragged` by csv.reader, which understands quoted fields."""
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


def _check_ragged_unquoted(text: str, delim: str, name: str) -> np.ndarray:
    """:func:`_check_ragged` for text without quotes or bare carriage returns.

    There every record is one line and has one field more than it has
    delimiters, and ``str.count`` runs in C: on a million rows this takes a
    tenth of csv.reader's second. The results are the same (tested).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    n = len(lines)
    delims = np.fromiter((ln.count(delim) for ln in lines), np.int64, count=n)
    # csv.reader yields [] for an empty line and [" "] for spaces only:
    # both are skipped, as pandas skips them.
    blank = (delims == 0) & np.fromiter((not ln.strip() for ln in lines), bool, n)
    width = 0 if lines[0] == "" else int(delims[0]) + 1
    rows = np.flatnonzero(~blank[1:]) + 1
    bad = rows[delims[rows] + 1 != width]
    if len(bad):
        first = int(bad[0])
        raise DataError(
            f"{name}: line {first + 1} has {int(delims[first]) + 1} fields but the "
            f"header has {width}; fix that row (ragged rows are not allowed)"
        )
    return rows + 1


def read_table(path: str | Path, *, id_column: str | None = None) -> pd.DataFrame:
    """Read a customer table into a DataFrame; the extension picks the reader.

    Parameters
    ----------
    path : str or Path
        ``.xlsx``/``.xlsm`` (first sheet; needs openpyxl), ``.parquet``
        (needs pyarrow), or a text table: comma, semicolon and tab delimiters
        are recognised, in UTF-8 (with or without BOM), UTF-16 with BOM, or
        Latin-1.
    id_column : str, optional
        In a text table, a column to read as strings (so ids like ``0001``
        are kept as is). By default a recognised id column (``CustomerID``,
        ``id``, ...) is. Excel and Parquet keep the types they store.

    Returns
    -------
    pandas.DataFrame
        The table. For a text table ``df.attrs["line_numbers"]`` holds each
        row's line in the file (1-based, the header is line 1), for error
        messages.

    Raises
    ------
    DataError
        If the file is missing, empty, binary (as text), has no data rows or
        ragged rows, cannot be parsed, or its reader is not installed.
    """
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise DataError(f"file not found: {path}; check the path and try again")
    if path.is_dir():
        raise DataError(f"{path} is a directory; give the path of a table file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError(
            f"{name} is an old Excel .xls workbook, which is not read; "
            "save it as .xlsx or CSV"
        )
    if suffix in EXCEL_EXTENSIONS:
        frame = _read_binary(path, name, "openpyxl", "Excel", _read_excel, id_column)
    elif suffix in PARQUET_EXTENSIONS:
        frame = _read_binary(path, name, "pyarrow", "Parquet", _read_parquet)
    else:
        frame = _read_text(path, name, id_column)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise DataError(f"{name} has the column name {dup!r} twice; rename one")
    return frame


def _read_excel(path: Path, id_column: str | None) -> pd.DataFrame:
    # pandas turns text cells that look like numbers ("0001") into numbers,
    # so the id column is named as text, as the CSV reader does; the header
    # alone is cheap to read (openpyxl streams the sheet).
    if id_column is None:
        header = pd.read_excel(path, engine="openpyxl", nrows=0).columns
        id_column = find_role_column([str(c) for c in header], ID_NAMES)
    dtype = None if id_column is None else {id_column: str}
    return pd.read_excel(path, engine="openpyxl", dtype=dtype)


def _read_parquet(path: Path, id_column: str | None) -> pd.DataFrame:
    # Parquet stores each column's type, so ids come back as they were saved.
    return pd.read_parquet(path, engine="pyarrow")


def _require(package: str, suffix: str) -> None:
    """Raise a one-line DataError naming the extra when ``package`` is missing."""
    try:
        importlib.import_module(package)
    except ImportError:
        raise DataError(
            f"{suffix} files need {package}, which is not installed: "
            f'pip install "{FORMATS_EXTRA}"'
        ) from None


def _read_binary(
    path: Path, name: str, package: str, kind: str, read, id_column: str | None = None
) -> pd.DataFrame:
    """Read an Excel or Parquet file with ``read`` once ``package`` is importable."""
    _require(package, path.suffix)
    try:
        frame = read(path, id_column)
    except Exception as exc:
        # The readers raise many types (zip, XML, Arrow errors) for a bad
        # file; any of them means the file, not the program, is at fault.
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{name} could not be read as {kind}: {detail}") from None
    if frame.shape[1] == 0:
        raise DataError(
            f"{name} is empty; expected a header row followed by one row per customer"
        )
    if len(frame) == 0:
        raise DataError(
            f"{name} has a header but no data rows; add one row per customer"
        )
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _read_text(path: Path, name: str, id_column: str | None) -> pd.DataFrame:
    """A delimited text table, with its line numbers in ``attrs``."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for magic, (kind, suffix) in _MAGIC.items():
        if raw.startswith(magic):
            raise DataError(
                f"{name} does not look like a text CSV file: it is {kind}; "
                f"give it the {suffix} extension to read it as that format"
            )
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
    frame.attrs["line_numbers"] = line_numbers
    return frame


def check_writable(path: str | Path) -> Path:
    """Check that :func:`write_table` can write ``path``, before any work.

    Parameters
    ----------
    path : str or Path
        The file to write.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        For an unknown extension, a missing writer package, a missing folder
        or a path that is a folder.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_EXTENSIONS:
        raise DataError(
            f"cannot write {path.name}: give it one of the extensions "
            f"{', '.join(WRITE_EXTENSIONS)}"
        )
    if suffix == ".xlsx":
        _require("openpyxl", suffix)
    if suffix == ".parquet":
        _require("pyarrow", suffix)
    if path.is_dir():
        raise DataError(f"{path} is a folder; give a file name to write")
    if not path.parent.is_dir():
        raise DataError(f"folder {path.parent} does not exist; create it first")
    return path


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table in the format of its extension, all or nothing.

    The table goes to a temporary file beside ``path`` that replaces it only
    once complete, so a failure never leaves a half-written file.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or Path
        ``.csv``, ``.tsv``/``.txt`` (tab-separated), ``.xlsx`` or ``.parquet``.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        See :func:`check_writable`.
    """
    path = check_writable(path)
    suffix = path.suffix.lower()
    tmp = path.with_name(f".{path.name}.partial")
    try:
        if suffix == ".xlsx":
            frame.to_excel(tmp, index=False, engine="openpyxl")
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False, engine="pyarrow")
        else:
            frame.to_csv(tmp, index=False, sep="," if suffix == ".csv" else "\t")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
