"""Choosing the number of segments k: a sweep with five criteria and a vote.

For every k in the range the data are clustered with :class:`kmeans_core.KMeans`
and scored by

- **inertia** (within-cluster sum of squares), whose elbow Kneedle finds;
- **silhouette** (higher is better), on a seeded sample of
  :data:`SILHOUETTE_SAMPLE` rows when there are more (its cost is O(n^2));
- **Calinski-Harabasz** (higher is better) and **Davies-Bouldin** (lower is
  better), on all rows;
- the **gap statistic** (Tibshirani, Walther & Hastie 2001): ``Gap(k) =
  mean_b log W*_kb - log W_k`` against :data:`GAP_REFERENCES` uniform
  reference sets drawn in the data's bounding box, on a seeded sample of
  :data:`GAP_SAMPLE` rows when there are more.

Consensus rule
--------------
Each criterion votes for one k: the knee of the inertia curve, the largest
silhouette, the largest Calinski-Harabasz, the smallest Davies-Bouldin, and
the smallest k with ``Gap(k) >= Gap(k+1) - s(k+1)`` (the 1-SE rule, evaluated
from k = 1). The elbow abstains when Kneedle finds no clear knee, and the gap
abstains when its rule picks k = 1 or nothing in range. The k with the most
votes wins; ties go to the higher silhouette, then to the smaller k. The reason
is stated in words in :attr:`KSelection.reason`.

Restarts
--------
Each k is fitted with ``n_init`` k-means++ restarts: 10 up to
:data:`MANY_RESTARTS_MAX_N` rows, 3 up to :data:`FEW_RESTARTS_MAX_N`, and 1
beyond, where a single k-means++ run on that many points is stable and the
sweep must stay within minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from segmentation._progress import ProgressBar
from segmentation.knee import Knee, find_knee
from segmentation.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

__all__ = [
    "FEW_RESTARTS_MAX_N",
    "GAP_REFERENCES",
    "GAP_SAMPLE",
    "MANY_RESTARTS_MAX_N",
    "SILHOUETTE_SAMPLE",
    "KSelection",
    "default_n_init",
    "gap_statistic",
    "select_k",
]

SILHOUETTE_SAMPLE = 10_000
GAP_SAMPLE = 2_000
GAP_REFERENCES = 10
MANY_RESTARTS_MAX_N = 20_000
FEW_RESTARTS_MAX_N = 200_000

CRITERIA = ("elbow", "silhouette", "calinski_harabasz", "davies_bouldin", "gap")
_CRITERION_NAMES = {
    "elbow": "the elbow of the inertia curve",
    "silhouette": "the silhouette",
    "calinski_harabasz": "Calinski-Harabasz",
    "davies_bouldin": "Davies-Bouldin",
    "gap": "the gap statistic",
}


@dataclass(frozen=True)
class KSelection:
    """Evidence for the number of segments, one entry per k in :attr:`ks`.

    Attributes
    ----------
    ks : tuple of int
    inertia, silhouette, calinski_harabasz, davies_bouldin : numpy.ndarray
    gap, gap_se : numpy.ndarray
        Gap statistic and its standard error ``s_k = sd_k sqrt(1 + 1/B)``.
    gap_k1 : float
        Gap at k = 1 (no structure), used by the 1-SE rule.
    knee : Knee
        Kneedle on the inertia curve; ``knee.statement`` says "no clear
        elbow" explicitly when there is none.
    votes : dict of str to int or None
        The k each criterion picks (None: it abstains).
    k : int
        The chosen k.
    reason : str
        Why, in words.
    n_init : int
        Restarts per k.
    silhouette_sample, gap_sample : int or None
        Sample sizes when the metric was computed on a sample.
    seconds : float
        Wall time of the sweep.
    stability : numpy.ndarray or None
        Mean bootstrap stability of each k's segments, when measured (by the
        pipeline, after the sweep). It is evidence, not a vote: see
        :mod:`segmentation.stability`.
    """

    ks: tuple[int, ...]
    inertia: np.ndarray
    silhouette: np.ndarray
    calinski_harabasz: np.ndarray
    davies_bouldin: np.ndarray
    gap: np.ndarray
    gap_se: np.ndarray
    gap_k1: float
    knee: Knee
    votes: dict[str, int | None]
    k: int
    reason: str
    n_init: int
    silhouette_sample: int | None
    gap_sample: int | None
    seconds: float = field(default=0.0, compare=False)
    stability: np.ndarray | None = None

    @property
    def elbow_statement(self) -> str:
        """E.g. "clear elbow at k = 4" or "no clear elbow: ..."."""
        return self.knee.statement

    def table(self):
        """The per-k metrics as a DataFrame indexed by k."""
        import pandas as pd

        columns = {
            "inertia": self.inertia,
            "silhouette": self.silhouette,
            "calinski_harabasz": self.calinski_harabasz,
            "davies_bouldin": self.davies_bouldin,
            "gap": self.gap,
            "gap_se": self.gap_se,
        }
        if self.stability is not None:
            columns["stability"] = self.stability
        return pd.DataFrame(columns, index=pd.Index(self.ks, name="k"))

    def to_dict(self) -> dict:
        """JSON-ready summary (the ``k_selection`` object of summary.json)."""

        def floats(a):
            return [None if not np.isfinite(v) else float(v) for v in a]

        return {
            "k": self.k,
            "reason": self.reason,
            "elbow": self.knee.statement,
            "knee_k": None if self.knee.x is None else int(self.knee.x),
            "votes": dict(self.votes),
            "k_range": [self.ks[0], self.ks[-1]],
            "n_init": self.n_init,
            "silhouette_sample": self.silhouette_sample,
            "gap_sample": self.gap_sample,
            "gap_references": GAP_REFERENCES,
            "per_k": {
                "k": list(self.ks),
                "inertia": floats(self.inertia),
                "silhouette": floats(self.silhouette),
                "calinski_harabasz": floats(self.calinski_harabasz),
                "davies_bouldin": floats(self.davies_bouldin),
                "gap": floats(self.gap),
                "gap_se": floats(self.gap_se),
                "stability": None if self.stability is None else floats(self.stability),
            },
        }


def default_n_init(n: int) -> int:
    """Restarts per k for ``n`` rows: 10, 3 or 1 (see the module docstring)."""
    if n <= MANY_RESTARTS_MAX_N:
        return 10
    if n <= FEW_RESTARTS_MAX_N:
        return 3
    return 1


def new_kmeans(k: int, n_init: int, seed: int | None):
    """An unfitted :class:`kmeans_core.KMeans` with the layer's settings."""
    # Imported here so that loading and profiling never pay the JIT start-up.
    from kmeans_core import KMeans

    return KMeans(n_clusters=k, n_init=n_init, random_state=seed)


