"""Each speed-up switched off, side by side: ``python -m benchmarks.ablations``.

Six optimisations leave the numbers exactly as they were, which makes them
easy to switch off and compare:

``reuse``
    Blocks whose labels did not change keep their partial sums, and from 16
    features on a block where few rows moved sums again only the clusters
    that gained or lost rows (``common.accumulate_block``).  Off: every block
    is summed again.  Timed
    on full runs (default ``tol``) of hamerly and yinyang from one init, and
    of lloyd where it takes the BLAS path (its direct kernels always sum).
``seeding``
    k-means++ scoring compiled per d for rows narrower than 64 bytes
    (``unrolled.UNROLLED_POTENTIALS``).  Off: the generic scoring kernel.
``transposed copy``
    k-means++ on rows of 96 bytes or more scores candidates from a copy of X
    transposed once (``init._DirectScorer``, allowed by ``copy_x=True``).
    Off: every scoring pass transposes each tile again (from 96 features on,
    the BLAS scorer, as with ``copy_x=False``).
``packed rows``
    The per-d fused Lloyd kernel (d <= 8) adds each row to a packed group of
    its cluster's weight and sums, compiled with LLVM's SLP vectoriser
    (``unrolled.accumulator_lanes``).  Off: the same kernel adding feature by
    feature in a plain loop.  Timed on one assignment pass.
``reference``
    The BLAS path measures from the origin when the data mean lies within
    its spread (``drivers.gemm_reference``).  Off: it always subtracts the
    mean from every slab.  Timed on one assignment pass.
``transposed rows``
    The BLAS path multiplies the centers by a copy of X stored features x
    rows (``lloyd.transposed_rows``, made once per run with ``copy_x=True``).
    Off: by the transposed view of each slab of X (``copy_x=False``).  Timed
    on one assignment pass, the copy made beforehand.

Each pair runs interleaved in one process, on the overlapping blobs of
``benchmarks.compare``, float32; the table gives the best of ``--repeats``
and whether both sides gave identical results.  Switching off means
replacing a library internal for the duration of the call, so this script
is a measuring tool, not an example of the API.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks._env import clean_blas_env

DEFAULT_SHAPES = ["1000000x3x16", "200000x32x64", "100000x64x256"]


@contextmanager
def _replaced(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _best_of(
    repeats: int, on: Callable, off: Callable
) -> tuple[float, float, Any, Any]:
    """Best times (ms) of ``on`` and ``off``, alternating, and their last results."""
    times: dict[str, list[float]] = {"on": [], "off": []}
    results: dict[str, Any] = {}
    for _ in range(repeats):
        for side, func in (("on", on), ("off", off)):
            start = time.perf_counter()
            results[side] = func()
            times[side].append(time.perf_counter() - start)
    return (
        min(times["on"]) * 1e3,
        min(times["off"]) * 1e3,
        results["on"],
        results["off"],
    )


def _no_reuse_workspace() -> type:
    from kmeans_core.drivers import Workspace

    class WithoutReuse(Workspace):
        """A workspace that never hands the previous labels to the kernels."""

        @property
        def previous_labels(self):  # noqa: D102 - see the class docstring
            import numpy as np

            return np.empty(0, dtype=np.int32)

        @previous_labels.setter
        def previous_labels(self, value):
            pass

    return WithoutReuse


def _packed_rows_pass(
    X: Any, weights: Any, centers: Any, repeats: int
) -> tuple[tuple, bool]:
    """One fused per-d Lloyd pass, packed rows against the plain loop."""
    import numpy as np

    from kmeans_core._blocks import block_starts
    from kmeans_core._kernels import unrolled

    n_samples, n_features = X.shape
    n_clusters = centers.shape[0]
    starts = block_starts(n_samples, n_clusters, n_features)
    kernels = {
        "on": unrolled.UNROLLED_KERNELS[n_features][0],
        "off": unrolled._define_kernels(n_features, packed=False)[0],
    }

    def one_pass(side: str) -> tuple:
        labels = np.empty(n_samples, dtype=np.int32)
        sums = np.empty((starts.shape[0] - 1, n_clusters, n_features))
        sum_weights = np.empty((starts.shape[0] - 1, n_clusters))
        kernels[side](X, weights, centers, starts, labels, sums, sum_weights)
        return labels, sums, sum_weights

    one_pass("on"), one_pass("off")  # compile outside the timings
    timed = _best_of(repeats, lambda: one_pass("on"), lambda: one_pass("off"))
    pairs = zip(timed[2], timed[3], strict=True)
    identical = all(np.array_equal(on, off) for on, off in pairs)
    return timed, identical


def measure(shape: str, repeats: int = 3) -> list[dict[str, Any]]:
    """Rows ``{shape, ablation, on_ms, off_ms, identical}`` for one shape."""
    import numpy as np

    from benchmarks._shapes import make_data, make_init, parse_shape
    from kmeans_core import _jit, drivers, init, kmeans_plusplus
    from kmeans_core._kernels import lloyd
    from kmeans_core._kernels.seeding import candidate_potentials
    from kmeans_core._kernels.unrolled import unrolled_applies
    from kmeans_core.drivers import loop
    from kmeans_core.drivers.gemm import assign_with_gemm
    from kmeans_core.runs import scaled_tolerance

    _jit.always_kernels()  # the compiled kernels, not their first-use twins

    parsed = parse_shape(shape)
    X = make_data(parsed, "float32", 0)
    centers = make_init(X, parsed.k, 0)
    weights = np.ones(X.shape[0], dtype=X.dtype)
    tol = scaled_tolerance(X, 1e-4)
    rows = []

    def row(ablation: str, timed: tuple, identical: bool) -> None:
        rows.append(
            {
                "shape": shape,
                "ablation": ablation,
                "on_ms": timed[0],
                "off_ms": timed[1],
                "identical": bool(identical),
            }
        )

    without_reuse = _no_reuse_workspace()
    gemm = drivers.use_gemm(parsed.k, parsed.d, X.dtype)
    for name in ("lloyd", "hamerly", "yinyang") if gemm else ("hamerly", "yinyang"):
        run = getattr(drivers, f"run_{name}")

        def fit(run=run):
            return run(X, weights, centers, tol=tol)

        def fit_without_reuse(run=run):
            with _replaced(loop, "Workspace", without_reuse):
                return run(X, weights, centers, tol=tol)

        fit()  # compile outside the timings
        timed = _best_of(repeats, fit, fit_without_reuse)
        same = np.array_equal(timed[2].centers, timed[3].centers)
        row(f"reuse ({name})", timed, same and timed[2].n_iter == timed[3].n_iter)

    if unrolled_applies(parsed.d):

        def seed():
            return kmeans_plusplus(X, parsed.k, random_state=0)[1]

        class GenericScorer(init._DirectScorer):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.score = candidate_potentials

        def seed_generic():
            with _replaced(init, "_DirectScorer", GenericScorer):
                return seed()

        seed_generic()
        timed = _best_of(repeats, seed, seed_generic)
        row("seeding (per-d kernel)", timed, np.array_equal(timed[2], timed[3]))

    if unrolled_applies(parsed.d):
        timed, identical = _packed_rows_pass(X, weights, centers, repeats)
        row("accumulation (packed rows)", timed, identical)

    if init.scores_from_transposed_copy(X, parsed.k):

        def seed_from(copy_allowed: bool) -> np.ndarray:
            rng = np.random.RandomState(0)
            return init._kmeans_plusplus(
                X, parsed.k, weights, rng, copy_allowed=copy_allowed
            )[1]

        seed_from(True)
        timed = _best_of(repeats, lambda: seed_from(True), lambda: seed_from(False))
        row("seeding (transposed copy)", timed, np.array_equal(timed[2], timed[3]))

    if gemm:

        def time_passes(on: Any, off: Any) -> tuple:
            """One BLAS-path assignment pass with workspace ``on`` against ``off``."""
            labels = np.empty(X.shape[0], dtype=np.int32)

            def one_pass(space: Any) -> np.ndarray:
                assign_with_gemm(X, weights, centers, space, labels, True)
                return labels.copy()

            one_pass(on)  # compile outside the timings
            return _best_of(repeats, lambda: one_pass(on), lambda: one_pass(off))

        from_reference = drivers.Workspace(X, parsed.k, drivers.gemm_reference(X))
        from_mean = drivers.Workspace(X, parsed.k, X.mean(axis=0))
        timed = time_passes(from_reference, from_mean)
        centred = from_reference.centred
        name = "reference (mean)" if centred else "reference (origin)"
        row(name, timed, np.array_equal(timed[2], timed[3]))

        copied = drivers.Workspace(X, parsed.k, drivers.gemm_reference(X))
        copied.rows_t = np.empty((parsed.d, X.shape[0]), dtype=X.dtype)
        lloyd.transposed_rows(X, copied.reference, copied.centred, copied.rows_t)
        timed = time_passes(copied, from_reference)
        row("transposed rows (BLAS path)", timed, np.array_equal(timed[2], timed[3]))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print a Markdown table: each optimisation on and off."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES, metavar="NxDxK")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    clean_blas_env(reexec=False)  # NumPy is not imported yet: just unset them
    print("| shape | optimisation | on (ms) | off (ms) | on / off | identical |")
    print("|---|---|---|---|---|---|")
    for shape in args.shapes:
        for r in measure(shape, args.repeats):
            print(
                f"| {r['shape']} | {r['ablation']} | {r['on_ms']:.1f} | "
                f"{r['off_ms']:.1f} | {r['on_ms'] / r['off_ms']:.2f} | "
                f"{'yes' if r['identical'] else 'NO'} |"
            )


if __name__ == "__main__":
    main()
