"""Customer segmentation on top of :mod:`kmeans_core`.

From a customer table to segments, profiles in the table's own units, a chosen
number of clusters with its evidence, and named personas with recommended
actions. The main entry point is :func:`segmentation.pipeline.segment`; the
``kmeans-segment`` command (:mod:`segmentation.cli`) wraps it.

Layout, in the order data flows through it:

- :mod:`~segmentation.io` loads and validates a table, using
  :mod:`~segmentation.tables` (reading and writing files by extension),
  :mod:`~segmentation.columns` (finding columns by name or role) and
  :mod:`~segmentation.errors`;
- :mod:`~segmentation.scaling`, :mod:`~segmentation.selection` (choosing k, with
  :mod:`~segmentation.knee` and :mod:`~segmentation.metrics`) and
  :mod:`~segmentation.pipeline` (the whole run);
- :mod:`~segmentation.profiles` (per-segment statistics) and
  :mod:`~segmentation.personas` (``catalogue``: names and actions as data;
  ``rules``: how one is picked);
- :mod:`~segmentation.stability` (bootstrap stability of each segment);
- :mod:`~segmentation.plots` (one module per kind of plot) and
  :mod:`~segmentation.report` (CSV/JSON, Markdown and HTML writers);
- :mod:`~segmentation.model` (``model.json``: :func:`load_model` and
  ``.assign`` put new customers into a run's segments).

The clustering engine is imported lazily (inside :mod:`segmentation.pipeline`
and :mod:`segmentation.selection`), so loading, validating and profiling data
does not pay for compiling the k-means kernels.
"""

from segmentation.io import DataError, load_customers, read_table, resolve_columns
from segmentation.model import SegmentationModel, load_model

__all__ = [
    "DataError",
    "SegmentationModel",
    "SegmentationResult",
    "load_customers",
    "load_model",
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