def _sample(n: int, size: int, rng: np.random.Generator) -> np.ndarray | None:
    if n <= size:
        return None
    return np.sort(rng.choice(n, size=size, replace=False))


def _inertia(X: np.ndarray, k: int, n_init: int, seed: int) -> float:
    if k == 1:
        return float(np.sum((X - X.mean(axis=0)) ** 2))
    return float(new_kmeans(k, n_init, seed).fit(X).inertia_)


def gap_statistic(
    X: np.ndarray,
    ks: Sequence[int],
    *,
    n_refs: int = GAP_REFERENCES,
    n_init: int = 3,
    random_state: int | None = 0,
    observed: Sequence[float] | None = None,
    on_k: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gap statistic with uniform references in the bounding box.

    Parameters
    ----------
    X : array of shape (n, d)
    ks : sequence of int
        k values (1 allowed: W_1 is the total sum of squares).
    n_refs : int, default 10
        Reference data sets B.
    n_init : int, default 3
        Restarts per fit.
    random_state : int, optional
    observed : sequence of float, optional
        ``W_k`` of ``X`` already computed by the caller (same order as ks).
    on_k : callable, optional
        Called with each k once done (for progress).

    Returns
    -------
    gap, se : numpy.ndarray
        ``Gap(k)`` and ``s_k = sd(log W*_k) * sqrt(1 + 1/B)``.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    rng = np.random.default_rng(random_state)
    lo, hi = X.min(axis=0), X.max(axis=0)
    refs = [rng.uniform(lo, hi, size=X.shape) for _ in range(n_refs)]
    seeds = rng.integers(0, 2**31 - 1, size=(len(ks), n_refs + 1))
    gap = np.empty(len(ks))
    se = np.empty(len(ks))
    for i, k in enumerate(ks):
        if observed is not None:
            w = observed[i]
        else:
            w = _inertia(X, k, n_init, int(seeds[i, 0]))
        log_ref = np.log(
            [_inertia(R, k, n_init, int(seeds[i, b + 1])) for b, R in enumerate(refs)]
        )
        gap[i] = log_ref.mean() - np.log(max(w, np.finfo(float).tiny))
        se[i] = log_ref.std() * np.sqrt(1.0 + 1.0 / n_refs)
        if on_k is not None:
            on_k(k)
    return gap, se


def _gap_choice(ks: Sequence[int], gap: np.ndarray, se: np.ndarray) -> int | None:
    """Tibshirani's 1-SE rule: smallest k with Gap(k) >= Gap(k+1) - s(k+1)."""
    for i in range(len(ks) - 1):
        if ks[i + 1] == ks[i] + 1 and gap[i] >= gap[i + 1] - se[i + 1]:
            return int(ks[i])
    return None


def sweep(
    X: np.ndarray,
    k_range: tuple[int, int] = (2, 10),
    *,
    n_init: int | None = None,
    random_state: int | None = 0,
    progress: bool = False,
) -> tuple[KSelection, dict[int, object]]:
    """Run the sweep; return the evidence and the fitted model of every k.

    :func:`select_k` returns the evidence only; the pipeline calls this to
    reuse the chosen k's fit instead of fitting it again.
    """
    start = time.perf_counter()
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    k_min, k_max = int(k_range[0]), int(k_range[1])
    if k_min < 2 or k_max < k_min:
        raise ValueError(
            f"k range must satisfy 2 <= MIN <= MAX, got {k_min}..{k_max}; "
            "e.g. --k-range 2 10"
        )
    if k_max >= n:
        raise ValueError(
            f"k range {k_min}..{k_max} needs more than {k_max} rows, but the data "
            f"has {n}; lower the k range"
        )
    ks = tuple(range(k_min, k_max + 1))
    if n_init is None:
        n_init = default_n_init(n)
    rng = np.random.default_rng(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=len(ks))
    sil_idx = _sample(n, SILHOUETTE_SAMPLE, rng)
    gap_idx = _sample(n, GAP_SAMPLE, rng)
    gap_seed = int(rng.integers(0, 2**31 - 1))

    models: dict[int, object] = {}
    inertia, sil, ch, db = (np.full(len(ks), np.nan) for _ in range(4))
    # Each k costs one full fit plus the gap references: count both halves.
    with ProgressBar(2 * len(ks), "choosing k", enabled=progress) as bar:
        for i, k in enumerate(ks):
            model = new_kmeans(k, n_init, int(seeds[i])).fit(X)
            models[k] = model
            labels = np.asarray(model.labels_)
            inertia[i] = model.inertia_
            if len(np.unique(labels)) >= 2:
                xs, ls = (
                    (X, labels) if sil_idx is None else (X[sil_idx], labels[sil_idx])
                )
                if len(np.unique(ls)) >= 2:
                    sil[i] = silhouette_score(xs, ls)
                ch[i] = calinski_harabasz_score(X, labels)
                db[i] = davies_bouldin_score(X, labels)
            bar.update(1, f"k={k}")
        # W_k of the gap sample: the full-data fit when there is no sample.
        Xg = X if gap_idx is None else X[gap_idx]
        observed = None
        if gap_idx is None:
            observed = [_inertia(X, 1, 1, 0), *inertia]
        gap_all, se_all = gap_statistic(
            Xg,
            (1,) + ks,
            n_init=min(n_init, 3),
            random_state=gap_seed,
            observed=observed,
            on_k=lambda k: bar.update(1 if k > 1 else 0, f"gap k={k}"),
        )
    gap_k1, gap, gap_se = float(gap_all[0]), gap_all[1:], se_all[1:]

    knee = find_knee(ks, inertia, curve="convex", direction="decreasing", label="k")
    gap_pick = _gap_choice((1,) + ks, gap_all, se_all)
    votes: dict[str, int | None] = {
        "elbow": None if knee.x is None else int(knee.x),
        "silhouette": _arg(ks, sil, max),
        "calinski_harabasz": _arg(ks, ch, max),
        "davies_bouldin": _arg(ks, db, min),
        "gap": gap_pick if gap_pick is not None and gap_pick >= k_min else None,
    }
    k, reason = _consensus(ks, votes, sil, knee, gap_pick)
    selection = KSelection(
        ks=ks,
        inertia=inertia,
        silhouette=sil,
        calinski_harabasz=ch,
        davies_bouldin=db,
        gap=gap,
        gap_se=gap_se,
        gap_k1=gap_k1,
        knee=knee,
        votes=votes,
        k=k,
        reason=reason,
        n_init=n_init,
        silhouette_sample=None if sil_idx is None else len(sil_idx),
        gap_sample=None if gap_idx is None else len(gap_idx),
        seconds=time.perf_counter() - start,
    )
    return selection, models


def _arg(ks: Sequence[int], values: np.ndarray, pick) -> int | None:
    ok = np.isfinite(values)
    if not ok.any():
        return None
    best = pick(values[ok])
    return int(np.asarray(ks)[ok][np.flatnonzero(values[ok] == best)[0]])


def _consensus(
    ks: Sequence[int],
    votes: dict[str, int | None],
    sil: np.ndarray,
    knee: Knee,
    gap_pick: int | None,
) -> tuple[int, str]:
    """Most votes; ties by higher silhouette, then smaller k. Explain in words."""
    counts: dict[int, list[str]] = {}
    for name, k in votes.items():
        if k is not None:
            counts.setdefault(k, []).append(name)
    sil_of = {k: (sil[i] if np.isfinite(sil[i]) else -np.inf) for i, k in enumerate(ks)}
    if not counts:
        k = int(ks[int(np.nanargmax(sil))]) if np.isfinite(sil).any() else int(ks[0])
        return (
            k,
            f"k = {k}: no criterion gave a clear answer; the best silhouette decides",
        )
    best = max(len(v) for v in counts.values())
    tied = sorted(
        (k for k, v in counts.items() if len(v) == best), key=lambda k: (-sil_of[k], k)
    )
    k = tied[0]
    n_voting = sum(v is not None for v in votes.values())
    backers = ", ".join(_CRITERION_NAMES[c] for c in counts[k])
    parts = [f"k = {k}: chosen by {len(counts[k])} of {n_voting} criteria ({backers})"]
    if len(tied) > 1:
        others = ", ".join(str(t) for t in tied[1:])
        parts.append(f"tied with k = {others} and preferred for its higher silhouette")
    dissent = [
        f"{_CRITERION_NAMES[c]} prefers {v}"
        for c, v in votes.items()
        if v is not None and v != k
    ]
    if dissent:
        parts.append("; ".join(dissent))
    if knee.x is None:
        parts.append(knee.statement)
    if gap_pick == 1:
        parts.append("the gap statistic finds no cluster structure beyond k = 1")
    elif votes["gap"] is None:
        parts.append("the gap statistic keeps rising across the range (no 1-SE choice)")
    return k, "; ".join(parts) + "."


def select_k(
    X: np.ndarray,
    k_range: tuple[int, int] = (2, 10),
    *,
    n_init: int | None = None,
    random_state: int | None = 0,
    progress: bool = False,
) -> KSelection:
    """Sweep k and pick one by the consensus rule (see the module docstring).

    Parameters
    ----------
    X : array of shape (n, d)
        Data as clustered (already scaled).
    k_range : (int, int), default (2, 10)
        Inclusive range of k to try.
    n_init : int, optional
        Restarts per k; by default from :func:`default_n_init`.
    random_state : int, optional
        Seed for fits, samples and gap references.
    progress : bool, default False
        Draw a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    KSelection
    """
    return sweep(
        X, k_range, n_init=n_init, random_state=random_state, progress=progress
    )[0]
