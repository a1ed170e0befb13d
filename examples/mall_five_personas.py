"""Reproduce the 3-feature, k = 5 persona analysis of the Mall customers.

Age, annual income and spending score, standardised, k = 5: the five groups of
the published analysis (premium spenders, wealthy minimalists, young impulsive
buyers, frugal customers, conservative elders), each named with recommended
actions, plus the full report (report.html, report.md, plots, CSVs).

Run: python examples/mall_five_personas.py [Mall_Customers.csv] [--out DIR]
Falls back to the built-in synthetic customers when the file is missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from segmentation import make_customers, segment
from segmentation.report import persona_table, write_outputs

MALL = Path(__file__).resolve().parents[1].parent / "shared/data/Mall_Customers.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Five personas, three features")
    parser.add_argument("data", nargs="?", type=Path, default=MALL)
    parser.add_argument("--out", type=Path, default=Path("example-output"))
    args = parser.parse_args(argv)
    data = args.data if args.data.is_file() else make_customers(200)

    result = segment(data, ["age", "income", "spending"], k=5)
    print(f"{len(result.data)} customers from {result.source}, k = 5")
    print(persona_table(result))
    for p in result.personas:
        print(f"\n{p.name}: {p.description}")
        for action in p.actions:
            print(f"  - {action}")
    paths = write_outputs(result, args.out)
    print(f"\nwrote {len(paths)} files to {args.out}; open {paths['report.html']}")


if __name__ == "__main__":
    main()
