"""Bad input raises a ValueError or TypeError whose message names the problem.

One table row per error. ``match`` is a case-insensitive regular expression on the key
word a user needs to see ("NaN", "n_clusters", "2D", ...), loose enough to allow any
clear wording, strict enough that a generic message would fail.
"""

from __future__ import annotations

import numpy as np
import pytest

import kmeans_core
from kmeans_core import KMeans, k_means, kmeans_plusplus

from .datasets import blobs

X = blobs(seed=0, n_samples=30, n_features=3, n_clusters=3)
X_NAN = X.copy()
X_NAN[4, 1] = np.nan
X_INF = X.copy()
X_INF[7, 2] = np.inf
X_NEG_INF = X.copy()
X_NEG_INF[0, 0] = -np.inf
INIT = X[[0, 10, 20]].copy()
INIT_NAN = INIT.copy()
INIT_NAN[1, 1] = np.nan

# Either is a correct answer where the problem is the kind of the value.
TYPE_OR_VALUE = (TypeError, ValueError)


def fit(X=X, sample_weight=None, **params):
    params.setdefault("n_clusters", 3)
    params.setdefault("n_init", 1)
    return lambda: KMeans(**params).fit(X, sample_weight=sample_weight)


def fitted(method, *args):
    est = KMeans(n_clusters=3, n_init=1, random_state=0).fit(X)
    return lambda: getattr(est, method)(*args)


def unfitted(method, *args):
    return lambda: getattr(KMeans(n_clusters=3), method)(*args)


def nested(depth):
    return np.zeros((4,) * depth)


FIT_CASES = [
    # --- the data X ------------------------------------------------------------------
    ("nan", fit(X_NAN), ValueError, r"(?i)nan"),
    ("inf", fit(X_INF), ValueError, r"(?i)inf"),
    ("neg-inf", fit(X_NEG_INF), ValueError, r"(?i)inf"),
    ("1d", fit(np.arange(10.0)), ValueError, r"(?i)2-?d"),
    ("3d", fit(nested(3)), ValueError, r"(?i)2-?d"),
    ("0d", fit(np.float64(3.0)), ValueError, r"(?i)2-?d"),
    # scikit-learn's check_estimator matches the start of these four
    ("no-samples", fit(np.empty((0, 3))), ValueError, r"0 sample\(s\) \(shape="),
    ("no-features", fit(np.empty((5, 0))), ValueError, r"0 feature\(s\) \(shape="),
    ("strings", fit(np.array([["a", "b"]] * 5)), TYPE_OR_VALUE, r"(?i)number|numeric"),
    ("complex", fit(X + 1j), ValueError, "Complex data not supported"),
    (
        "object-dict",
        fit(np.array([[{"a": 1}, 2.0]] * 5, dtype=object)),
        TypeError,
        "argument must be .* string.* number",
    ),
    ("string", fit("not an array"), TYPE_OR_VALUE, r"(?i)string|number|numeric"),
    # --- n_clusters ------------------------------------------------------------------
    ("n_clusters-0", fit(n_clusters=0), ValueError, "n_clusters"),
    ("n_clusters-neg", fit(n_clusters=-2), ValueError, "n_clusters"),
    ("n_clusters>n", fit(X[:5], n_clusters=6), ValueError, "n_clusters"),
    ("n_clusters-float", fit(n_clusters=2.5), TYPE_OR_VALUE, "n_clusters"),
    ("n_clusters-str", fit(n_clusters="3"), TYPE_OR_VALUE, "n_clusters"),
    ("n_clusters-none", fit(n_clusters=None), TYPE_OR_VALUE, "n_clusters"),
    ("n_clusters-bool", fit(n_clusters=True), TYPE_OR_VALUE, "n_clusters"),
    # --- other parameters ------------------------------------------------------------
    ("algorithm", fit(algorithm="fastest"), ValueError, "algorithm"),
    ("algorithm-full", fit(algorithm="full"), ValueError, "algorithm"),
    ("init-str", fit(init="kmeans++"), ValueError, "init"),
    ("init-type", fit(init=3), TYPE_OR_VALUE, "init"),
    ("init-rows", fit(init=INIT[:2]), ValueError, "does not match the number of clus"),
    ("init-cols", fit(init=INIT[:, :2]), ValueError, "match the number of features"),
    ("init-1d", fit(init=INIT[0]), ValueError, r"(?i)2-?d|shape"),
    ("init-nan", fit(init=INIT_NAN), ValueError, r"(?i)nan"),
    (
        "init-callable-shape",
        fit(init=lambda X, k, random_state: X[:2]),
        ValueError,
        r"(?i)shape",
    ),
    ("max_iter-0", fit(max_iter=0), ValueError, "max_iter"),
    ("max_iter-float", fit(max_iter=1.5), TYPE_OR_VALUE, "max_iter"),
    ("n_init-0", fit(n_init=0), ValueError, "n_init"),
    ("n_init-str", fit(n_init="many"), TYPE_OR_VALUE, "n_init"),
    ("tol-neg", fit(tol=-1e-4), ValueError, "tol"),
    ("tol-nan", fit(tol=float("nan")), ValueError, "tol"),
    ("random_state", fit(random_state="seed"), TYPE_OR_VALUE, "random_state"),
    # --- sample_weight ---------------------------------------------------------------
    (
        "sw-negative",
        fit(sample_weight=np.r_[-1.0, np.ones(29)]),
        ValueError,
        r"(?i)negative",
    ),
    ("sw-short", fit(sample_weight=np.ones(29)), ValueError, "sample_weight"),
    ("sw-long", fit(sample_weight=np.ones(31)), ValueError, "sample_weight"),
    ("sw-2d", fit(sample_weight=np.ones((30, 1))), ValueError, "sample_weight"),
    (
        "sw-nan",
        fit(sample_weight=np.r_[np.nan, np.ones(29)]),
        ValueError,
        "sample_weight",
    ),
    ("sw-zero-sum", fit(sample_weight=np.zeros(30)), ValueError, "sample_weight"),
    (
        "sw-strings",
        fit(sample_weight=np.array(["a"] * 30)),
        TYPE_OR_VALUE,
        "sample_weight",
    ),
]

