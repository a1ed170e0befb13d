"""The exception and warning types of the segmentation layer.

They live in a module of their own so that every other module (tables,
columns, personas, model files) can raise them without importing the loader.
"""

from __future__ import annotations

__all__ = ["DataError", "DataWarning", "StabilityWarning"]


class DataError(ValueError):
    """The input data cannot be used; the message says why and how to fix it."""


class DataWarning(UserWarning):
    """The input data is usable but something in it deserves attention."""


class StabilityWarning(UserWarning):
    """A segment is unstable under resampling: treat its persona with caution."""
