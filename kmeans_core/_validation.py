"""Input and parameter checks, with messages that say what is wrong and how to fix it.

Every public entry point funnels through here; the kernels trust what they get.
Where scikit-learn's own tests match an error message (the shape of ``init``,
empty data, 1-D input, complex data), ours starts with the words they match,
and then says how to fix the input.  Sparse input is checked by ``_sparse``.
"""

from __future__ import annotations

import numbers
import threading
from typing import Any

import numpy as np

from ._sparse import FLOAT_DTYPES, CSRRows, check_csr, is_sparse
from ._stats import data_sum

ALGORITHMS = ("lloyd", "elkan", "hamerly", "yinyang", "auto")
INIT_STRINGS = ("k-means++", "random")


def feature_names_of(X: Any) -> np.ndarray | None:
    """Column names of a DataFrame-like input when they are all strings."""
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "iloc"):
        return None
    names = [str(c) if isinstance(c, str) else None for c in columns]
    if any(name is None for name in names):
        return None
    return np.asarray(names, dtype=object)


def check_array(
    X: Any,
    *,
    name: str = "X",
    dtype: Any = None,
    min_samples: int = 1,
    accept_sparse: bool = False,
) -> np.ndarray | CSRRows:
    """Return X as a C-contiguous 2-D float32/float64 array with finite values.

    Float32 input stays float32 and float64 stays float64; anything else
    numeric becomes float64 (or ``dtype`` when given).  The input is never
    modified: a copy is made only when a conversion is needed.  With
    ``accept_sparse``, a scipy.sparse X is returned as ``CSRRows``
    (``_sparse.check_csr``); without, it is refused.
    """
    if is_sparse(X):
        if accept_sparse:
            return check_csr(X, name=name, dtype=dtype, min_samples=min_samples)
        raise TypeError(
            f"{name} is a sparse matrix, but dense data is required here. "
            f"Convert it with {name}.toarray() first."
        )
    if isinstance(X, str | bytes):
        raise TypeError(f"{name} must be a 2D array of numbers, got a string.")
    try:
        array = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
    kind = array.dtype.kind
    if kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} holds complex numbers. Pass the "
            f"real part ({name}.real) or split real and imaginary parts into "
            "separate features."
        )
    if kind in "USO" or kind == "V":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            # The kind of error NumPy raised (TypeError for an object that is
            # no number, ValueError for text that is none), and its words.
            raise type(exc)(
                f"{name} must contain only numbers; converting it to float "
                f"failed ({exc}). Encode or drop non-numeric columns first."
            ) from exc
        kind = "f"
    if kind == "M" or kind == "m":
        raise TypeError(f"{name} holds dates or durations; convert them to numbers.")
    if array.ndim != 2:
        if array.ndim == 0:
            raise ValueError(f"Expected a 2D array for {name}, got a scalar.")
        if array.ndim == 1:
            raise ValueError(
                f"Expected a 2D array for {name}, got a 1D array of shape "
                f"{array.shape}. Reshape your data with {name}.reshape(-1, 1) if "
                f"it is a single feature, or {name}.reshape(1, -1) if it is one "
                "sample."
            )
        raise ValueError(
            f"Expected a 2D array for {name}, got an array with {array.ndim} "
            f"dimensions (shape {array.shape})."
        )
    n_samples, n_features = array.shape
    if n_samples < min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={array.shape}) while a "
            f"minimum of {min_samples} is required: {name} has too few rows."
        )
    if n_features < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={array.shape}) while a minimum "
            f"of 1 is required: {name} has no columns."
        )
    if dtype is None:
        dtype = array.dtype if array.dtype in FLOAT_DTYPES else np.float64
    array = np.ascontiguousarray(array, dtype=dtype)
    check_finite(array, name)
    return array


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise a ValueError naming NaN or infinity when present."""
    # A sum is one fast pass; only when it is not finite do we look closer.
    if np.isfinite(data_sum(array)):
        return
    if np.isnan(array).any():
        rows = np.flatnonzero(np.isnan(array).reshape(array.shape[0], -1).any(axis=1))
        raise ValueError(
            f"Input {name} contains NaN (first rows: {rows[:5].tolist()}). "
            "Drop or impute missing values before clustering."
        )
    if np.isinf(array).any():
        rows = np.flatnonzero(np.isinf(array).reshape(array.shape[0], -1).any(axis=1))
        raise ValueError(
            f"Input {name} contains infinity (first rows: {rows[:5].tolist()}). "
            "Remove or clip infinite values before clustering."
        )
    raise ValueError(
        f"Input {name} has values too large for float64 arithmetic; "
        "rescale the data before clustering."
    )


def check_sample_weight(
    sample_weight: Any, n_samples: int, dtype: np.dtype
) -> np.ndarray:
    """Return non-negative finite weights of length ``n_samples`` in ``dtype``."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if isinstance(sample_weight, numbers.Number) and not isinstance(
        sample_weight, bool
    ):
        weights = np.full(n_samples, sample_weight, dtype=dtype)
    else:
        raw = np.asarray(sample_weight)
        if raw.dtype.kind not in "biuf":
            raise TypeError(f"sample_weight must be numeric, got dtype {raw.dtype}.")
        if raw.ndim != 1:
            raise ValueError(f"sample_weight must be 1D, got shape {raw.shape}.")
        if raw.shape[0] != n_samples:
            raise ValueError(
                f"sample_weight has {raw.shape[0]} entries but X has {n_samples} "
                "samples; pass one weight per sample."
            )
        weights = np.ascontiguousarray(raw, dtype=dtype)
    if not np.isfinite(weights).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (weights < 0).any():
        raise ValueError(
            "sample_weight contains negative values; weights must be >= 0."
        )
    if weights.sum(dtype=np.float64) <= 0:
        raise ValueError("sample_weight sums to zero; at least one weight must be > 0.")
    return weights


