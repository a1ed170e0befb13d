"""One k-means run: the iteration loop, convergence, the final pass.

The loop is shared by every algorithm.  An algorithm supplies a *steps* object
(``lloyd.LloydSteps``, ``elkan.ElkanSteps``, ...) with four methods:

* ``start(centers, labels)``: set up before the first assignment;
* ``assign(centers, labels, accumulate)``: one assignment pass, leaving the
  block partial sums in the workspace when ``accumulate``;
* ``moved(labels, center_shift, centers_new)``: the centers moved by
  ``center_shift``; loosen whatever the algorithm keeps;
* ``final_pass(centers, labels)``: exact labels for the returned centers, and
  the rows' exact squared distances to them where the pass computed them
  (else None);

and counts the distances it computed in ``evaluations``.  The loop is plain
Python; all per-sample work happens in the Numba kernels.

Convergence follows scikit-learn: a run stops with *strict* convergence when
the labels do not change between two iterations, or when the squared center
shift, summed over centers, is at most ``tol`` (already scaled by the data
variance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _twins, _twins_gemm
from .._jit import call
from .._kernels.common import (
    finish_centers,
    reduce_block_partials,
    update_previous_labels,
)
from .._kernels.lloyd import transposed_rows
from .assign import inertia_of
from .dispatch import row_kernels
from .gemm import Workspace, gemm_reference


@dataclass
class RunResult:
    """What one k-means run produced."""

    labels: np.ndarray
    inertia: float
    centers: np.ndarray
    n_iter: int
    converged: bool
    n_distance_evaluations: int
    history: list[dict] | None = field(default=None)


def update_centers(
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers: np.ndarray,
    centers_new: np.ndarray,
    labels: np.ndarray,
    ws: Workspace,
) -> None:
    """Reduce block partials, relocate empty clusters, average, measure shifts.

    On dense rows each kernel runs through ``_jit.call`` (its NumPy twin
    until the "gemm" path's budget is spent; see ``_twins_gemm``).
    """
    partials = (ws.partial_sums, ws.partial_weights, ws.sums, ws.weights)
    twin = _twins_gemm.reduce_block_partials
    call(reduce_block_partials, twin, *partials, path="gemm")
    if not ws.weights.all():
        # An empty cluster (rare): only then is the relocation kernel called,
        # and compiled on first use.
        kernels = row_kernels(X, centers.shape[0])
        args = (X, sample_weight, centers, labels, ws.sums, ws.weights)
        if kernels.dense:
            twin = _twins.relocate_empty_clusters
            call(kernels.relocate, twin, *args, path="gemm")
        else:
            kernels.relocate(*args)
    finish = (ws.sums, ws.weights, centers, centers_new, ws.center_shift)
    call(finish_centers, _twins.finish_centers, *finish, path="gemm")


def run(
    steps_class: type,
    X: np.ndarray,
    sample_weight: np.ndarray,
    centers_init: np.ndarray,
    *,
    max_iter: int = 300,
    tol: float = 0.0,
    verbose: int = 0,
    record_history: bool = False,
    copy_x: bool = True,
) -> RunResult:
    """The iteration loop shared by every algorithm.

    Each iteration assigns all samples (accumulating per-block sums), turns the
    sums into new centers, and tells the algorithm how far the centers moved
    (so pruning algorithms can loosen their bounds).  With ``copy_x`` the BLAS
    path works from a transposed copy of X (``lloyd.transposed_rows``), held
    for the run.
    """
    n_samples, n_features = X.shape
    n_clusters = centers_init.shape[0]
    gemm = row_kernels(X, n_clusters).dense and steps_class.uses_gemm(X, n_clusters)
    reference = gemm_reference(X) if gemm else None
    ws = Workspace(X, n_clusters, reference)
    ws.gemm = gemm
    if gemm and copy_x:
        ws.rows_t = np.empty((n_features, n_samples), dtype=X.dtype)
        call(
            transposed_rows,
            _twins_gemm.transposed_rows,
            *(X, reference, ws.centred, ws.rows_t),
            path="gemm",
        )
    steps = steps_class(X, sample_weight, n_clusters, ws)
    centers = np.array(centers_init, dtype=X.dtype, order="C", copy=True)
    centers_new = np.empty_like(centers)
    labels = np.full(n_samples, -1, dtype=np.int32)
    labels_old = labels.copy()
    # labels_old is updated after every accumulating pass, so it always holds
    # the labels the partial sums belong to.
    ws.previous_labels = labels_old
    history: list[dict] | None = [] if record_history else None
    steps.start(centers, labels)
    strict = converged = False
    iteration = 0
    for iteration in range(max_iter):
        steps.assign(centers, labels, True)
        update_centers(X, sample_weight, centers, centers_new, labels, ws)
        steps.moved(labels, ws.center_shift, centers_new)
        if verbose or history is not None:
            inertia = inertia_of(X, sample_weight, centers, labels)
            if verbose:
                print(f"Iteration {iteration}, inertia {inertia}.")
            if history is not None:
                history.append({"centers": centers.copy(), "inertia": inertia})
        centers, centers_new = centers_new, centers
        twin = _twins_gemm.update_previous_labels
        if call(update_previous_labels, twin, labels, labels_old, path="gemm") == 0:
            # Same labels give the same means: the returned centers are final.
            strict = converged = True
            if verbose:
                print(f"Converged at iteration {iteration}: strict convergence.")
            break
        shift = float(np.dot(ws.center_shift, ws.center_shift))
        if shift <= tol:
            converged = True
            if verbose:
                print(
                    f"Converged at iteration {iteration}: center shift {shift} "
                    f"within tolerance {tol}."
                )
            break
    distances = None
    if not strict:
        # The centers moved after the last assignment: assign once more so the
        # labels belong to the returned centers (and, on the direct path, the
        # inertia is added from that pass's distances instead of read from X).
        distances = steps.final_pass(centers, labels)
    inertia = inertia_of(X, sample_weight, centers, labels, distances)
    if history is not None:
        history.append({"centers": centers.copy(), "inertia": inertia})
    return RunResult(
        labels=labels,
        inertia=inertia,
        centers=centers,
        n_iter=iteration + 1,
        converged=converged,
        n_distance_evaluations=steps.evaluations,
        history=history,
    )
