"""K-means on Dask arrays: the in-memory kernels applied chunk by chunk.

``kmeans_core.dask.KMeans`` fits data that does not fit in memory, or that
lives on a ``distributed`` cluster.  Every pass over the data is one map over
the row chunks: each chunk runs the same Numba kernels as the in-memory
estimator on its own rows and returns k x d partial sums; the client adds the
chunk partials in chunk order, so the result is deterministic and, from the
same initial centers, equal to the in-memory fit up to rounding.

Only this package imports dask (``import kmeans_core`` does not).  It never
starts a cluster: work goes to whatever scheduler is active, a
``distributed.Client`` the user created or one of dask's local schedulers.
If the source of X is expensive (a file, a generator), each pass recomputes
it; call ``X.persist()`` first when X fits in the cluster's memory.

The package, by responsibility: ``checks`` (input checks on dask arrays),
``chunks`` (what runs on the workers), ``passes`` (the client side: one pass
or one Lloyd run over the chunks), ``parallel_init`` (k-means||) and
``estimator`` (``KMeans``).
"""

try:
    import dask  # noqa: F401
    import dask.array  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without dask only
    raise ImportError(
        "kmeans_core.dask needs dask and distributed; install them with "
        "pip install 'kmeans-core[dask]'."
    ) from exc

from .checks import as_dask_array, as_dask_weights
from .estimator import INIT_SAMPLE_SIZE, KMeans
from .parallel_init import kmeans_parallel

__all__ = [
    "INIT_SAMPLE_SIZE",
    "KMeans",
    "as_dask_array",
    "as_dask_weights",
    "kmeans_parallel",
]
