"""Fresh-process start-up against scikit-learn; ``python -m benchmarks.startup --help``.

For issue 22's three cases (200 x 3 k=5 float64, 100000 x 16 k=32 float32,
20000 x 64 k=256 float64) and the README's ``kmeans-segment demo``: the wall time
of a new process that imports and runs a first default fit, with an empty Numba
cache (cold) and with the cache the cold process left (warm), scikit-learn's
fresh process for the ratio, and the slowest Numba compilations of the cold
process (see ``benchmarks/_startup.py``).  ``--quick`` runs the smallest case
once (the CI smoke test).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

from benchmarks._startup import CASES, QUICK_CASES, measure_case, startup_markdown

REPO_ROOT = Path(__file__).resolve().parent.parent


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.startup",
        description="Cold and warm import + first fit in fresh processes.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="the 200 x 3 case once (CI smoke)"
    )
    parser.add_argument(
        "--cases",
        nargs="+",
        type=int,
        metavar="I",
        help="case numbers: "
        + ", ".join(f"{i} = {c.name}" for i, c in enumerate(CASES)),
    )
    parser.add_argument(
        "--repeats", type=int, help="rounds of cold, warm, sklearn (default 2)"
    )
    parser.add_argument("--top", type=int, default=10, help="functions listed")
    parser.add_argument(
        "--no-sklearn", action="store_true", help="skip scikit-learn's processes"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-results"),
        help="output directory (default: bench-results/)",
    )
    return parser


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the start-up benchmark; write ``startup.json`` and ``startup.md``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (``sys.argv[1:]`` by default).

    Returns
    -------
    int
        Exit status.
    """
    from benchmarks._report import write_json

    args = build_parser().parse_args(argv)
    cases = QUICK_CASES if args.quick else CASES
    if args.cases:
        cases = tuple(CASES[i] for i in args.cases)
    repeats = args.repeats or (1 if args.quick else 2)
    sklearn = not args.no_sklearn and importlib.util.find_spec("sklearn") is not None
    started = time.perf_counter()
    results = [
        measure_case(case, REPO_ROOT, repeats=repeats, sklearn=sklearn, log=_log)
        for case in cases
    ]
    markdown = startup_markdown(results, top=args.top)
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "startup.json", {"results": results, "markdown": markdown})
    (args.out / "startup.md").write_text(markdown)
    elapsed = time.perf_counter() - started
    _log(f"wrote {args.out / 'startup'}.json, .md in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
