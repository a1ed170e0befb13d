"""The (d, k) map: per-iteration time of ours against every peer over a grid.

``python -m benchmarks.map`` times, for every cell of d x k and each dtype, a
fixed number of Lloyd iterations from one shared init of k data rows
(``tol=0``), for ours, scikit-learn lloyd and elkan, and scikit-learn-intelex
and faiss when installed, alternating implementations and keeping the best of
``--repeats``; and the machine bound of ``benchmarks.compare``.  The data are
overlapping blobs (``_shapes.make_data``) with n sized so that X is about 16
MiB in float32 (32 MiB in float64), never fewer than 10,000 rows.

Modes
-----
default
    The whole map: d in {2, 3, 4, 8, 16, 32, 64, 128, 256, 512} and k in
    {2, 4, 8, 16, 32, 64, 128, 256, 1024}.
``--coarse``
    d in {2, 16, 64, 256}, k in {4, 32, 256}, with default full fits as well
    (each library's own seeding and stopping rule), for the claim that the
    default fit is the fastest.
``--quick``
    A few small cells, few repeats: the CI smoke test.
``--cells DxK ...``
    Only these cells (e.g. ``--cells 64x4 128x16``).

Writes ``map.json``, ``map.md`` and ``map.png`` (heat maps of ours / best peer
and ours / bound, with the numbers in the cells) into ``--out``.  The
measurement itself is ``_runner.compare_shape``, the same as
``benchmarks.compare``'s: one harness.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._env import clean_blas_env

FULL_D = (2, 3, 4, 8, 16, 32, 64, 128, 256, 512)
FULL_K = (2, 4, 8, 16, 32, 64, 128, 256, 1024)
COARSE_D = (2, 16, 64, 256)
COARSE_K = (4, 32, 256)
QUICK_CELLS = ((2, 4), (16, 32), (64, 4))
#: Bytes of float32 X a cell aims at, and the fewest rows it may have.
TARGET_BYTES = 16 * 2**20
MIN_ROWS = 10_000
QUICK_ROWS = 2_000
#: scikit-learn's elkan keeps n x k lower bounds (plus its own buffers); cells
#: where they would pass this many bytes are not run for it.
ELKAN_MAX_BOUND_BYTES = 2 * 2**30


def rows_for(d: int, *, quick: bool = False) -> int:
    """Rows of a cell with ``d`` features: X of about 16 MiB in float32."""
    if quick:
        return QUICK_ROWS
    return max(MIN_ROWS, round(TARGET_BYTES / (4 * d)))


def parse_cell(text: str) -> tuple[int, int]:
    """``"64x4"`` -> ``(64, 4)``; a clear error otherwise."""
    try:
        d, k = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"cell {text!r} is not DxK, e.g. 64x4") from None
    if d < 1 or k < 1:
        raise ValueError(f"cell {text!r} needs positive d and k")
    return d, k


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.map",
        description="Per-iteration time over a (d, k) grid against every peer.",
    )
    grid = parser.add_mutually_exclusive_group()
    grid.add_argument("--quick", action="store_true", help="CI smoke: 3 small cells")
    grid.add_argument(
        "--coarse", action="store_true", help="4 x 3 cells, with default full fits"
    )
    grid.add_argument("--cells", nargs="+", metavar="DxK", help="only these cells")
    parser.add_argument(
        "--dtype",
        nargs="+",
        choices=["float32", "float64"],
        default=["float32", "float64"],
        help="data types (default: both)",
    )
    parser.add_argument("--max-iter", type=int, default=10, help="fixed iterations")
    parser.add_argument("--repeats", type=int, help="timed repeats (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="data / init seed")
    parser.add_argument(
        "--settle", type=float, help="pause before each timed fit (default 0.3 s)"
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="ours and sklearn lloyd only"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    return parser


def cells_of(args: argparse.Namespace) -> list[tuple[int, int]]:
    """The (d, k) cells the arguments ask for, d-major."""
    if args.cells:
        return [parse_cell(c) for c in args.cells]
    if args.quick:
        return list(QUICK_CELLS)
    d_values, k_values = (COARSE_D, COARSE_K) if args.coarse else (FULL_D, FULL_K)
    return [(d, k) for d in d_values for k in k_values]


def _skip_big_elkan(name: str, shape: Any, dtype: str) -> bool:
    itemsize = 4 if dtype == "float32" else 8
    return name.endswith("elkan") and shape.n * shape.k * itemsize > (
        ELKAN_MAX_BOUND_BYTES
    )


def run_map(args: argparse.Namespace, checkpoint: Path | None = None) -> dict[str, Any]:
    """Measure every cell; return the JSON-ready report.

    With ``checkpoint``, the report so far is written there after each cell,
    so a run that is stopped keeps what it measured (a full map takes about
    an hour on 2 cores).
    """
    from benchmarks._impls import library_versions, ours, peers
    from benchmarks._machine import machine_info, measure_machine
    from benchmarks._report import write_json
    from benchmarks._runner import compare_shape
    from benchmarks._shapes import Shape

    impls: list[Any] = [ours("lloyd")] + peers()
    if args.no_peers:
        impls = [i for i in impls if i.name in ("ours", "sklearn-lloyd")]
    bound = measure_machine(quick=args.quick)
    cells = cells_of(args)
    report: dict[str, Any] = {
        "settings": {
            "cells": [f"{d}x{k}" for d, k in cells],
            "dtypes": args.dtype,
            "max_iter": args.max_iter,
            "repeats": args.repeats,
            "settle_s": args.settle,
            "full_fits": bool(args.coarse),
            "seed": args.seed,
        },
        "machine": machine_info(),
        "versions": library_versions(),
        "machine_bound": bound.to_dict(),
        "results": {dtype: [] for dtype in args.dtype},
    }
    for dtype in args.dtype:
        for d, k in cells:
            shape = Shape(rows_for(d, quick=args.quick), d, k)
            started = time.perf_counter()
            result = compare_shape(
                shape,
                dtype,
                impls,
                max_iter=args.max_iter,
                repeats=args.repeats,
                fit_repeats=1 if args.coarse else 0,
                seed=args.seed,
                bound=bound,
                settle_s=args.settle,
                skip=_skip_big_elkan,
            )
            report["results"][dtype].append(result)
            if checkpoint is not None:
                write_json(checkpoint, report)
            _log(
                f"{dtype} d={d} k={k} n={shape.n}: "
                f"{time.perf_counter() - started:.1f} s"
            )
    return report


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None, *, reexec: bool = False) -> int:
    """Run the map command line; returns the exit status."""
    clean_blas_env(reexec=reexec)  # before anything imports NumPy
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.settle is None:
        args.settle = 0.0 if args.quick else 0.3
    if args.quick:
        args.max_iter = min(args.max_iter, 3)
    try:
        cells_of(args)
    except ValueError as exc:
        parser.error(str(exc))
    from benchmarks import _map_report
    from benchmarks._report import write_json

    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / "map.partial.json"
    report = run_map(args, checkpoint)
    checkpoint.unlink(missing_ok=True)
    markdown = _map_report.map_markdown(report)
    report["markdown"] = markdown
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "map.json", report)
    (args.out / "map.md").write_text(markdown)
    _map_report.map_chart(args.out / "map.png", report)
    elapsed = time.perf_counter() - started
    _log(f"wrote {args.out / 'map'}.json, .md, .png in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(reexec=True))
