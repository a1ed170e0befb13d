"""Measure which kernel runs Lloyd's pass fastest on this machine.

``python -m kmeans_core.calibrate`` (or ``kmeans-core calibrate``) times the
candidates for Lloyd's pass on a grid of shapes (``_calibration``; about a
minute on two cores, after the kernels are compiled) and writes the winners
next to the compiled kernels, where every later process finds them.  Results
do not change, only speed.  ``KMEANS_CORE_CALIBRATION=0`` ignores the file;
``--where`` prints its path; ``--remove`` deletes it.
"""

from __future__ import annotations

import argparse
import sys

from . import _calibration


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``python -m kmeans_core.calibrate``."""
    parser = argparse.ArgumentParser(
        prog="python -m kmeans_core.calibrate",
        description="Measure which kernel runs Lloyd's pass fastest on this machine.",
    )
    dtypes = ["float32", "float64"]
    parser.add_argument("--dtype", nargs="+", choices=dtypes, default=dtypes)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed passes per candidate (best of)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    parser.add_argument("--where", action="store_true", help="print the file's path")
    parser.add_argument("--remove", action="store_true", help="delete the file")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status (0 on success)."""
    args = build_parser().parse_args(argv)
    path = _calibration.calibration_path()
    if args.where:
        print(path)
        return 0
    if args.remove:
        path.unlink(missing_ok=True)
        return 0
    if args.repeats < 1:
        print("calibrate: --repeats must be at least 1", file=sys.stderr)
        return 2

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    from ._jit import always_kernels

    always_kernels()  # time the kernels, not their NumPy twins
    calibration = _calibration.calibrate(args.dtype, repeats=args.repeats, log=log)
    log(f"wrote {_calibration.write(calibration)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
