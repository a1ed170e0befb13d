"""How far to trust each segment: bootstrap stability (Hennig's clusterboot).

For each of ``B`` resamples the customers are drawn with replacement, k-means
is refitted with the same k, and every original segment is matched to the
resample cluster it overlaps most. The overlap is the Jaccard coefficient
``|S ∩ C| / |S ∪ C|``, computed over the customers present in the resample
(each counted once, however often it was drawn). A segment's stability is the
mean of its best Jaccard over the resamples (Hennig, 2007, "Cluster-wise
assessment of cluster stability", Comput. Stat. Data Anal. 52, 258-271).

Bands (Hennig's reading of the value):

- below 0.6: *dissolved*, the segment does not come back when the data are
  resampled;
- 0.6 to 0.75: *doubtful*, a pattern but not a reliable one;
- 0.75 and above: *stable*; 0.85 and above: *highly stable*.

A resample is refitted as distinct customers weighted by how often they were
drawn, which is the same k-means problem as the repeated rows and cheaper.
Tables with more than :data:`STABILITY_MAX_ROWS` rows are first reduced to a
seeded subsample of that size, so that B refits stay affordable; the result
says how big the subsample was. The matching itself is a k x k contingency
table per resample, so it stays in NumPy: the refits are the whole cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BANDS",
    "STABILITY_MAX_ROWS",
    "STABLE",
    "Stability",
    "band_ranges",
    "best_jaccard",
    "bootstrap_stability",
    "stability_band",
]

# (lower bound, name, meaning), from the highest band down.
BANDS: tuple[tuple[float, str, str], ...] = (
    (0.85, "highly stable", "the segment reappears almost unchanged"),
    (0.75, "stable", "the segment reappears in most resamples"),
    (0.6, "doubtful", "a pattern, but not a reliable one"),
    (0.0, "dissolved", "the segment does not come back when the data change"),
)
# Below this a segment earns a warning: treat its persona with caution.
STABLE = 0.75
# Rows refitted per resample at most: the gap statistic's sample size too.
# Each refit keeps the run's own restarts (fewer restarts land in worse local
# optima and understate stability: on Mall k = 6, 3 instead of 10 restarts
# gave 0.81-0.98 instead of 0.88-0.99), so the table is what gets smaller.
# The result is then the stability of a 2,000-customer table: conservative
# for a larger one, since k-means grows more stable with more data.
STABILITY_MAX_ROWS = 2_000


def band_ranges() -> list[tuple[str, str, str]]:
    """``(range, name, meaning)`` of each band, highest first ("0.75–0.85")."""
    out = []
    for i, (low, name, meaning) in enumerate(BANDS):
        if i == 0:
            span = f"≥ {low}"
        elif low == 0:
            span = f"< {BANDS[i - 1][0]}"
        else:
            span = f"{low}–{BANDS[i - 1][0]}"
        out.append((span, name, meaning))
    return out


def stability_band(value: float) -> str:
    """The band of a stability value: "highly stable", ..., "dissolved".

    NaN (a segment that never appeared in a resample) is "dissolved".
    """
    if not np.isfinite(value):
        return BANDS[-1][1]
    return next(name for low, name, _ in BANDS if value >= low)


@dataclass(frozen=True)
class Stability:
    """Bootstrap stability of each segment.

    Attributes
    ----------
    per_segment : numpy.ndarray of shape (k,)
        Mean best-match Jaccard of each segment over the resamples, in [0, 1]
        (NaN where the segment had no customer in any resample).
    jaccard : numpy.ndarray of shape (resamples, k)
        The best-match Jaccard of each segment in each resample (NaN where it
        had no customer in that resample).
    resamples : int
        Number of bootstrap resamples B.
    n_rows : int
        Rows of the table.
    sample_size : int or None
        Rows of the seeded subsample that was resampled, or None when every
        row was used.
    n_init : int
        k-means++ restarts per refit.
    """

    per_segment: np.ndarray
    jaccard: np.ndarray = field(repr=False)
    resamples: int
    n_rows: int
    sample_size: int | None
    n_init: int

    @property
    def mean(self) -> float:
        """Mean stability over the segments (NaN-free segments only)."""
        ok = np.isfinite(self.per_segment)
        return float(self.per_segment[ok].mean()) if ok.any() else float("nan")

    def bands(self) -> list[str]:
        """The band of every segment, in segment order."""
        return [stability_band(v) for v in self.per_segment]

    def how(self) -> str:
        """One sentence on how it was measured, for reports."""
        rows = (
            f"a seeded subsample of {self.sample_size:,} of {self.n_rows:,} customers"
            if self.sample_size
            else f"all {self.n_rows:,} customers"
        )
        return (
            f"bootstrap stability: {self.resamples} resamples of {rows}, each "
            f"refitted with {self.n_init} k-means++ restarts; a segment's value is "
            "the mean Jaccard overlap with its best-matching resample cluster"
        )

    def to_dict(self) -> dict:
        """JSON-ready: the settings (per-segment values go with each segment)."""
        return {
            "resamples": self.resamples,
            "sample_size": self.sample_size,
            "n_init": self.n_init,
            "mean": _float_or_none(self.mean),
            "bands": {name: low for low, name, _ in BANDS},
        }


def _float_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def best_jaccard(
    segments: np.ndarray, clusters: np.ndarray, k_segments: int, k_clusters: int
) -> np.ndarray:
    """Each segment's Jaccard with the cluster it overlaps most.

    Parameters
    ----------
    segments : array of int, shape (m,)
        Original segment (``0..k_segments-1``) of each customer of a resample.
    clusters : array of int, shape (m,)
        Cluster (``0..k_clusters-1``) of the same customers in the refit.
    k_segments, k_clusters : int

    Returns
    -------
    numpy.ndarray of shape (k_segments,)
        ``max_c |S ∩ C| / |S ∪ C|``; NaN for a segment with no customer here.
    """
    segments = np.asarray(segments, dtype=np.int64)
    clusters = np.asarray(clusters, dtype=np.int64)
    if segments.shape != clusters.shape or segments.ndim != 1:
        raise ValueError(
            "segments and clusters must be 1-D and of the same length, got "
            f"shapes {segments.shape} and {clusters.shape}"
        )
    # The contingency table is k x k: tiny, so NumPy is as fast as a kernel.
    both = np.bincount(
        segments * k_clusters + clusters, minlength=k_segments * k_clusters
    ).reshape(k_segments, k_clusters)
    seg_size = both.sum(axis=1)
    union = seg_size[:, None] + both.sum(axis=0)[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, both / np.maximum(union, 1), 0.0)
    best = jac.max(axis=1) if k_clusters else np.zeros(k_segments)
    return np.where(seg_size > 0, best, np.nan)


def bootstrap_stability(
    X: np.ndarray,
    labels: np.ndarray,
    k: int | None = None,
    *,
    resamples: int = 20,
    n_init: int = 10,
    random_state: int | Sequence[int] | None = 0,
    max_rows: int = STABILITY_MAX_ROWS,
) -> Stability:
    """Bootstrap stability of each segment of a k-means clustering.

    Parameters
    ----------
    X : array of shape (n, d)
        The data as clustered (scaled). Not modified.
    labels : array of int, shape (n,)
        Segment ``0..k-1`` of every row.
    k : int, optional
        Number of segments; default ``labels.max() + 1``.
    resamples : int, default 20
        Bootstrap resamples B (at least 1).
    n_init : int, default 10
        k-means++ restarts per refit (use the run's own).
    random_state : int or sequence of int, optional
        Seed of the subsample, the resamples and the refits.
    max_rows : int, default STABILITY_MAX_ROWS
        Larger tables are reduced to a seeded subsample of this many rows.

    Returns
    -------
    Stability

    Raises
    ------
    ValueError
        For labels that do not match X, or resamples, n_init or max_rows < 1.
    """
    from segmentation.selection import new_kmeans

    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    if X.ndim != 2 or labels.shape != (X.shape[0],):
        raise ValueError(
            f"labels must have one entry per row of X, got X of shape {X.shape} "
            f"and labels of shape {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or (
        len(labels) and labels.min() < 0
    ):
        raise ValueError("labels must be non-negative integers (segment numbers)")
    for name, value in (("resamples", resamples), ("n_init", n_init),
                        ("max_rows", max_rows)):  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    k = int(labels.max()) + 1 if k is None else int(k)
    n = X.shape[0]
    rng = np.random.default_rng(random_state)
    sample_size = None
    if n > max_rows:
        keep = np.sort(rng.choice(n, size=max_rows, replace=False))
        X, labels, sample_size = X[keep], labels[keep], int(max_rows)
    m = X.shape[0]
    seeds = rng.integers(0, 2**31 - 1, size=resamples)
    jaccard = np.empty((resamples, k))
    for b in range(resamples):
        counts = np.bincount(rng.integers(0, m, size=m), minlength=m)
        drawn = np.flatnonzero(counts)
        if len(drawn) <= k:
            # Too few distinct customers to refit k clusters: nothing learnt.
            jaccard[b] = np.nan
            continue
        fit = new_kmeans(k, n_init, int(seeds[b])).fit(
            X[drawn], sample_weight=counts[drawn].astype(np.float64)
        )
        jaccard[b] = best_jaccard(labels[drawn], np.asarray(fit.labels_), k, k)
    with np.errstate(invalid="ignore"):
        seen = np.isfinite(jaccard).sum(axis=0)
        per_segment = np.where(
            seen > 0, np.nansum(jaccard, axis=0) / np.maximum(seen, 1), np.nan
        )
    return Stability(
        per_segment=per_segment,
        jaccard=jaccard,
        resamples=int(resamples),
        n_rows=int(n),
        sample_size=sample_size,
        n_init=int(n_init),
    )
