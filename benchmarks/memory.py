"""Peak memory of a fit, on top of X: ``python -m benchmarks.memory``.

Each shape runs in a fresh subprocess, so the peak resident set of that
process is not polluted by earlier shapes.  The child allocates X and loads the
compiled kernels with a fit on a small slice (same ``copy_x``, which picks the
seeding kernel).  It then resets its peak RSS to the current RSS (Linux:
``/proc/self/clear_refs``; compiling on a cold Numba cache can otherwise leave
a peak that the fit never reaches; elsewhere ``ru_maxrss``), fits with
``copy_x=False`` (or ``--copy-x``, which lets k-means++ hold a transposed copy
of wide rows while it seeds, and the BLAS path a transposed copy of X while
it iterates), and reports how much the peak grew during the
fit.  X is drawn directly in its dtype, so no larger temporary sets the peak
before the fit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = """
import json, resource, sys, warnings
import numpy as np
from kmeans_core import KMeans, _jit


def peak_kib(reset):
    try:
        if reset:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


n, d, k, dtype = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
copy_x = sys.argv[5] == "copy"
X = np.random.default_rng(0).standard_normal((n, d), dtype=np.dtype(dtype).type)
warnings.simplefilter("ignore")
# The compiled kernels' memory, not their NumPy twins' (which a first fit in a
# fresh process may run instead, with temporaries the size of X).
_jit.always_kernels()
KMeans(k, max_iter=2, random_state=0, copy_x=copy_x).fit(X[: max(5000, k)])
before = peak_kib(reset=True)
KMeans(k, random_state=0, max_iter=20, copy_x=copy_x).fit(X)
after = peak_kib(reset=False)
print(json.dumps({"x_mib": X.nbytes / 2**20, "growth_mib": (after - before) / 1024}))
"""

DEFAULT_SHAPES = ["10000000x8x8", "1000000x64x256", "200000x32x64"]


def measure(shape: str, dtype: str, copy_x: bool = False) -> dict:
    """Run one shape in a subprocess and return its memory figures."""
    n, d, k = (int(part) for part in shape.split("x"))
    copy = "copy" if copy_x else "no-copy"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), str(d), str(k), dtype, copy],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(
        shape=shape,
        dtype=dtype,
        copy_x=copy_x,
        bytes_per_row=result["growth_mib"] * 2**20 / n,
    )
    return result


def main(argv: list[str] | None = None) -> None:
    """Print a Markdown table of peak memory growth per shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES, metavar="NxDxK")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument(
        "--copy-x",
        action="store_true",
        help="fit with copy_x=True (k-means++ and the BLAS path may copy X)",
    )
    args = parser.parse_args(argv)
    print(
        "| shape | dtype | copy_x | X (MiB) | peak growth during fit (MiB) "
        "| bytes per row |"
    )
    print("|---|---|---|---|---|---|")
    for shape in args.shapes:
        r = measure(shape, args.dtype, args.copy_x)
        print(
            f"| {r['shape']} | {r['dtype']} | {r['copy_x']} | {r['x_mib']:.0f} "
            f"| {r['growth_mib']:.0f} | {r['bytes_per_row']:.1f} |"
        )


if __name__ == "__main__":
    main()
