"""Customer segmentation on top of :mod:`kmeans_core`.

From a customer table to segments, profiles in the table's own units, a chosen
number of clusters with its evidence, and named personas with recommended
actions. The main entry point is :func:`segmentation.pipeline.segment`; the
``kmeans-segment`` command wraps it.

The clustering engine is imported lazily (inside :mod:`segmentation.pipeline`
and :mod:`segmentation.selection`), so loading, validating and profiling data
does not pay for compiling the k-means kernels.
"""

from segmentation.io import DataError, load_customers, read_table, resolve_columns

__all__ = [
    "DataError",
    "SegmentationResult",
    "load_customers",
    "make_customers",
    "read_table",
    "resolve_columns",
    "segment",
]


def __getattr__(name: str):
    # Lazy so that ``import segmentation`` stays cheap (no numba compile).
    if name in ("segment", "SegmentationResult"):
        from segmentation import pipeline

        return getattr(pipeline, name)
    if name == "make_customers":
        from segmentation.datasets import make_customers

        return make_customers
    raise AttributeError(f"module 'segmentation' has no attribute {name!r}")
