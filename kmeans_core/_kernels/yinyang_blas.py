"""Yinyang k-means on Lloyd's BLAS shapes: bounds from dot products.

The driver (``drivers.yinyang.YinyangSteps``) may score every row against every
center through BLAS (``yinyang_bounds_from_dots``: the first pass, and passes
where most rows are in doubt), or only the rows in doubt, gathered first
(``gather_rows``, then ``yinyang_bounds_for_rows``).  Each turns the dot
products into Lloyd's labels (near-ties re-checked directly, as in
``lloyd.nearest_from_dots``) and fresh bounds: the upper bound from a direct
distance, each group's lower bound from its best or runner-up score, widened by
the expanded form's error bound.  The direct passes are in ``yinyang``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._config import CACHE, FASTMATH
from .distances import keep_two_smallest, squared_distances_to_labels
from .lloyd import accumulate_slab, fold_four_scores, settle_near_ties


@njit(inline="always", fastmath=FASTMATH)
def best_two_scores_by_group(dots_t, half_center_norms, group_ptr, group_members):
    """``lloyd.best_two_scores``, plus each group's best and runner-up.

    One pass over the scores, group by group: within a group the members go in
    increasing index order, four per pass over the rows (the last ones one at a
    time), as ``best_two_scores`` does; the groups' results are then folded in
    group order, a group's best taking the overall best only when strictly
    smaller or equal with a lower index.  So the overall best, runner-up and
    label are exactly ``best_two_scores``'s (the smallest score with its lowest
    index, and the second smallest value), with each score computed by the
    same expression.

    Returns ``(best, second, best_label, group_best, group_second,
    group_label)``; the first three (rows,), the others (t, rows).
    """
    n_rows = dots_t.shape[1]
    n_groups = group_ptr.shape[0] - 1
    group_best = np.full((n_groups, n_rows), np.inf, dtype=dots_t.dtype)
    group_second = np.full((n_groups, n_rows), np.inf, dtype=dots_t.dtype)
    group_label = np.zeros((n_groups, n_rows), dtype=np.int32)
    for g in range(n_groups):
        top_g, runner_up_g, label_g = group_best[g], group_second[g], group_label[g]
        first, stop = group_ptr[g], group_ptr[g + 1]
        n_fours = first + (stop - first) // 4 * 4
        for p in range(first, n_fours, 4):
            fold_four_scores(
                dots_t,
                half_center_norms,
                group_members[p],
                group_members[p + 1],
                group_members[p + 2],
                group_members[p + 3],
                top_g,
                runner_up_g,
                label_g,
            )
        for p in range(n_fours, stop):
            j = group_members[p]
            scores = half_center_norms[j] - dots_t[j]
            keep_two_smallest(scores, n_rows, j, top_g, label_g, runner_up_g)
    best = group_best[0].copy()
    second = group_second[0].copy()
    best_label = group_label[0].copy()
    for g in range(1, n_groups):
        top_g, label_g = group_best[g], group_label[g]
        runner_up_g = group_second[g]
        for r in range(n_rows):
            top = top_g[r]
            if top < best[r] or (top == best[r] and label_g[r] < best_label[r]):
                second[r] = min(best[r], runner_up_g[r])
                best[r] = top
                best_label[r] = label_g[r]
            else:
                second[r] = min(second[r], top)
    return best, second, best_label, group_best, group_second, group_label


@njit(inline="always", fastmath=FASTMATH)
def labels_and_bounds_from_dots(
    X,
    first,
    centers,
    dots_t,
    half_center_norms,
    tie_margin,
    row_radius,
    group_ptr,
    group_members,
    targets,
    upper,
    lower,
):
    """Exact labels and fresh bounds for rows ``X[first:first + n_rows]``.

    The labels are Lloyd's (``best_two_scores_by_group`` gives
    ``best_two_scores``'s results, then ``settle_near_ties`` re-checks
    near-ties with direct differences); the upper bound is the direct distance
    to the label.  A group's bound comes from its best score other than the
    label (its runner-up if the label is its best, else its best), lowered by
    three times the score's error bound: twice covers the errors of the
    expanded form (the score and the row's distance from m), and the third the
    rounding of the direct distance it must stay below.  Row ``first + r``'s
    bounds go to ``upper[targets[r]]`` and ``lower[targets[r]]``.

    IN X, first, centers, dots_t, half_center_norms, tie_margin,
    row_radius (see ``lloyd.nearest_from_dots``; ``row_radius`` is indexed
    like X), group_ptr (t + 1,) and group_members (k,) (as in
    ``yinyang_search_accumulate``), targets (n_rows,); OUT upper, lower (the
    target rows).  Returns the labels (n_rows,) int32.
    """
    n_rows = dots_t.shape[1]
    n_groups = lower.shape[1]
    best, second, best_label, group_best, group_second, group_label = (
        best_two_scores_by_group(dots_t, half_center_norms, group_ptr, group_members)
    )
    error_bound = settle_near_ties(
        X,
        centers,
        dots_t,
        half_center_norms,
        tie_margin,
        row_radius,
        first,
        best,
        second,
        best_label,
    )
    # Upper bounds: the direct distances to the labels.
    dist = np.empty(n_rows, dtype=X.dtype)
    rows = X[first : first + n_rows]
    squared_distances_to_labels(
        rows, np.arange(n_rows), 0, n_rows, centers, best_label, dist
    )
    for r in range(n_rows):
        upper[targets[r]] = np.sqrt(dist[r])
    for r in range(n_rows):
        i = targets[r]
        label = best_label[r]
        radius_sq = row_radius[first + r] * row_radius[first + r]
        slack = 3.0 * error_bound[r]
        for g in range(n_groups):
            # The group's best score other than the label.
            if group_label[g, r] == label:
                score = group_second[g, r]
            else:
                score = group_best[g, r]
            bound_sq = radius_sq + 2.0 * np.float64(score) - slack
            lower[i, g] = np.sqrt(bound_sq) if bound_sq > 0.0 else 0.0
    return best_label


@njit(nogil=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_bounds_from_dots(
    X,
    sample_weight,
    centers,
    dots_t,
    half_center_norms,
    tie_margin,
    row_radius,
    slab_start,
    group_ptr,
    group_members,
    block_starts,
    first_block,
    last_block,
    labels,
    upper,
    lower,
    previous_labels,
    partial_sums,
    partial_weights,
    accumulate,
):
    """A full Yinyang pass for one GEMM slab: exact labels and fresh bounds.

    Used for the first assignment and whenever most rows are in doubt: BLAS
    computes every distance at a fraction of the cost of the direct searches.
    See ``labels_and_bounds_from_dots`` for the labels and bounds.

    IN X, sample_weight, centers, dots_t, half_center_norms,
    tie_margin, row_radius, slab_start (see ``lloyd.nearest_from_dots``),
    group_ptr, group_members, block_starts, first_block, last_block,
    previous_labels (see
    ``lloyd.accumulate_slab``), accumulate; OUT labels, upper, lower; INOUT
    partial_sums, partial_weights (only the slab's rows and blocks).
    """
    n_rows = dots_t.shape[1]
    best_label = labels_and_bounds_from_dots(
        X,
        slab_start,
        centers,
        dots_t,
        half_center_norms,
        tie_margin,
        row_radius,
        group_ptr,
        group_members,
        np.arange(slab_start, slab_start + n_rows),
        upper,
        lower,
    )
    accumulate_slab(
        X,
        sample_weight,
        best_label,
        slab_start,
        block_starts,
        first_block,
        last_block,
        labels,
        previous_labels,
        partial_sums,
        partial_weights,
        accumulate,
    )


@njit(nogil=True, cache=CACHE)
def gather_rows(X, rows, row_radius, out, out_radius):
    """Copy the listed rows of X, and their distances from m, in list order.

    IN X (n, d), rows (m,) int64, row_radius (n,); OUT out (m, d),
    out_radius (m,).
    """
    for r in range(rows.shape[0]):
        i = rows[r]
        for f in range(X.shape[1]):
            out[r, f] = X[i, f]
        out_radius[r] = row_radius[i]


@njit(nogil=True, fastmath=FASTMATH, cache=CACHE)
def yinyang_bounds_for_rows(
    rows_X,
    centers,
    dots_t,
    half_center_norms,
    tie_margin,
    rows_radius,
    group_ptr,
    group_members,
    rows,
    labels,
    upper,
    lower,
):
    """Exact labels and fresh bounds for some rows, gathered, from BLAS's dots.

    The rows in doubt after ``yinyang_filter``, when the group searches would
    cost more than scoring those rows against every center through BLAS.
    Each row gets what a full pass would give it (``yinyang_bounds_from_dots``);
    the caller accumulates afterwards.

    IN rows_X (m, d) (``gather_rows``), centers, dots_t (k, m)
    (``(centers - m) @ (rows_X - m).T``), half_center_norms, tie_margin,
    rows_radius (m,), group_ptr, group_members, rows (m,) (the rows' indices
    in X); OUT
    labels, upper, lower (the listed rows only).
    """
    best_label = labels_and_bounds_from_dots(
        rows_X,
        0,
        centers,
        dots_t,
        half_center_norms,
        tie_margin,
        rows_radius,
        group_ptr,
        group_members,
        rows,
        upper,
        lower,
    )
    for r in range(rows.shape[0]):
        labels[rows[r]] = best_label[r]
