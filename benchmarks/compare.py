"""Compare kmeans_core with its CPU peers; ``python -m benchmarks.compare --help``.

Modes
-----
default
    Per-iteration time (fixed iterations from one shared init) and default full-fit
    time and inertia for ours, scikit-learn lloyd and elkan, and scikit-learn-intelex
    and faiss when installed, against the measured machine bound.
``--variants``
    Our algorithms (lloyd, elkan, and hamerly / yinyang / auto when they exist) on full
    fits from one init: time, iterations, inertia, distance evaluations.
``--startup``
    Fresh-process import plus first fit, cold and warm, against scikit-learn: the
    same as ``python -m benchmarks.startup`` (``--quick``, ``--out`` and
    ``--no-peers`` are passed on).

Only the standard library is imported at module level: OpenBLAS reads
``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` when NumPy loads, so they are unset (or
the process re-executed) before anything imports NumPy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._env import clean_blas_env, unset_record

REPO_ROOT = Path(__file__).resolve().parent.parent


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.compare",
        description="Benchmark kmeans_core against scikit-learn, sklearnex and faiss.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--variants", action="store_true", help="compare our algorithms")
    mode.add_argument(
        "--startup", action="store_true", help="cold and warm import + first fit"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes, few repeats (CI smoke)"
    )
    parser.add_argument(
        "--sparse",
        action="store_true",
        help="the sparse (TF-IDF-like CSR) shapes instead of the dense ones; "
        "sparse shapes can also be given as NxDxKsZ (Z nonzeros per row)",
    )
    parser.add_argument(
        "--shapes",
        nargs="+",
        metavar="NxDxK",
        help="shapes to run, e.g. 1000000x8x8 100000x64x256 (default: issue 4's)",
    )
    parser.add_argument(
        "--dtype",
        nargs="+",
        choices=["float32", "float64"],
        default=["float32"],
        help="data types (default: float32)",
    )
    parser.add_argument("--max-iter", type=int, default=20, help="fixed iterations")
    parser.add_argument(
        "--repeats", type=int, help="timed repeats (default 3, quick 2)"
    )
    parser.add_argument(
        "--fit-repeats", type=int, help="full default fit repeats (default 1)"
    )
    parser.add_argument("--seed", type=int, default=0, help="data / init / fit seed")
    parser.add_argument(
        "--settle",
        type=float,
        help="seconds to pause before each timed fit, so idle BLAS/OpenMP "
        "threads stop spinning (default 0.3, quick 0)",
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="time ours and sklearn lloyd only"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-results"),
        help="output directory (default: bench-results/)",
    )
    return parser


def _shapes(args: argparse.Namespace) -> list[Any]:
    from benchmarks._shapes import (
        FULL_SHAPES,
        QUICK_SHAPES,
        QUICK_SPARSE_SHAPES,
        SPARSE_SHAPES,
        parse_shape,
    )

    if args.shapes:
        return [parse_shape(s) for tok in args.shapes for s in tok.split(",") if s]
    if args.sparse:
        return list(QUICK_SPARSE_SHAPES if args.quick else SPARSE_SHAPES)
    return list(QUICK_SHAPES if args.quick else FULL_SHAPES)


def _environment(still_set: list[str]) -> dict[str, Any]:
    from benchmarks._impls import library_versions
    from benchmarks._machine import blas_info, machine_info

    return {
        "machine": machine_info(),
        "versions": library_versions(),
        "blas": blas_info(),
        "blas_env_unset": unset_record(),
        "blas_env_still_set": still_set,
    }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_compare(args: argparse.Namespace, still_set: list[str]) -> dict[str, Any]:
    """Run the comparison and return the JSON-ready report.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line.
    still_set : list of str
        OpenBLAS variables that could not be unset.

    Returns
    -------
    dict
    """
    from benchmarks._impls import ours, peers
    from benchmarks._machine import measure_machine
    from benchmarks._runner import compare_shape

    impls: list[Any] = [ours("lloyd")] + peers()
    if args.no_peers:
        impls = [i for i in impls if i.name in ("ours", "sklearn-lloyd")]
    _log("measuring machine bound ...")
    bound = measure_machine(quick=args.quick)
    report = {
        **_environment(still_set),
        "machine_bound": bound.to_dict(),
        "implementations": {i.name: i.note for i in impls},
        "settings": _settings(args),
        "results": {},
    }
    for dtype in args.dtype:
        report["results"][dtype] = []
        for shape in _shapes(args):
            _log(f"{dtype} {shape.label} ...")
            report["results"][dtype].append(
                compare_shape(
                    shape,
                    dtype,
                    impls,
                    max_iter=args.max_iter,
                    repeats=args.repeats,
                    fit_repeats=args.fit_repeats,
                    seed=args.seed,
                    bound=bound,
                    settle_s=args.settle,
                )
            )
    return report


def run_variants(args: argparse.Namespace, still_set: list[str]) -> dict[str, Any]:
    """Run the variants comparison and return the JSON-ready report.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line.
    still_set : list of str
        OpenBLAS variables that could not be unset.

    Returns
    -------
    dict
    """
    from benchmarks._impls import available_algorithms, peers
    from benchmarks._runner import variants_shape

    algorithms = available_algorithms()
    references = [] if args.no_peers else [p for p in peers() if p.name[:2] == "sk"]
    references = [r for r in references if r.name.startswith("sklearn-")]
    report = {
        **_environment(still_set),
        "algorithms": algorithms,
        "settings": _settings(args),
        "results": {},
    }
    for dtype in args.dtype:
        report["results"][dtype] = []
        for shape in _shapes(args):
            _log(f"variants {dtype} {shape.label} ...")
            report["results"][dtype].append(
                variants_shape(
                    shape,
                    dtype,
                    algorithms,
                    references,
                    repeats=args.repeats,
                    seed=args.seed,
                    settle_s=args.settle,
                )
            )
    return report


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "quick": args.quick,
        "sparse": args.sparse,
        "max_iter": args.max_iter,
        "repeats": args.repeats,
        "fit_repeats": args.fit_repeats,
        "seed": args.seed,
        "settle_s": args.settle,
        "dtypes": args.dtype,
        "shapes": [s.key for s in _shapes(args)],
    }


def _write(out: Path, stem: str, report: dict, markdown: str, chart: Any) -> None:
    from benchmarks._report import write_json

    out.mkdir(parents=True, exist_ok=True)
    write_json(out / f"{stem}.json", report)
    (out / f"{stem}.md").write_text(markdown)
    if chart is not None:
        chart(out / f"{stem}.png", report)
    _log(f"wrote {out / stem}.json, .md" + (", .png" if chart else ""))


def main(argv: list[str] | None = None, *, reexec: bool = False) -> int:
    """Run the benchmark command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (``sys.argv[1:]`` by default).
    reexec : bool, default=False
        Allow re-executing the process when NumPy was loaded before the OpenBLAS
        variables could be unset (only ``python -m benchmarks.compare`` does this).

    Returns
    -------
    int
        Exit status.
    """
    still_set = clean_blas_env(reexec=reexec)  # before anything imports NumPy
    args = build_parser().parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.fit_repeats is None:
        args.fit_repeats = 1
    if args.settle is None:
        args.settle = 0.0 if args.quick else 0.3
    started = time.perf_counter()
    if args.startup:
        _main_startup(args)
    else:
        _main_timings(args, still_set)
    _log(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _main_timings(args: argparse.Namespace, still_set: list[str]) -> None:
    from benchmarks import _report

    if args.variants:
        report = run_variants(args, still_set)
        markdown = _report.variants_markdown(report)
        stem, chart = "variants", _report.variants_chart
    else:
        report = run_compare(args, still_set)
        markdown = _report.compare_markdown(report)
        stem, chart = "compare", _report.compare_chart
    report["markdown"] = markdown
    print(markdown)
    _write(args.out, stem, report, markdown, chart)


def _main_startup(args: argparse.Namespace) -> None:
    """``--startup`` is ``python -m benchmarks.startup`` (see there)."""
    from benchmarks.startup import main as startup_main

    argv = ["--out", str(args.out)] + (["--quick"] if args.quick else [])
    startup_main(argv + (["--no-sklearn"] if args.no_peers else []))


if __name__ == "__main__":
    sys.exit(main(reexec=True))
