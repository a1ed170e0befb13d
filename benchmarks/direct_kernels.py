"""Generic vs unrolled direct Lloyd kernels: ``python -m benchmarks.direct_kernels``.

Times the two kernels that do one Lloyd pass on low-dimensional data, with the
number of features read at run time (``lloyd.lloyd_assign_accumulate``,
``distances.assign_nearest``) and built in at compile time
(``unrolled.UNROLLED_KERNELS``, which ``drivers.direct_kernels`` picks for
d <= 8), on the same arrays, and checks that both return the same labels and
sums bit for bit.  Median of ``--repeats`` calls after one warm-up call, so the
compile is not timed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

DEFAULT_SHAPES = [
    "100000x2x5",
    "1000000x8x8",
    "200000x4x32",
    "200000x3x8",
    "500000x6x12",
]


def _median_ms(kernel: Callable, args: tuple, repeats: int) -> float:
    import numpy as np

    kernel(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        kernel(*args)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def measure(shape: str, dtype: str, repeats: int) -> dict:
    """Time both kernel pairs on one shape; say whether their outputs agree."""
    import numpy as np

    from kmeans_core._blocks import block_starts
    from kmeans_core._kernels.distances import assign_nearest
    from kmeans_core._kernels.lloyd import lloyd_assign_accumulate
    from kmeans_core._kernels.unrolled import UNROLLED_KERNELS
    from kmeans_core.drivers import DirectKernels

    n, d, k = (int(part) for part in shape.split("x"))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)).astype(dtype)
    weights = rng.random(n).astype(dtype)
    centers = X[rng.choice(n, k, replace=False)].copy()
    starts = block_starts(n, k, d)
    n_blocks = starts.shape[0] - 1

    def fused_args():
        return (
            X,
            weights,
            centers,
            starts,
            np.empty(n, np.int32),
            np.empty((n_blocks, k, d)),
            np.empty((n_blocks, k)),
        )

    def assign_args():
        return (X, centers, starts, np.empty(n, np.int32), np.empty(n, X.dtype))

    unrolled = DirectKernels(*UNROLLED_KERNELS[d])
    generic_fused, unrolled_fused = fused_args(), fused_args()
    generic_assign, unrolled_assign = assign_args(), assign_args()
    result = {
        "shape": shape,
        "dtype": dtype,
        "fused_generic_ms": _median_ms(lloyd_assign_accumulate, generic_fused, repeats),
        "fused_unrolled_ms": _median_ms(
            unrolled.assign_accumulate, unrolled_fused, repeats
        ),
        "assign_generic_ms": _median_ms(assign_nearest, generic_assign, repeats),
        "assign_unrolled_ms": _median_ms(unrolled.assign, unrolled_assign, repeats),
    }
    outputs = zip(
        generic_fused[4:] + generic_assign[3:],
        unrolled_fused[4:] + unrolled_assign[3:],
        strict=True,
    )
    result["identical"] = all(np.array_equal(a, b) for a, b in outputs)
    return result


def main(argv: list[str] | None = None) -> None:
    """Print a Markdown table of per-call times and the unrolled kernels' speed-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES, metavar="NxDxK")
    dtypes = ["float32", "float64"]
    parser.add_argument("--dtype", nargs="+", default=dtypes, choices=dtypes)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args(argv)
    print(
        "| shape | dtype | fused generic (ms) | fused unrolled (ms) | speed-up "
        "| assign generic (ms) | assign unrolled (ms) "
        "| speed-up | identical |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for dtype in args.dtype:
        for shape in args.shapes:
            r = measure(shape, dtype, args.repeats)
            fused_gain = r["fused_generic_ms"] / r["fused_unrolled_ms"]
            assign_gain = r["assign_generic_ms"] / r["assign_unrolled_ms"]
            print(
                f"| {shape} | {dtype} | {r['fused_generic_ms']:.3f} "
                f"| {r['fused_unrolled_ms']:.3f} | {fused_gain:.2f}x "
                f"| {r['assign_generic_ms']:.3f} | {r['assign_unrolled_ms']:.3f} "
                f"| {assign_gain:.2f}x | {'yes' if r['identical'] else 'NO'} |"
            )


if __name__ == "__main__":
    main()