def check_squared_norms(x_squared_norms: Any, n_samples: int) -> np.ndarray | None:
    """``x_squared_norms`` as float64 of length ``n_samples`` (None stays None)."""
    if x_squared_norms is None:
        return None
    norms = np.asarray(x_squared_norms, dtype=np.float64)
    if norms.ndim != 1 or norms.shape[0] != n_samples:
        raise ValueError(
            f"The length of x_squared_norms {norms.size} should be equal to the "
            f"length of n_samples {n_samples}: pass one squared norm per row of X."
        )
    return np.ascontiguousarray(norms)


def check_int(value: Any, name: str, minimum: int) -> int:
    """An integer (not bool) that is at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_params(
    *,
    n_clusters: Any,
    init: Any,
    n_init: Any,
    max_iter: Any,
    tol: Any,
    algorithm: Any,
    verbose: Any = 0,
    algorithms: tuple[str, ...] = ALGORITHMS,
) -> None:
    """Validate estimator parameters (not data-dependent ones)."""
    check_int(n_clusters, "n_clusters", 1)
    check_int(max_iter, "max_iter", 1)
    if not (isinstance(n_init, str) and n_init == "auto"):
        if isinstance(n_init, str):
            raise ValueError(
                f"n_init must be 'auto' or an integer >= 1, got {n_init!r}."
            )
        check_int(n_init, "n_init", 1)
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a non-negative number, got {tol!r}.")
    if not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0, got {tol}.")
    if not isinstance(algorithm, str) or algorithm not in algorithms:
        raise ValueError(
            f"algorithm must be one of {', '.join(map(repr, algorithms))}; "
            f"got {algorithm!r}."
        )
    if isinstance(init, str):
        if init not in INIT_STRINGS:
            raise ValueError(
                "init must be 'k-means++', 'random', an array of shape "
                f"(n_clusters, n_features) or a callable; got {init!r}."
            )
    elif (
        not callable(init)
        and not hasattr(init, "__array__")
        and not isinstance(init, list | tuple)
    ):
        raise TypeError(
            "init must be 'k-means++', 'random', an array of shape "
            f"(n_clusters, n_features) or a callable; got {type(init).__name__}."
        )
    if isinstance(verbose, bool | numbers.Integral):
        if verbose < 0:
            raise ValueError(f"verbose must be >= 0, got {verbose}.")
    else:
        raise TypeError(f"verbose must be an integer or bool, got {verbose!r}.")


def check_centers(
    centers: Any, n_clusters: int, n_features: int, dtype: np.dtype, name: str
) -> np.ndarray:
    """Validate initial centers from an array or a callable."""
    array = check_array(centers, name=name, dtype=dtype)
    if array.shape[0] != n_clusters:
        raise ValueError(
            f"The shape of the initial centers {array.shape} does not match the "
            f"number of clusters {n_clusters}: pass an array of shape "
            f"({n_clusters}, {n_features})."
        )
    if array.shape[1] != n_features:
        raise ValueError(
            f"The shape of the initial centers {array.shape} does not match the "
            f"number of features of the data {n_features}: pass an array of shape "
            f"({n_clusters}, {n_features})."
        )
    return array


#: One reusable RandomState per thread (see ``check_random_state``).
_per_thread = threading.local()


def check_random_state(
    seed: Any, *, reuse: bool = False
) -> np.random.RandomState | np.random.Generator:
    """Turn ``seed`` into a random generator.

    ``None`` uses NumPy's global RandomState, an int seeds a new
    ``RandomState`` (so a given seed draws exactly what scikit-learn draws), and
    a ``RandomState`` or ``Generator`` is used as it is.

    With ``reuse``, for callers that are done with the generator when they
    return, an int reseeds one ``RandomState`` kept per thread instead of
    building a new one: building costs about 80 us, a third of a whole
    Mall-sized fit, reseeding about 1.5 us, and both then draw the same numbers.
    """
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if not reuse:
            return np.random.RandomState(int(seed))
        generator = getattr(_per_thread, "generator", None)
        if generator is None:
            generator = _per_thread.generator = np.random.RandomState()
        generator.seed(int(seed))
        return generator
    if isinstance(seed, np.random.RandomState | np.random.Generator):
        return seed
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator; "
        f"got {seed!r}."
    )
