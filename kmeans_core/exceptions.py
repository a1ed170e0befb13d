"""Warnings and exceptions raised by kmeans_core."""

from __future__ import annotations


class ConvergenceWarning(UserWarning):
    """A fit finished without the guarantees the caller may expect.

    Raised when fewer distinct clusters than ``n_clusters`` were found, and when
    ``max_iter`` was reached before the tolerance or label stability was met.
    (scikit-learn's ``ConvergenceWarning`` is also a ``UserWarning``.)
    """


class NotFittedError(ValueError, AttributeError):
    """An estimator method that needs a fitted model was called before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError`` for compatibility
    with scikit-learn's exception of the same name.
    """
