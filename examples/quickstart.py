"""Quickstart: the k-means estimator, then a customer segmentation with a report.

Run: python examples/quickstart.py [Mall_Customers.csv] [--out DIR]
Uses the Mall Customers file when given or found at ../shared/data, else the
built-in synthetic customers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from kmeans_core import KMeans
from segmentation import make_customers, segment
from segmentation.report import persona_table, write_outputs

MALL = Path(__file__).resolve().parents[1].parent / "shared/data/Mall_Customers.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="kmeans-core quickstart")
    parser.add_argument("data", nargs="?", type=Path, default=MALL)
    parser.add_argument("--out", type=Path, default=Path("example-output"))
    args = parser.parse_args(argv)

    # 1. The estimator: the scikit-learn API, compiled with Numba.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, size=(100, 2)) for c in (0, 4, 8)])
    km = KMeans(n_clusters=3, random_state=0).fit(X)
    print(
        "centres:\n", km.cluster_centers_.round(2), "\ninertia", round(km.inertia_, 1)
    )

    # 2. Segmentation: choose k, profile, name personas, write the report.
    data = args.data if args.data.is_file() else make_customers(200)
    result = segment(data, ["age", "income", "spending"], k="auto")
    print(result.selection.reason)
    print(persona_table(result))
    paths = write_outputs(result, args.out)
    print(f"open {paths['report.html']} in a browser")


if __name__ == "__main__":
    main()
