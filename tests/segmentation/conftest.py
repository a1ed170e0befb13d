"""Shared fixtures for the segmentation tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# The data lives beside the checkout (../shared/data), never in the package.
MALL_CSV = REPO_ROOT.parent / "shared" / "data" / "Mall_Customers.csv"


@pytest.fixture(scope="session")
def mall_csv() -> Path:
    if not MALL_CSV.is_file():
        pytest.skip(
            f"Mall Customers data not found at {MALL_CSV} "
            "(../shared/data/Mall_Customers.csv relative to the repo root)"
        )
    return MALL_CSV


def planted_blobs(
    n: int, centers: np.ndarray, spread: float, columns: list[str], seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Gaussian groups around given centres; returns the table and true groups."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(centers), size=n)
    X = centers[truth] + rng.normal(0.0, spread, size=(n, centers.shape[1]))
    return pd.DataFrame(X, columns=columns), truth
