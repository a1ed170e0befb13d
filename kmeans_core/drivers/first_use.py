"""Say before a fit whether it will wait for the JIT, and about how long.

A fit on data larger than one block runs compiled kernels that have no NumPy
twin (``_jit``): when they are neither compiled in this process nor cached on
disk, its first call compiles them.  ``announce_fit`` logs one line then
(``_jit.announce``), judged by one kernel that stands for each path (the run's
assignment kernel, chosen as ``dispatch`` chooses it) and the time the path's
kernels took to compile together on our 2-core machine, float64 and float32
alike, from ``python -m benchmarks.startup`` (import and the whole first fit,
k-means++ included).

Where Lloyd's BLAS passes run through their NumPy twins instead, because
their kernels are not cached yet (``_jit``), ``start_fit`` asks for those
kernels, and for the pruned algorithm that ``algorithm="auto"`` set aside
(``first_fit_algorithm``), in a background process (``_background``), so the
next process loads them.
"""

from __future__ import annotations

import numpy as np

from .. import _background
from .._blocks import block_starts
from .._jit import announce, compiled_for, twins_would_run
from .._kernels.elkan import elkan_assign_accumulate
from .._kernels.hamerly import hamerly_assign_accumulate
from .._kernels.lloyd import argmin_accumulate_from_dots
from .._kernels.yinyang import yinyang_search_accumulate
from .dispatch import (
    auto_algorithm,
    blas_applies,
    direct_kernels,
    direct_wait_for_compile,
)

#: Compile seconds of a first fit's kernels, by path (see the module docstring).
COMPILE_SECONDS = {
    "lloyd-direct": 6.0,
    "lloyd-gemm": 8.0,
    "elkan": 10.0,
    "hamerly": 12.0,
    "yinyang": 14.0,
}


#: The kernel that stands for each pruned algorithm's path (``announce_fit``).
PRUNED_KERNELS = {
    "elkan": elkan_assign_accumulate,
    "hamerly": hamerly_assign_accumulate,
    "yinyang": yinyang_search_accumulate,
}


def lloyd_twins_instead(X: np.ndarray, n_clusters: int, algorithm: str) -> bool:
    """Whether ``algorithm="auto"`` runs Lloyd through its NumPy twins instead.

    True when ``algorithm`` (auto's choice) is a pruned one whose kernels are
    neither compiled in this process nor cached for X's dtype, while Lloyd's
    passes go through BLAS and their twins would run (``_jit.twins_would_run``
    on the "gemm" path).  Every algorithm returns Lloyd's exact result, so
    this changes only the time and ``n_distance_evaluations_``: a first fit
    in a fresh environment then runs at once, rather than after 15-20 s of
    compiling; once the twins' budget is spent, auto runs the pruned
    algorithm (compiled then, and cached for later processes).
    """
    kernel = PRUNED_KERNELS.get(algorithm)
    return (
        kernel is not None
        and blas_pass_on_twins(X, n_clusters)
        and not compiled_for(kernel, X.dtype)
    )


def blas_pass_on_twins(X: np.ndarray, n_clusters: int) -> bool:
    """Whether Lloyd's passes on X would go through BLAS and run on NumPy twins.

    Dense rows on the BLAS path (``dispatch.blas_applies``) whose kernel
    ``argmin_accumulate_from_dots`` the "gemm" budget still lets the twins
    stand in for (``_jit.twins_would_run``).
    """
    return blas_applies(X, n_clusters) and twins_would_run(
        argmin_accumulate_from_dots, X.dtype, "gemm"
    )


def first_fit_algorithm(X: np.ndarray, n_clusters: int) -> str:
    """What ``algorithm="auto"`` runs on X: ``auto_algorithm``'s choice, or Lloyd.

    Lloyd where ``lloyd_twins_instead`` says so (the same result, without a
    compile first).
    """
    n_samples, n_features = X.shape
    algorithm = auto_algorithm(n_clusters, n_features, n_samples, X.dtype.itemsize)
    if not lloyd_twins_instead(X, n_clusters, algorithm):
        return algorithm
    # Compiled in the background meanwhile, for later processes (``start_fit``).
    _background.request(algorithm, str(X.dtype))
    return "lloyd"


def start_fit(X: np.ndarray, n_clusters: int, algorithm: str) -> None:
    """Before a fit: announce a compile, or ask for one in the background.

    A fit whose Lloyd passes run through the NumPy twins because their kernels
    are not cached, or through BLAS because the dot-product or row-major
    kernels are not (``dispatch.direct_wait_for_compile``), asks for those kernels in a
    background process (``_background``;
    ``runs.fit_kmeans`` starts it when the fit is done), with whatever
    ``first_fit_algorithm`` asked for; ``announce_fit`` logs a compile that
    is about to happen.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or CSRRows
        The validated data.
    n_clusters : int
        Clusters to fit.
    algorithm : str
        The algorithm that runs ("auto" already resolved).
    """
    if algorithm == "lloyd" and isinstance(X, np.ndarray):
        waited_for = direct_wait_for_compile(X, n_clusters)
        if waited_for is not None:
            _background.request(waited_for, str(X.dtype))
        elif blas_pass_on_twins(X, n_clusters) and not compiled_for(
            argmin_accumulate_from_dots, X.dtype
        ):
            _background.request("blas", str(X.dtype))
    announce_fit(X, n_clusters, algorithm)


def announce_fit(X: np.ndarray, n_clusters: int, algorithm: str) -> None:
    """Log "compiling kernels for first use" if this fit will compile its kernels.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated data.
    n_clusters : int
        Clusters to fit.
    algorithm : str
        The resolved algorithm ("auto" already chosen).
    """
    if not isinstance(X, np.ndarray):
        return  # sparse rows: their kernels are not announced (yet)
    n_samples, n_features = X.shape
    gemm = blas_applies(X, n_clusters)
    if algorithm == "lloyd":
        if not gemm and block_starts(n_samples, n_clusters, n_features).shape[0] == 2:
            return  # one block: the NumPy twins run until the kernels exist
        if blas_pass_on_twins(X, n_clusters):
            return  # the twins run first, and announce a compile if it comes
        path = "lloyd-gemm" if gemm else "lloyd-direct"
        direct = direct_kernels(X, n_clusters).assign_accumulate
        # The row-major kernels come bound to their margins (functools.partial).
        direct = getattr(direct, "func", direct)
        kernel = argmin_accumulate_from_dots if gemm else direct
    else:
        path = algorithm
        kernel = PRUNED_KERNELS[algorithm]
    if not compiled_for(kernel, X.dtype):
        announce(f"{path} {X.dtype}", COMPILE_SECONDS[path])
