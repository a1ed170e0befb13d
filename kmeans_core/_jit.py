"""A kernel's first use in a process: loaded from the disk cache, compiled, or neither.

Numba compiles a kernel on its first call with new argument types, unless its
disk cache has that signature (``_caching``), which then loads in milliseconds.
Compiling takes seconds, and even loading from the cache costs a process about
a third of a second (Numba sets up its compiler then), while a fit on small
data takes a fraction of a millisecond.  So for the kernels of a fit on data
that fits one block, ``call`` runs the NumPy twin (``_twins``: the same
numbers) until the twins have taken, in this process, about what the kernels
would cost to get: ``LOAD_AFTER_SECONDS`` when they are cached,
``COMPILE_AFTER_SECONDS`` when they must be compiled (and then get cached for
every later process).  Fits on larger data have twins too, for k-means++ on
many blocks (``_twins_seeding``) and for Lloyd's BLAS path and loop
(``_twins_gemm``); each such ``call`` names its path, whose budget
(``PATH_COMPILE_SECONDS``) is what compiling that path's kernels takes.
Like a tiered JIT, a process never spends much more than twice the better
of the two choices.  While a background compile (``_background``) runs on the
same cache, the larger paths' twins have no budget: that process is already
compiling, and its kernels are loaded once it is done.  A kernel already
compiled or loaded in the process is always called.  ``python -m
kmeans_core.precompile`` fills the cache up front.

``announce`` logs, through the ``kmeans_core`` logger, one line before a compile
expected to take more than ``ANNOUNCE_MIN_SECONDS``; the library never prints
(the ``kmeans-segment`` command shows the line).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numba

logger = logging.getLogger("kmeans_core")

#: Seconds that the NumPy twins may take in one process before the kernels are
#: compiled instead: about the compile time of the small-data kernels.
COMPILE_AFTER_SECONDS = 2.0

#: The same, when the kernels are in the disk cache: about what loading the
#: first kernels costs a process (0.3-0.4 s of CPU on our machine).  For the
#: small-data path only: on the larger paths ("gemm", "seeding") the twins take
#: several times the kernels' time, so a cached kernel is loaded at once (a warm
#: process ran 0.2-0.3 s slower on issue 22's two large cases with this budget
#: there too, ``python -m benchmarks.startup --cases 1 2``).
LOAD_AFTER_SECONDS = 0.3

#: Compiles expected to take less than this are not announced.
ANNOUNCE_MIN_SECONDS = 1.0

#: Budgets of the twins on the paths of a fit on data larger than one block,
#: in place of ``COMPILE_AFTER_SECONDS``: about what their kernels took to
#: compile together in a fresh process (``python -m benchmarks.startup
#: --cases 1 2``, 2-core machine, float32 and float64 alike).  k-means++ on
#: many blocks: ``candidate_potentials`` (or its tiled form and the tiles)
#: 3.3 s, ``_point_distances`` 1.7 s, ``draw_candidates``; Lloyd's BLAS path:
#: ``argmin_accumulate_from_dots`` 2.8 s, ``weighted_inertia`` 0.8-1.2 s,
#: ``transposed_rows`` 0.8-0.9 s, ``reduce_block_partials`` 0.6-0.9 s,
#: ``finish_centers``, ``update_previous_labels``, ``distances_to_reference``.
#: The twins' budget by path; "small" is the one-block fit's
#: (``COMPILE_AFTER_SECONDS``).
PATH_COMPILE_SECONDS = {"seeding": 5.0, "gemm": 6.0}

_lock = threading.Lock()
_twin_seconds = 0.0
_active_twins = 0
_span_start = 0.0
_kernels_only = False
_twins_forced = False
_in_cache: dict[tuple[Any, tuple], bool] = {}
_announced: set[str] = set()
_background_seen = False
_background_asked = -float("inf")

#: How often ``compile_in_background`` asks the disk (seconds).
BACKGROUND_POLL_SECONDS = 0.5


def signature_of(args: Sequence[Any]) -> tuple:
    """The Numba types of ``args``, as a dispatcher keys its compiled versions."""
    return tuple(numba.typeof(arg) for arg in args)


def _cached(kernel: Any, signature: tuple) -> bool:
    """Whether the disk cache holds ``kernel`` compiled for ``signature``.

    Reads the cache's index file, as Numba would before compiling, with
    Numba's own key (signature, CPU, bytecode); stale entries (another source
    file or Numba version) are not in the index Numba loads.  These are Numba
    internals: if they change, the answer is False, which only means the twin
    runs where the kernel could have.
    """
    try:
        cache = kernel._cache
        index = cache._cache_file._load_index()
        return cache._index_key(signature, kernel.targetctx.codegen()) in index
    except Exception:  # noqa: BLE001 - any failure means "not known to be cached"
        return False


def _cached_signatures(kernel: Any) -> list[tuple]:
    """The signatures cached on disk for ``kernel`` on this CPU (see ``_cached``)."""
    try:
        cache = kernel._cache
        magic = kernel.targetctx.codegen().magic_tuple()
        index = cache._cache_file._load_index()
    except Exception:  # noqa: BLE001
        return []
    return [key[0] for key in index if key[1] == magic]


def compiled_for(kernel: Any, dtype: Any) -> bool:
    """Whether ``kernel`` is compiled or cached for some signature on ``dtype`` data.

    Judged by the first argument (the data, in every kernel); a cheaper and
    coarser question than ``is_ready``, for announcing a compile before the
    arguments exist.
    """
    name = str(dtype)

    def on_dtype(signatures: Sequence[tuple]) -> bool:
        return any(str(getattr(sig[0], "dtype", "")) == name for sig in signatures)

    return on_dtype(list(kernel.overloads)) or on_dtype(_cached_signatures(kernel))


def is_ready(kernel: Any, args: Sequence[Any], fresh: bool = False) -> bool:
    """Whether calling ``kernel(*args)`` now would not compile anything.

    True when the kernel is compiled in this process for these argument types
    or cached on disk for them.  The disk is asked once per process and
    signature, or again with ``fresh``.
    """
    signature = signature_of(args)
    if signature in kernel.overloads:
        return True
    key = (kernel, signature)
    with _lock:
        if fresh or key not in _in_cache:
            _in_cache[key] = _cached(kernel, signature)
        return _in_cache[key]


def compile_budget(path: str) -> float:
    """Twin seconds allowed on ``path`` before its kernels are compiled."""
    return PATH_COMPILE_SECONDS.get(path, COMPILE_AFTER_SECONDS)


def use_twin(kernel: Any, args: Sequence[Any], path: str = "small") -> bool:
    """Whether to run ``kernel``'s NumPy twin rather than ``kernel(*args)`` now.

    The twin, until the twins' time in this process reaches the budget:
    ``LOAD_AFTER_SECONDS`` when the kernel is cached for these arguments,
    ``compile_budget(path)`` when it is not (the compile is then announced).
    Never once the kernel is compiled or loaded in this process (for any
    types; a new dtype then compiles just that kernel), nor after
    ``always_kernels``; always within ``forced(True)``.
    """
    settled = _settled_without_budget(kernel)
    if settled is not None:
        return settled
    ready = is_ready(kernel, args)
    if _within_budget(ready, path):
        return True
    # About to compile: ask the disk again first, as another process (a
    # background compile that ended unseen) may have cached it meanwhile;
    # if it did, calling the kernel loads it.
    if not ready and not is_ready(kernel, args, fresh=True):
        budget = compile_budget(path)
        announce(f"first use ({path})", max(budget, FIRST_USE_COMPILE_SECONDS))
    return False


def _settled_without_budget(kernel: Any) -> bool | None:
    """The twin (True) or the kernel (False) where no budget needs asking.

    The twin within ``forced(True)``; the kernel once it is compiled or
    loaded in this process, after ``always_kernels``, or when a plain
    function stands in its place (a test's stand-in).  None otherwise.
    """
    if _twins_forced:
        return True
    if getattr(kernel, "overloads", True) or _kernels_only:
        return False
    return None


def _within_budget(ready: bool, path: str) -> bool:
    """Whether the twins' time so far leaves room for another twin call.

    ``LOAD_AFTER_SECONDS`` when the kernel is cached (``ready``) on the
    small-data path, none on the others, else what compiling ``path``'s
    kernels would take (``compile_budget``), or no limit on the larger paths
    while a background compile runs (``compile_in_background``).
    """
    if ready:
        return path == "small" and _twin_seconds < LOAD_AFTER_SECONDS
    if _twin_seconds < compile_budget(path):
        return True
    return path != "small" and compile_in_background()


def compile_in_background() -> bool:
    """Whether a background compile (``_background.running``) runs on our cache.

    While one does, the twins of the larger paths keep standing in past their
    budget: compiling in the foreground too would stall the fit for the
    seconds the background process is already spending.  Asked of the disk at
    most every ``BACKGROUND_POLL_SECONDS``.  Once it has ended, ``use_twin``
    asks the disk afresh before compiling, so what it cached is loaded.
    """
    global _background_seen, _background_asked
    now = time.monotonic()
    with _lock:
        if now - _background_asked < BACKGROUND_POLL_SECONDS:
            return _background_seen
    from . import _background

    seen = _background.running()
    with _lock:
        _background_seen, _background_asked = seen, now
    return seen


def twins_would_run(kernel: Any, dtype: Any, path: str) -> bool:
    """Whether ``call`` would now run ``kernel``'s twin on data of ``dtype``.

    ``use_twin``'s answer before the arguments exist: whether the kernel is
    cached is judged by ``compiled_for`` (any signature on ``dtype`` data).
    """
    settled = _settled_without_budget(kernel)
    if settled is not None:
        return settled
    return _within_budget(compiled_for(kernel, dtype), path)


def pending(kernel: Any, dtype: Any) -> bool:
    """Whether calling ``kernel`` on ``dtype`` data now would compile it first.

    False once it is compiled or loaded in this process, after
    ``always_kernels`` or within ``forced(False)``, or when it is cached on
    disk for that dtype (``compiled_for``); True within ``forced(True)``,
    where only the twins run.
    """
    settled = _settled_without_budget(kernel)
    if settled is not None:
        return settled
    return not compiled_for(kernel, dtype)


@contextmanager
def twin_timer() -> Iterator[None]:
    """Count the time of the ``with`` block against the twins' budget.

    Blocks that run at the same time (the BLAS path's slabs, one per worker
    thread) count once: the budget is the wall time during which any twin
    ran, not the sum over threads, which would spend it twice as fast.
    """
    global _twin_seconds, _active_twins, _span_start
    with _lock:
        if _active_twins == 0:
            _span_start = time.perf_counter()
        _active_twins += 1
    try:
        yield
    finally:
        with _lock:
            _active_twins -= 1
            if _active_twins == 0:
                _twin_seconds += time.perf_counter() - _span_start


def call(kernel: Any, twin: Callable[..., Any], *args: Any, path: str = "small") -> Any:
    """``twin(*args)`` or ``kernel(*args)``, as ``use_twin`` decides.

    Parameters
    ----------
    kernel : numba dispatcher, a ``functools.partial`` of one, or a launcher
        The compiled kernel (a partial binds its trailing arguments by name;
        a launcher has the dispatcher it runs as ``func`` and ``kernel_args``
        to map its arguments to that dispatcher's).
    twin : callable
        Its NumPy twin from ``_twins``: same arguments, same results.
    *args
        The arguments.
    path : str, default="small"
        Which twins' budget applies (``PATH_COMPILE_SECONDS``): about what
        compiling the kernels of that path would take.

    Returns
    -------
    object
        What the kernel (or twin) returns.
    """
    dispatcher, kernel_args = kernel, args
    if isinstance(kernel, functools.partial):
        # A kernel bound to trailing arguments (``dispatch.direct_kernels``'
        # row-major kernels and their margins): ask about the whole call.
        dispatcher = kernel.func
        kernel_args = args + tuple(kernel.keywords.values())
    elif hasattr(kernel, "kernel_args"):
        # A launcher of one dispatcher (``dots.dots_assign``): ask about it.
        dispatcher = kernel.func
        kernel_args = kernel.kernel_args(*args)
    if not use_twin(dispatcher, kernel_args, path):
        return kernel(*args)
    with twin_timer():
        return twin(*args)


#: About how long the kernels that have twins take to compile, together.
FIRST_USE_COMPILE_SECONDS = 3.0


def always_kernels() -> None:
    """From now on in this process, ``call`` runs the kernels, never the twins."""
    global _kernels_only
    _kernels_only = True


@contextmanager
def forced(twins: bool) -> Iterator[None]:
    """Within the block, ``call`` runs only the twins (or only the kernels).

    For tests and benchmarks that compare a fit through the twins with the
    same fit through the kernels, whatever is compiled or cached.
    """
    global _twins_forced, _kernels_only
    saved = _twins_forced, _kernels_only
    _twins_forced, _kernels_only = twins, not twins
    try:
        yield
    finally:
        _twins_forced, _kernels_only = saved


def announce(what: str, seconds: float) -> None:
    """Log that compiling ``what`` will take about ``seconds`` (once per process).

    Nothing is logged below ``ANNOUNCE_MIN_SECONDS``.

    Parameters
    ----------
    what : str
        Names the kernels (one line per name and process).
    seconds : float
        The expected compile time.
    """
    if seconds < ANNOUNCE_MIN_SECONDS:
        return
    with _lock:
        if what in _announced:
            return
        _announced.add(what)
    logger.info(
        "compiling kernels for first use (about %.0f s, cached afterwards)", seconds
    )
