"""Built-in synthetic demo data with the Mall Customers schema.

The table is **synthetic**: drawn from five made-up customer archetypes whose
centres resemble the groups found in the public Mall Customers data. It is not
that data set and describes no real person; it exists so that the demo, the
examples and the tests run anywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MALL_COLUMNS", "make_customers"]

MALL_COLUMNS = (
    "CustomerID",
    "Gender",
    "Age",
    "Annual Income (k$)",
    "Spending Score (1-100)",
)

# (share, age mean/sd, income mean/sd, spending mean/sd, share female)
_ARCHETYPES = (
    (0.23, 56, 7, 54, 9, 48, 7, 0.57),  # older, middle income, moderate spending
    (0.20, 33, 4, 87, 13, 82, 8, 0.54),  # high income, high spending
    (0.21, 25, 5, 42, 12, 62, 13, 0.58),  # young, lower income, high spending
    (0.17, 45, 11, 27, 8, 20, 11, 0.60),  # low income, low spending
    (0.19, 41, 10, 88, 14, 17, 9, 0.46),  # high income, low spending
)


def make_customers(n: int = 200, random_state: int | None = 0) -> pd.DataFrame:
    """Generate a synthetic customer table with the Mall Customers schema.

    Parameters
    ----------
    n : int, default 200
        Number of customers.
    random_state : int, optional
        Seed; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        Columns ``CustomerID`` (zero-padded strings), ``Gender``, ``Age``,
        ``Annual Income (k$)`` and ``Spending Score (1-100)`` (integers in
        18..70, 15..140 and 1..99), rows in random order. Synthetic data:
        five archetypes, not real customers.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(random_state)
    shares = np.array([a[0] for a in _ARCHETYPES])
    group = rng.choice(len(_ARCHETYPES), size=n, p=shares / shares.sum())
    params = np.array([a[1:] for a in _ARCHETYPES], dtype=float)[group]
    age = rng.normal(params[:, 0], params[:, 1])
    income = rng.normal(params[:, 2], params[:, 3])
    spending = rng.normal(params[:, 4], params[:, 5])
    female = rng.random(n) < params[:, 6]
    width = max(4, len(str(n)))
    return pd.DataFrame(
        {
            MALL_COLUMNS[0]: [str(i + 1).zfill(width) for i in range(n)],
            MALL_COLUMNS[1]: np.where(female, "Female", "Male"),
            MALL_COLUMNS[2]: np.clip(np.rint(age), 18, 70).astype(np.int64),
            MALL_COLUMNS[3]: np.clip(np.rint(income), 15, 140).astype(np.int64),
            MALL_COLUMNS[4]: np.clip(np.rint(spending), 1, 99).astype(np.int64),
        }
    )
