"""kmeans-core: exact, fast k-means with a Numba core.

A drop-in for ``sklearn.cluster.KMeans``: the same parameters, attributes and
results, on dense arrays and scipy.sparse matrices alike, bit-identical for any
thread count, float32 kept float32.  ``kmeans_core.reference`` holds a plain
NumPy version to learn from.
"""

# First: it tells Numba where to cache the kernels, before any is defined.
from . import _caching  # noqa: F401  # isort: skip
from .estimator import KMeans, k_means
from .exceptions import ConvergenceWarning, NotFittedError
from .init import kmeans_plusplus
from .minibatch import MiniBatchKMeans

__all__ = [
    "ConvergenceWarning",
    "KMeans",
    "MiniBatchKMeans",
    "NotFittedError",
    "k_means",
    "kmeans_plusplus",
]

__version__ = "0.1.0"
