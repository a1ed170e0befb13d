"""k-means++ seeding, ours against scikit-learn's: ``python -m benchmarks.seeding``.

Both pick ``k`` seeds from the same data (float32 unless ``--dtype float64``)
with ``random_state=0`` in one process; the time is the best of ``--repeats``
calls after a warm-up call on a slice (so the JIT compile is not timed).  Both
run greedy k-means++ with ``2 + ln k`` candidates per step.  As in
``benchmarks.compare``, the OpenBLAS variables that pin a slower kernel on the
reference machine are unset for the run.
"""

from __future__ import annotations

import argparse
import time

from benchmarks._env import clean_blas_env

DEFAULT_SHAPES = ["1000000x8x8", "200000x32x64", "100000x64x256", "20000x128x1024"]


def measure(shape: str, repeats: int, dtype: str = "float32") -> dict:
    """Best-of-``repeats`` seeding times (ms) of ours and scikit-learn's."""
    import numpy as np
    from sklearn.cluster import kmeans_plusplus as sklearn_kmeans_plusplus

    from kmeans_core import _jit, kmeans_plusplus

    _jit.always_kernels()  # the compiled kernels, not their first-use twins

    n, d, k = (int(part) for part in shape.split("x"))
    X = np.random.default_rng(0).standard_normal((n, d)).astype(dtype)
    result = {"shape": shape}
    for name, seed in (("ours", kmeans_plusplus), ("sklearn", sklearn_kmeans_plusplus)):
        seed(X[: max(2 * k, 1000)], k, random_state=0)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            seed(X, k, random_state=0)
            times.append(time.perf_counter() - start)
        result[f"{name}_ms"] = min(times) * 1e3
    return result


def main(argv: list[str] | None = None) -> None:
    """Print a Markdown table of seeding times and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES, metavar="NxDxK")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args(argv)
    clean_blas_env(reexec=False)  # NumPy is not imported yet: just unset them
    print("| shape | ours (ms) | scikit-learn (ms) | ours / scikit-learn |")
    print("|---|---|---|---|")
    for shape in args.shapes:
        r = measure(shape, args.repeats, args.dtype)
        ratio = r["ours_ms"] / r["sklearn_ms"]
        # Three significant digits: a small shape's sub-millisecond time must
        # not print as 0.
        print(f"| {shape} | {r['ours_ms']:.3g} | {r['sklearn_ms']:.3g} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