METHOD_CASES = [
    ("predict-unfitted", unfitted("predict", X), "fit"),
    ("transform-unfitted", unfitted("transform", X), "fit"),
    ("score-unfitted", unfitted("score", X), "fit"),
]

AFTER_FIT_CASES = [
    ("predict-features", fitted("predict", X[:, :2]), ValueError, r"(?i)feature"),
    ("transform-features", fitted("transform", X[:, :2]), ValueError, r"(?i)feature"),
    ("score-features", fitted("score", np.c_[X, X]), ValueError, r"(?i)feature"),
    ("predict-nan", fitted("predict", X_NAN), ValueError, r"(?i)nan"),
    ("transform-inf", fitted("transform", X_INF), ValueError, r"(?i)inf"),
    ("predict-1d", fitted("predict", X[0]), ValueError, r"2D.*Reshape your data"),
    ("predict-complex", fitted("predict", X + 1j), TYPE_OR_VALUE, r"(?i)complex"),
]

FUNCTION_CASES = [
    ("k_means-nan", lambda: k_means(X_NAN, 3, n_init=1), ValueError, r"(?i)nan"),
    ("k_means-n_clusters", lambda: k_means(X, 0), ValueError, "n_clusters"),
    (
        "k_means-algorithm",
        lambda: k_means(X, 3, algorithm="x"),
        ValueError,
        "algorithm",
    ),
    ("kpp-nan", lambda: kmeans_plusplus(X_NAN, 3), ValueError, r"(?i)nan"),
    ("kpp-1d", lambda: kmeans_plusplus(X[0], 3), ValueError, r"(?i)2-?d"),
    ("kpp-n_clusters-0", lambda: kmeans_plusplus(X, 0), ValueError, "n_clusters"),
    ("kpp-n_clusters>n", lambda: kmeans_plusplus(X, 31), ValueError, "n_clusters"),
    (
        "kpp-trials-0",
        lambda: kmeans_plusplus(X, 3, n_local_trials=0),
        ValueError,
        "n_local_trials",
    ),
    (
        "kpp-sw-neg",
        lambda: kmeans_plusplus(X, 3, sample_weight=-np.ones(30)),
        ValueError,
        r"(?i)negative",
    ),
    (
        "kpp-sw-len",
        lambda: kmeans_plusplus(X, 3, sample_weight=np.ones(3)),
        ValueError,
        "sample_weight",
    ),
    (
        "kpp-norms-len",
        lambda: kmeans_plusplus(X, 3, x_squared_norms=np.ones(3)),
        ValueError,
        "length of x_squared_norms 3 should be equal to the length of n_samples",
    ),
]


def _table(cases):
    return [pytest.param(*rest, id=case_id) for case_id, *rest in cases]


@pytest.mark.parametrize(
    "call, error, match", _table(FIT_CASES + AFTER_FIT_CASES + FUNCTION_CASES)
)
def test_bad_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call, match", _table(METHOD_CASES))
def test_methods_before_fit_raise_not_fitted(call, match):
    with pytest.raises(kmeans_core.exceptions.NotFittedError, match=match) as info:
        call()
    # scikit-learn's NotFittedError is both, and callers catch either
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AttributeError)


@pytest.mark.parametrize(
    "params",
    [
        dict(n_clusters=0),
        dict(n_clusters=2.5),
        dict(algorithm="nope"),
        dict(init="nope"),
        dict(max_iter=0),
        dict(n_init=0),
        dict(tol=-1.0),
    ],
    ids=lambda p: next(iter(p)),
)
def test_constructor_stores_without_validating(params):
    """As in scikit-learn, ``__init__`` stores parameters and ``fit`` validates."""
    est = KMeans(**params)
    for key, value in params.items():
        assert getattr(est, key) == value
    with pytest.raises((TypeError, ValueError), match=next(iter(params))):
        est.fit(X)


def test_failed_fit_leaves_no_fitted_attributes():
    est = KMeans(n_clusters=3, n_init=1)
    with pytest.raises(ValueError):
        est.fit(X_NAN)
    assert not hasattr(est, "cluster_centers_")
