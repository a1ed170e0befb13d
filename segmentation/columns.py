"""Finding columns in a customer table: by role (id, gender) or by name.

:func:`resolve_columns` turns what a user typed (``"income"``) into a column
of the table (``"Annual Income (k$)"``); :func:`find_id_column` recognises the
customer id. The readers, the loader and saved models (``assign``) all match
columns through this module, so a table is read the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from segmentation.errors import DataError

__all__ = [
    "GENDER_NAMES",
    "ID_NAMES",
    "find_id_column",
    "find_role_column",
    "normalise",
    "resolve_columns",
]

# Normalised column names that mark a role in a customer table. The Mall data
# spells gender "Genre", so both are recognised.
ID_NAMES = ("customerid", "clientid", "userid", "memberid", "id")
GENDER_NAMES = ("gender", "genre", "sex")


def normalise(name: str) -> str:
    """Lower-case a column name and drop everything but letters and digits."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def find_role_column(columns: Sequence[str], names: Sequence[str]) -> str | None:
    """Return the first column whose normalised name is one of ``names``.

    A column ending in one of the longer names also counts (``Customer_ID``
    is matched by ``customerid``); ``id`` must match exactly so that, for
    example, ``paid`` is not taken for an id.
    """
    norm = {c: normalise(c) for c in columns}
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
    named = find_role_column(list(frame.columns), ID_NAMES)
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
            frag = normalise(req)
            matches = [c for c in columns if frag and frag in normalise(c)]
        if not matches and normalise(req) in GENDER_NAMES:
            # The Mall data spells gender "Genre": any spelling finds any other.
            matches = [c for c in columns if normalise(c) in GENDER_NAMES]
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
