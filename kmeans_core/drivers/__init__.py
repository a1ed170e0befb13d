"""One k-means run per algorithm, mirroring ``_kernels/``: where to look follows
from what you want to change.

* ``dispatch``: the one place that maps a shape and dtype to kernels and to
  ``algorithm="auto"``'s choice (``use_gemm``, ``direct_kernels``,
  ``row_kernels``, ``auto_algorithm``);
* ``loop``: one run (convergence, relocation, the final pass) and ``RunResult``;
* ``gemm``: Lloyd's pass through BLAS slabs, and the run's ``Workspace``;
* ``assign``: the exhaustive assignment outside a run (predict, score, batches);
* ``lloyd``, ``elkan``, ``hamerly``, ``yinyang``: each algorithm's steps;
* ``bounds``: the slack and rounding arithmetic the pruned variants share.

Each driver takes validated arrays (C-contiguous, float32 or float64, finite)
and initial centers, and returns a ``RunResult``.
"""

from .assign import accumulate_batch, assign_labels, inertia_of, labels_and_inertia
from .dispatch import (
    DirectKernels,
    auto_algorithm,
    blas_applies,
    direct_kernels,
    pruning_uses_gemm,
    row_kernels,
    run_algorithm,
    use_gemm,
)
from .elkan import run_elkan
from .gemm import Workspace, gemm_reference
from .hamerly import run_hamerly
from .lloyd import run_lloyd
from .loop import RunResult
from .yinyang import run_yinyang

#: The run function of each algorithm name ("auto" is resolved before).
DRIVERS = {
    "lloyd": run_lloyd,
    "elkan": run_elkan,
    "hamerly": run_hamerly,
    "yinyang": run_yinyang,
}

__all__ = [
    "DRIVERS",
    "DirectKernels",
    "RunResult",
    "Workspace",
    "accumulate_batch",
    "assign_labels",
    "auto_algorithm",
    "blas_applies",
    "direct_kernels",
    "gemm_reference",
    "inertia_of",
    "labels_and_inertia",
    "pruning_uses_gemm",
    "row_kernels",
    "run_algorithm",
    "run_elkan",
    "run_hamerly",
    "run_lloyd",
    "run_yinyang",
    "use_gemm",
]
