"""Properties that must hold for any data (hypothesis, bounded sizes).

Hypothesis draws the shapes, the seed of the data, the weights and the layouts; the data
themselves come from a continuous distribution so that two computations of the same
quantity in a different order cannot flip a label through an exact tie.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kmeans_core import KMeans, k_means, kmeans_plusplus

from .datasets import positive_weights

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FAST = settings(max_examples=40, deadline=None)
ALGORITHMS = st.sampled_from(["lloyd", "elkan", "hamerly", "yinyang"])


def make_problem(seed, n_samples, n_features, n_clusters, separated=False):
    """Random data with some cluster structure, and ``n_clusters`` init rows.

    With ``separated`` the clusters are tight and far apart, and the init takes one
    row of each, so every Lloyd step is unambiguous even in float32.
    """
    rng = np.random.default_rng(seed)
    spread, sep = (0.2, 50.0) if separated else (1.0, 3.0)
    means = rng.normal(scale=sep, size=(n_clusters, n_features))
    which = np.arange(n_samples) % n_clusters
    rng.shuffle(which)
    X = means[which] + rng.normal(scale=spread, size=(n_samples, n_features))
    if separated:
        rows = [np.flatnonzero(which == c)[0] for c in range(n_clusters)]
    else:
        rows = rng.choice(n_samples, size=n_clusters, replace=False)
    return X, X[rows].copy()


@st.composite
def problems(
    draw, max_samples=40, max_features=4, max_clusters=5, separated=False, extra=0
):
    """(X, init rows) with at least ``n_clusters + extra`` samples."""
    n_clusters = draw(st.integers(1, max_clusters))
    n_features = draw(st.integers(1, max_features))
    n_samples = draw(st.integers(max(n_clusters + extra, 2), max_samples))
    seed = draw(st.integers(0, 2**32 - 1))
    return make_problem(seed, n_samples, n_features, n_clusters, separated)


def fit(X, init, sample_weight=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings have their own tests
        return KMeans(n_clusters=len(init), init=init, n_init=1, **params).fit(
            X, sample_weight=sample_weight
        )


def assert_inertia_close(a, b, X, rtol):
    """Inertias agree to ``rtol``, relative to the total sum of squares of X.

    Rounding is relative to the data scale, not to the inertia, which can be ~0.
    """
    X = np.asarray(X, dtype=np.float64)
    total = ((X - X.mean(axis=0)) ** 2).sum()
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * total)


def assert_same_result(a, b):
    """Bit-identical fits."""
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.inertia_ == b.inertia_
    assert a.n_iter_ == b.n_iter_


@FAST
@given(problem=problems(), data=st.data(), algorithm=ALGORITHMS)
def test_integer_weights_equal_repeated_rows(problem, data, algorithm):
    X, init = problem
    weights = np.array(
        data.draw(st.lists(st.integers(1, 4), min_size=len(X), max_size=len(X)))
    )
    # tol=0: scikit-learn scales tol by the unweighted variance of X, which repeating
    # rows changes; the fixed point of the iteration does not depend on it.
    weighted = fit(X, init, weights, tol=0.0, algorithm=algorithm)
    repeated = fit(np.repeat(X, weights, axis=0), init, tol=0.0, algorithm=algorithm)
    np.testing.assert_array_equal(
        repeated.labels_, np.repeat(weighted.labels_, weights)
    )
    # (n_iter_ may differ: with tol=0 a run also stops when the centers do not move
    # at all, and the mean of 3 copies of x need not round to exactly x.)
    np.testing.assert_allclose(
        weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-9, atol=1e-9
    )
    assert_inertia_close(weighted.inertia_, repeated.inertia_, X, rtol=1e-9)


@FAST
@given(
    problem=problems(),
    factor=st.sampled_from([2.0, 0.25, 3.0, 1e-3, 1e4]),
    algorithm=ALGORITHMS,
)
def test_scaling_all_weights_changes_nothing_but_inertia(problem, factor, algorithm):
    X, init = problem
    w = positive_weights(len(X), seed=len(X))
    base = fit(X, init, w, algorithm=algorithm)
    scaled = fit(X, init, w * factor, algorithm=algorithm)
    np.testing.assert_array_equal(base.labels_, scaled.labels_)
    assert base.n_iter_ == scaled.n_iter_
    np.testing.assert_allclose(
        base.cluster_centers_, scaled.cluster_centers_, rtol=1e-9, atol=1e-9
    )
    assert_inertia_close(scaled.inertia_ / factor, base.inertia_, X, rtol=1e-9)
    if factor in (2.0, 0.25):  # exact in binary: nothing may change at all
        np.testing.assert_array_equal(base.cluster_centers_, scaled.cluster_centers_)


@FAST
@given(
    problem=problems(separated=True),
    init=st.sampled_from(["k-means++", "random", "array"]),
    seed=st.integers(0, 2**16),
    algorithm=ALGORITHMS,
)
def test_predict_centers_gives_arange(problem, init, seed, algorithm):
    X, init_rows = problem
    k = len(init_rows)
    est = KMeans(
        n_clusters=k,
        init=init_rows if init == "array" else init,
        random_state=seed,
        algorithm=algorithm,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    np.testing.assert_array_equal(est.predict(est.cluster_centers_), np.arange(k))


@FAST
@given(problem=problems(), algorithm=ALGORITHMS, weighted=st.booleans())
def test_inertia_never_increases_across_iterations(problem, algorithm, weighted):
    X, init = problem
    w = positive_weights(len(X), seed=1) if weighted else None
    inertias = [
        fit(X, init, w, max_iter=m, tol=0.0, algorithm=algorithm).inertia_
        for m in range(1, 8)
    ]
    final = fit(X, init, w, tol=0.0, algorithm=algorithm).inertia_
    inertias.append(final)
    slack = 1e-12 * inertias[0]
    assert all(b <= a + slack for a, b in zip(inertias, inertias[1:], strict=False)), (
        inertias
    )
    # and the inertia is the cost of the reported centers with the reported labels
    est = fit(X, init, w, max_iter=2, tol=0.0, algorithm=algorithm)
    d2 = ((X - est.cluster_centers_[est.labels_]) ** 2).sum(axis=1)
    expected = d2 @ (np.ones(len(X)) if w is None else w)
    assert_inertia_close(est.inertia_, expected, X, rtol=1e-9)


def _layouts(a):
    """Every layout holds the same float64 values as the 1-D or 2-D array ``a``."""
    wide = np.zeros(tuple(2 * n for n in a.shape))
    wide[(slice(None, None, 2),) * a.ndim] = a
    readonly = a.copy()
    readonly.setflags(write=False)
    return {
        "C": a.copy(),
        "F": np.asfortranarray(a),
        "strided": wide[(slice(None, None, 2),) * a.ndim],
        "reversed": a[::-1][::-1],
        "readonly": readonly,
        "list": a.tolist(),
    }


@FAST
@given(
    problem=problems(),
    layout=st.sampled_from(["C", "F", "strided", "reversed", "readonly", "list"]),
    algorithm=ALGORITHMS,
)
def test_layouts_give_identical_results(problem, layout, algorithm):
    X, init = problem
    w = positive_weights(len(X), seed=2)
    base = fit(X, init, w, algorithm=algorithm)
    Xl = _layouts(X)[layout]
    other = fit(Xl, _layouts(init)[layout], _layouts(w)[layout], algorithm=algorithm)
    assert_same_result(base, other)
    np.testing.assert_array_equal(base.predict(X), other.predict(Xl))
    np.testing.assert_array_equal(base.transform(X), other.transform(Xl))


@FAST
@given(
    problem=problems(),
    int_dtype=st.sampled_from([np.int64, np.int32, np.int16, np.uint8]),
    algorithm=ALGORITHMS,
)
def test_integer_input_equals_float64(problem, int_dtype, algorithm):
    X, _ = problem
    X_int = (np.abs(X) * 10).astype(int_dtype)
    rows = np.unique(X_int, axis=0, return_index=True)[1][: len(problem[1])]
    init = X_int[np.sort(rows)]
    as_int = fit(X_int, init, algorithm=algorithm)
    as_float = fit(
        X_int.astype(np.float64), init.astype(np.float64), algorithm=algorithm
    )
    assert as_int.cluster_centers_.dtype == np.float64
    assert_same_result(as_int, as_float)


@FAST
@given(
    problem=problems(),
    init=st.sampled_from(["k-means++", "random", "array"]),
    weighted=st.booleans(),
    algorithm=ALGORITHMS,
    seed=st.integers(0, 2**16),
)
def test_labels_equal_predict(problem, init, weighted, algorithm, seed):
    X, init_rows = problem
    w = positive_weights(len(X), seed=seed) if weighted else None
    est = KMeans(
        n_clusters=len(init_rows),
        init=init_rows if init == "array" else init,
        n_init=2 if init == "random" else 1,
        random_state=seed,
        algorithm=algorithm,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = est.fit_predict(X, sample_weight=w)
    np.testing.assert_array_equal(labels, est.labels_)
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    # each label is the nearest center (checked with direct differences)
    d2 = ((X[:, None, :] - est.cluster_centers_[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(est.labels_, d2.argmin(axis=1))


@FAST
@given(problem=problems(separated=True), algorithm=ALGORITHMS, weighted=st.booleans())
def test_float32_close_to_float64(problem, algorithm, weighted):
    X, init = problem
    w = positive_weights(len(X), seed=3) if weighted else None
    f64 = fit(X, init, w, algorithm=algorithm)
    f32 = fit(X.astype(np.float32), init.astype(np.float32), w, algorithm=algorithm)
    assert f32.cluster_centers_.dtype == np.float32
    np.testing.assert_array_equal(f32.labels_, f64.labels_)
    assert f32.n_iter_ == f64.n_iter_
    scale = np.abs(X).max()
    np.testing.assert_allclose(
        f32.cluster_centers_, f64.cluster_centers_, rtol=1e-4, atol=1e-5 * scale
    )
    # Rounding X and the centers to float32 moves each distance d = |x - c| by some
    # delta <= c * eps * max|X|, so the inertia sum(w * (d + delta)^2) by at most
    # 2 * delta * sqrt(W * inertia) (Cauchy-Schwarz) + W * delta^2; c = 10.
    delta = 10 * np.finfo(np.float32).eps * np.abs(X).max()
    w_total = len(X) if w is None else w.sum()
    atol = 2 * delta * np.sqrt(w_total * f64.inertia_) + w_total * delta**2
    np.testing.assert_allclose(f32.inertia_, f64.inertia_, rtol=1e-4, atol=atol)


@FAST
@given(problem=problems(), algorithm=ALGORITHMS)
def test_elkan_matches_lloyd(problem, algorithm):
    X, init = problem
    w = positive_weights(len(X), seed=5)
    lloyd = fit(X, init, w, algorithm="lloyd")
    other = fit(X, init, w, algorithm=algorithm)
    np.testing.assert_array_equal(lloyd.labels_, other.labels_)
    assert lloyd.n_iter_ == other.n_iter_
    np.testing.assert_allclose(
        lloyd.cluster_centers_, other.cluster_centers_, rtol=1e-9, atol=1e-12
    )
    assert_inertia_close(lloyd.inertia_, other.inertia_, X, rtol=1e-9)


def _frozen_copies(*arrays):
    return [np.array(a, copy=True) for a in arrays]


@FAST
@given(
    problem=problems(),
    dtype=st.sampled_from([np.float64, np.float32]),
    order=st.sampled_from(["C", "F"]),
    init=st.sampled_from(["k-means++", "random", "array"]),
    algorithm=ALGORITHMS,
)
def test_inputs_are_never_modified(problem, dtype, order, init, algorithm):
    X, init_rows = problem
    X = np.asarray(X, dtype=dtype, order=order)
    init_rows = init_rows.astype(dtype)
    w = positive_weights(len(X), seed=6)
    before = _frozen_copies(X, init_rows, w)
    k = len(init_rows)
    est = KMeans(
        n_clusters=k,
        init=init_rows if init == "array" else init,
        n_init=1,
        algorithm=algorithm,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, sample_weight=w)
        est.fit_predict(X, sample_weight=w)
        est.fit_transform(X, sample_weight=w)
        est.predict(X)
        est.transform(X)
        est.score(X, sample_weight=w)
        k_means(X, k, sample_weight=w, init=init_rows, n_init=1, algorithm=algorithm)
        kmeans_plusplus(X, k, sample_weight=w, random_state=0)
    for original, now in zip(before, [X, init_rows, w], strict=True):
        np.testing.assert_array_equal(now, original)
        assert now.dtype == original.dtype


@FAST
@given(problem=problems(), algorithm=ALGORITHMS)
def test_copy_x_false_restores_x(problem, algorithm):
    """copy_x=False may work in place but must hand X back (up to rounding)."""
    X, init = problem
    X = X + 100.0  # a mean far from zero makes the centring matter
    original = X.copy()
    est = KMeans(
        len(init), init=init + 100.0, n_init=1, copy_x=False, algorithm=algorithm
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    np.testing.assert_allclose(X, original, rtol=1e-12, atol=1e-12)
    reference = fit(original, init + 100.0, algorithm=algorithm)
    np.testing.assert_array_equal(est.labels_, reference.labels_)


# --------------------------------------------------------------------------------------
# k-means++ seeding


@FAST
@given(
    problem=problems(),
    dtype=st.sampled_from([np.float64, np.float32]),
    n_local_trials=st.sampled_from([None, 1, 3]),
    seed=st.integers(0, 2**16),
)
def test_kmeans_plusplus_centers_are_the_rows_at_indices(
    problem, dtype, n_local_trials, seed
):
    X, init = problem
    X = X.astype(dtype)
    k = len(init)
    centers, indices = kmeans_plusplus(
        X, k, random_state=seed, n_local_trials=n_local_trials
    )
    assert centers.shape == (k, X.shape[1])
    assert centers.dtype == dtype
    assert indices.shape == (k,)
    assert np.issubdtype(indices.dtype, np.integer)
    np.testing.assert_array_equal(centers, X[indices])
    assert len(np.unique(indices)) == k  # continuous data: all rows are distinct


@FAST
@given(problem=problems(max_samples=30), data=st.data(), seed=st.integers(0, 2**16))
def test_weighted_seeding_never_picks_zero_weight_rows(problem, data, seed):
    X, init = problem
    k = len(init)
    mask = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(X), max_size=len(X)))
    )
    hypothesis.assume(mask.sum() >= k)
    w = np.where(mask, positive_weights(len(X), seed=seed), 0.0)
    for trials in (None, 1):
        _, indices = kmeans_plusplus(
            X, k, sample_weight=w, random_state=seed, n_local_trials=trials
        )
        assert (w[indices] > 0).all(), (indices, w[indices])


@FAST
@given(problem=problems(), seed=st.integers(0, 2**16))
def test_seeding_is_reproducible_and_x_squared_norms_is_only_a_shortcut(problem, seed):
    X, init = problem
    k = len(init)
    c1, i1 = kmeans_plusplus(X, k, random_state=seed)
    c2, i2 = kmeans_plusplus(X, k, random_state=seed)
    c3, i3 = kmeans_plusplus(
        X, k, random_state=seed, x_squared_norms=(X**2).sum(axis=1)
    )
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_array_equal(i1, i3)
    np.testing.assert_array_equal(c1, c3)


# --------------------------------------------------------------------------------------
# Against the plain NumPy reference (an independent, readable implementation)


@FAST
@given(
    # With n_samples == n_clusters every cluster is one point, and whether a center
    # "moves" from x to (w * x) / w is a rounding accident that decides n_iter_ at
    # tol=0; one more sample than clusters rules that knife edge out.
    problem=problems(extra=1),
    weighted=st.booleans(),
    tol=st.sampled_from([0.0, 1e-4, 1e-2]),
    max_iter=st.integers(1, 30),
    algorithm=ALGORITHMS,
)
def test_estimator_matches_numpy_reference(problem, weighted, tol, max_iter, algorithm):
    reference = pytest.importorskip("kmeans_core.reference")
    X, init = problem
    w = positive_weights(len(X), seed=9) if weighted else None
    est = fit(X, init, w, tol=tol, max_iter=max_iter, algorithm=algorithm)
    # the estimator's tol is relative to the mean feature variance; the reference's
    # is absolute
    centers, labels, inertia, n_iter = reference.lloyd(
        X, init, sample_weight=w, max_iter=max_iter, tol=tol * np.var(X, axis=0).mean()
    )
    np.testing.assert_array_equal(est.labels_, labels)
    assert est.n_iter_ == n_iter
    np.testing.assert_allclose(est.cluster_centers_, centers, rtol=1e-9, atol=1e-9)
    assert_inertia_close(est.inertia_, inertia, X, rtol=1e-9)


@FAST
@given(
    problem=problems(),
    weighted=st.booleans(),
    n_local_trials=st.sampled_from([None, 1, 4]),
    seed=st.integers(0, 2**16),
)
def test_seeding_matches_numpy_reference(problem, weighted, n_local_trials, seed):
    """An integer seed picks the same rows in the kernels and in the reference.

    Up to ties: two candidates can leave the same total potential, up to the
    rounding of a sum that the kernels add in row order and NumPy in its own
    order, and then either pick is right.  (Hypothesis found one: candidates
    10 and 8 leaving 81.0535195240004 in NumPy's sum, and 81.0535195240004 and
    81.05351952400038 in row order.)  So the picks must agree up to the first
    step where they differ, and there the two picks must tie to rounding.
    """
    reference = pytest.importorskip("kmeans_core.reference")
    X, init = problem
    w = positive_weights(len(X), seed=seed) if weighted else None
    kw = dict(sample_weight=w, random_state=seed, n_local_trials=n_local_trials)
    centers, indices = kmeans_plusplus(X, len(init), **kw)
    ref_centers, ref_indices = reference.kmeans_plusplus(X, len(init), **kw)
    differ = np.flatnonzero(indices != ref_indices)
    agreed = len(indices) if differ.size == 0 else int(differ[0])
    np.testing.assert_array_equal(indices[:agreed], ref_indices[:agreed])
    np.testing.assert_array_equal(centers[:agreed], ref_centers[:agreed])
    if agreed < len(indices):
        assert agreed > 0, "the first center is one weighted draw: no tie possible"
        weights = np.ones(len(X)) if w is None else w.astype(np.float64)
        chosen = X[indices[:agreed]].astype(np.float64)
        closest = reference.squared_distances(X.astype(np.float64), chosen).min(1)

        def potential(row: int) -> float:
            to_row = ((X.astype(np.float64) - X[row]) ** 2).sum(axis=1)
            return float(np.minimum(closest, to_row) @ weights)

        ours, theirs = potential(indices[agreed]), potential(ref_indices[agreed])
        # A tie to rounding: a sum of n terms differs by a few n * eps between
        # orders; a wrong pick would differ by far more.
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
