"""Warnings and exceptions raised by kmeans_core, caught by scikit-learn code too.

``ConvergenceWarning`` and ``NotFittedError`` are kmeans_core's own classes, so
``import kmeans_core`` needs no scikit-learn (importing it takes seconds: it
loads scipy).  What kmeans_core raises or warns, though, is made with
``convergence_warning()`` and ``not_fitted_error()``: when scikit-learn's
``sklearn.exceptions`` module is already loaded, these return a subclass of
both our class and scikit-learn's class of the same name, so that
``except sklearn.exceptions.NotFittedError``, ``pytest.warns(
sklearn.exceptions.ConvergenceWarning)`` and scikit-learn's own checks catch
them, and ``except kmeans_core.NotFittedError`` still does.

Checking for the loaded module rather than for an installed scikit-learn is
enough: code that catches or filters scikit-learn's class has imported it
before anything is raised, and nobody else pays for the import.
"""

from __future__ import annotations

import sys


class ConvergenceWarning(UserWarning):
    """A fit finished without the guarantees the caller may expect.

    Raised when fewer distinct clusters than ``n_clusters`` were found, and when
    ``max_iter`` was reached before the tolerance or label stability was met.
    (scikit-learn's ``ConvergenceWarning`` is also a ``UserWarning``; what
    kmeans_core warns is an instance of it as well whenever scikit-learn is
    loaded, see the module docstring.)
    """


class NotFittedError(ValueError, AttributeError):
    """An estimator method that needs a fitted model was called before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError``, as scikit-learn's
    exception of the same name does; what kmeans_core raises is an instance of
    that one as well whenever scikit-learn is loaded (see the module docstring).
    """


#: The subclasses of (ours, scikit-learn's), built on first use.
_bridged: dict[type, type] = {}


def _with_sklearn_base(ours: type) -> type:
    """``ours``, or its subclass that also derives from scikit-learn's namesake."""
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    theirs = getattr(sklearn_exceptions, ours.__name__, None)
    if not isinstance(theirs, type):
        return ours
    bridged = _bridged.get(ours)
    if bridged is None or not issubclass(bridged, theirs):
        # A reloaded scikit-learn has a new class: bridge to that one.
        bridged = type(ours.__name__, (ours, theirs), {"__module__": __name__})
        bridged.__doc__ = ours.__doc__
        _bridged[ours] = bridged
    return bridged


def convergence_warning() -> type[ConvergenceWarning]:
    """The class to warn with: ours, and scikit-learn's too when it is loaded."""
    return _with_sklearn_base(ConvergenceWarning)


def not_fitted_error(message: str) -> NotFittedError:
    """A ``NotFittedError`` to raise, also scikit-learn's when it is loaded."""
    return _with_sklearn_base(NotFittedError)(message)
