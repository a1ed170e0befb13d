"""Worker threads for the BLAS path.

The BLAS path computes ``X_slab @ centers.T`` for one slab of rows and then
finds the nearest centers with a Numba kernel that releases the GIL.  Running
one slab per worker thread, with BLAS itself limited to one thread, keeps each
slab's dot products in the worker's cache and avoids two thread pools (BLAS's
and Numba's) spinning against each other on the same cores.  The number of
workers follows ``numba.get_num_threads()``, so one knob controls both paths.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numba

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_controller: Any = None


def run_in_workers(task: Callable[[int], None], items: Iterable[int]) -> None:
    """Run ``task(item)`` for each item on ``numba.get_num_threads()`` threads.

    Each thread gets one contiguous run of the items (as equal in number as
    possible): one hand-off per thread rather than per item, which cost about
    20-40 us each.  Which thread runs an item never changes what it computes.
    """
    global _pool, _pool_size
    n_threads = numba.get_num_threads()
    items = list(items)
    if n_threads <= 1 or len(items) <= 1:
        for item in items:
            task(item)
        return
    with _lock:
        if _pool is None or _pool_size != n_threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(n_threads, thread_name_prefix="kmeans-core")
            _pool_size = n_threads
        pool = _pool
    n_shares = min(n_threads, len(items))
    bounds = [len(items) * t // n_shares for t in range(n_shares + 1)]

    def run_share(share: int) -> None:
        for item in items[bounds[share] : bounds[share + 1]]:
            task(item)

    futures = [pool.submit(run_share, share) for share in range(1, n_shares)]
    run_share(0)  # the calling thread takes the first share
    for future in futures:
        future.result()  # re-raises a worker's exception here


def single_threaded_blas() -> AbstractContextManager:
    """Limit BLAS to one thread for the duration of a ``with`` block.

    Uses threadpoolctl when it is installed (it comes with scikit-learn); it is
    not a dependency of kmeans_core, and without it BLAS keeps its own threads,
    which is slower on few cores but gives the same results.
    """
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return nullcontext()
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
