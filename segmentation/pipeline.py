"""The segmentation pipeline: load -> scale -> choose k -> fit -> stability -> name.

:func:`segment` runs every step and returns a :class:`SegmentationResult`;
:mod:`segmentation.report` writes it out and :mod:`segmentation.model` saves
what is needed to assign new customers to its segments.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.errors import StabilityWarning
from segmentation.io import DataError, load_customers
from segmentation.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from segmentation.personas import Persona, derive_personas
from segmentation.profiles import SegmentProfiles, profile_segments
from segmentation.scaling import SCALE_METHODS, Scaler, fit_scaler
from segmentation.selection import (
    SILHOUETTE_SAMPLE,
    KSelection,
    default_n_init,
    new_kmeans,
    sweep,
)
from segmentation.stability import (
    STABLE,
    Stability,
    bootstrap_stability,
    stability_band,
)

__all__ = ["SegmentationResult", "segment"]


@dataclass(frozen=True)
class SegmentationResult:
    """Everything a segmentation run produced.

    Segments are numbered ``0..k-1`` from the largest to the smallest (ties by
    centroid), so numbering does not depend on the clustering's internal order.

    Attributes
    ----------
    data : pandas.DataFrame
        The customers used (after ``drop_missing``), every input column.
    features : tuple of str
        The clustering features.
    id_column : str or None
    categorical : tuple of str
        Categorical columns profiled per segment (e.g. gender).
    scale : str
        ``"standard"``, ``"minmax"`` or ``"none"``.
    scaler : Scaler
        Maps original units to the clustered space and back.
    k : int
    labels : numpy.ndarray of shape (n,)
        Segment of every row of :attr:`data`.
    centers : pandas.DataFrame
        Segment x feature centroids in original units.
    centers_scaled : numpy.ndarray of shape (k, d)
        Centroids in the clustered space.
    X_scaled : numpy.ndarray of shape (n, d)
        The data as clustered.
    profiles : SegmentProfiles
    personas : tuple of Persona
        One per segment, in segment order.
    selection : KSelection or None
        The k sweep; None when k was given.
    metrics : dict
        ``inertia`` (clustered space), ``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``, ``n_iter``, ``converged``, ``n_init`` and
        ``silhouette_sample`` (None when all rows were scored).
    random_state : int or None
    n_dropped : int
        Rows dropped for missing values.
    warnings : tuple of str
        Data-quality notes, and a note for every segment whose bootstrap
        stability is below 0.75.
    source : str
        Where the data came from.
    timings : dict of str to float
        Seconds spent loading, choosing k, fitting, measuring stability and
        profiling.
    stability : Stability or None
        Bootstrap stability of each segment (in segment order); None when
        ``stability_resamples=0``.
    """

    data: pd.DataFrame
    features: tuple[str, ...]
    id_column: str | None
    categorical: tuple[str, ...]
    scale: str
    scaler: Scaler
    k: int
    labels: np.ndarray
    centers: pd.DataFrame
    centers_scaled: np.ndarray
    X_scaled: np.ndarray
    profiles: SegmentProfiles
    personas: tuple[Persona, ...]
    selection: KSelection | None
    metrics: dict
    random_state: int | None
    n_dropped: int
    warnings: tuple[str, ...]
    source: str
    timings: dict = field(default_factory=dict, compare=False)
    stability: Stability | None = None

    @property
    def persona_names(self) -> list[str]:
        """Persona name of each segment, in segment order."""
        return [p.name for p in self.personas]

    def segments_frame(self) -> pd.DataFrame:
        """The input rows with ``segment`` and ``persona`` columns added."""
        out = self.data.copy()
        names = np.array(self.persona_names, dtype=object)
        out["segment"] = self.labels
        out["persona"] = names[self.labels]
        return out

    def summary(self) -> dict:
        """The JSON-ready summary written to ``summary.json``."""
        if self.selection is not None:
            k_sel = self.selection.to_dict()
        else:
            k_sel = {"k": self.k, "reason": f"k = {self.k} was given; no sweep was run"}
        segments = []
        for p in self.personas:
            s = p.segment
            segments.append(
                {
                    "segment": int(s),
                    "size": int(self.profiles.size[s]),
                    "share": float(self.profiles.share[s]),
                    "centroid": {
                        f: float(self.centers.loc[s, f]) for f in self.features
                    },
                    "persona": p.to_dict(),
                    "stability": self.segment_stability(s),
                }
            )
        return {
            "n_customers": int(len(self.data)),
            "features": list(self.features),
            "scale": self.scale,
            "k": int(self.k),
            "k_selection": k_sel,
            "segments": segments,
            "metrics": {
                key: (float(v) if isinstance(v, (float, np.floating)) else v)
                for key, v in self.metrics.items()
            },
            "source": self.source,
            "n_dropped": int(self.n_dropped),
            "warnings": list(self.warnings),
            "random_state": self.random_state,
            "stability": None if self.stability is None else self.stability.to_dict(),
        }

    def segment_stability(self, s: int) -> float | None:
        """Bootstrap stability of segment ``s`` in [0, 1]; None when not measured."""
        if self.stability is None or not np.isfinite(self.stability.per_segment[s]):
            return None
        return float(self.stability.per_segment[s])


def _relabel(
    labels: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renumber clusters by size (largest first), ties by centroid coordinates.

    Returns the new labels, the reordered centers and ``order``: new segment
    ``s`` is the clustering's cluster ``order[s]``.
    """
    k = centers.shape[0]
    sizes = np.bincount(labels, minlength=k)
    keys = [tuple(centers[:, j]) for j in range(centers.shape[1])][::-1]
    order = np.lexsort((*keys, -sizes)) if keys else np.argsort(-sizes, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels], centers[order], order


def _stability_seed(random_state: int | None, k: int) -> tuple[int, int] | None:
    # One stream per (seed, k): a k's stability is the same whether k was
    # given or chosen by the sweep, and the clustering's own draws are untouched.
    return None if random_state is None else (int(random_state) % 2**32, k)


def _measure_stability(
    Z: np.ndarray,
    k: int,
    raw_labels: np.ndarray,
    order: np.ndarray,
    selection: KSelection | None,
    models: dict,
    *,
    resamples: int,
    n_init: int,
    random_state: int | None,
) -> tuple[Stability, KSelection | None]:
    """Stability of the chosen k's segments (in segment order) and, after a
    sweep, the mean stability of every k tried (reported, not voted on)."""

    def measure(kk: int, labels: np.ndarray) -> Stability:
        seed = _stability_seed(random_state, kk)
        return bootstrap_stability(
            Z, labels, kk, resamples=resamples, n_init=n_init, random_state=seed
        )

    if selection is None:
        chosen = measure(k, raw_labels)
    else:
        per_k = {kk: measure(kk, np.asarray(models[kk].labels_)) for kk in selection.ks}
        chosen = per_k[k]
        means = np.array([per_k[kk].mean for kk in selection.ks])
        best = int(selection.ks[int(np.nanargmax(means))])
        note = (
            f"Bootstrap stability (mean over segments, {resamples} resamples) is "
            f"{per_k[k].mean:.2f} at k = {k}"
        )
        if best != k:
            note += f" and highest at k = {best} ({per_k[best].mean:.2f})"
        # Stability favours small k and rewards any k with one clear optimum,
        # also on structureless data, so it informs but does not vote.
        note += "; it is reported, not voted on."
        reason = f"{selection.reason} {note}"
        selection = replace(selection, stability=means, reason=reason)
    # Segment s is the clustering's cluster order[s].
    chosen = replace(
        chosen, per_segment=chosen.per_segment[order], jaccard=chosen.jaccard[:, order]
    )
    return chosen, selection


def segment(
    data: str | Path | pd.DataFrame | np.ndarray,
    features: Sequence[str] | None = None,
    k: int | str = "auto",
    *,
    scale: str = "standard",
    k_range: tuple[int, int] = (2, 10),
    random_state: int | None = 0,
    n_init: int | None = None,
    drop_missing: bool = False,
    id_column: str | None = None,
    personas: str | Path | Mapping | None = None,
    progress: bool = False,
    stability_resamples: int = 20,
) -> SegmentationResult:
    """Segment customers: validate, scale, choose k, cluster, profile and name.

    Parameters
    ----------
    data : path, DataFrame or ndarray
        The customer table (never modified).
    features : sequence of str, optional
        Clustering columns by name or unambiguous fragment (``"income"``);
        default every numeric non-id column.
    k : int or "auto", default "auto"
        Number of segments, or ``"auto"`` to choose it with
        :func:`segmentation.selection.select_k` over ``k_range``.
    scale : {"standard", "minmax", "none"}, default "standard"
        How features are scaled before clustering. Centroids and profiles
        are always reported in original units.
    k_range : (int, int), default (2, 10)
        Inclusive range for ``k="auto"``.
    random_state : int, optional
        Seed; the same seed gives the same result.
    n_init : int, optional
        k-means++ restarts; default from
        :func:`segmentation.selection.default_n_init` (10 for small tables).
    drop_missing : bool, default False
        Drop rows with missing feature values instead of raising.
    id_column : str, optional
        Customer id column; recognised automatically by default.
    personas : path or mapping, optional
        Persona overrides (see :func:`segmentation.personas.load_overrides`).
    progress : bool, default False
        Progress bar on stderr during the k sweep (terminal only).
    stability_resamples : int, default 20
        Bootstrap resamples for each segment's stability (see
        :mod:`segmentation.stability`); 0 turns it off. With ``k="auto"``
        every k tried is measured, and its mean is reported per k.

    Returns
    -------
    SegmentationResult

    Raises
    ------
    DataError
        For unusable data or parameters (a ``ValueError``).
    """
    t0 = time.perf_counter()
    if scale not in SCALE_METHODS:
        raise DataError(
            f"unknown scale {scale!r}; use one of {', '.join(SCALE_METHODS)}"
        )
    auto = isinstance(k, str)
    if auto and k != "auto":
        raise DataError(f"k must be a whole number or 'auto', got {k!r}")
    if not auto and (isinstance(k, bool) or not isinstance(k, (int, np.integer))):
        raise DataError(f"k must be a whole number or 'auto', got {k!r}")
    if not auto and k < 2:
        raise DataError(f"k must be at least 2, got {k}")
    if (
        isinstance(stability_resamples, bool)
        or not isinstance(stability_resamples, (int, np.integer))
        or stability_resamples < 0
    ):
        raise DataError(
            "stability_resamples must be a whole number >= 0 (0 turns it off), "
            f"got {stability_resamples!r}"
        )
    loaded = load_customers(
        data, features, id_column=id_column, drop_missing=drop_missing
    )
    n = loaded.X.shape[0]
    need = k_range[1] if auto else int(k)
    if n <= need:
        what = f"the k range goes up to {need}" if auto else f"k = {need}"
        raise DataError(
            f"{loaded.source} has {n} rows but {what}; segmenting needs more rows "
            "than segments: add data or lower k"
        )
    # Parse the overrides before the expensive part, so a bad file fails fast.
    from segmentation.personas import load_overrides

    overrides = load_overrides(personas)
    scaler = fit_scaler(loaded.X, scale)
    Z = scaler.transform(loaded.X)
    Z.setflags(write=False)
    t1 = time.perf_counter()

    if n_init is None:
        n_init = default_n_init(n)
    selection = None
    models: dict = {}
    if auto:
        try:
            selection, models = sweep(
                Z, k_range, n_init=n_init, random_state=random_state, progress=progress
            )
        except ValueError as exc:
            raise DataError(str(exc)) from None
        k = selection.k
        model = models[k]
    t2 = time.perf_counter()
    if not auto:
        k = int(k)
        model = new_kmeans(k, n_init, random_state).fit(Z)
    raw_labels = np.asarray(model.labels_, dtype=np.int64)
    labels, centers_scaled, order = _relabel(
        raw_labels, np.asarray(model.cluster_centers_)
    )
    t3 = time.perf_counter()
    stability = None
    if stability_resamples:
        stability, selection = _measure_stability(
            Z,
            k,
            raw_labels,
            order,
            selection,
            models,
            resamples=int(stability_resamples),
            n_init=n_init,
            random_state=random_state,
        )
    t3s = time.perf_counter()

    metrics: dict = {
        "inertia": float(model.inertia_),
        "n_iter": int(model.n_iter_),
        "converged": bool(getattr(model, "converged_", True)),
        "n_init": int(n_init),
    }
    n_found = len(np.unique(labels))
    if n_found >= 2 and n_found < n:
        sample = SILHOUETTE_SAMPLE if n > SILHOUETTE_SAMPLE else None
        metrics["silhouette"] = silhouette_score(
            Z, labels, sample_size=sample, random_state=random_state
        )
        metrics["silhouette_sample"] = sample
        metrics["calinski_harabasz"] = calinski_harabasz_score(Z, labels)
        metrics["davies_bouldin"] = davies_bouldin_score(Z, labels)
    exclude = [loaded.id_column] if loaded.id_column else []
    profiles = profile_segments(
        loaded.frame,
        labels,
        loaded.features,
        categorical=loaded.categorical,
        exclude=exclude,
    )
    names = derive_personas(profiles, overrides)
    centers = pd.DataFrame(
        scaler.inverse_transform(centers_scaled),
        columns=list(loaded.features),
        index=pd.RangeIndex(k, name="segment"),
    )
    notes = list(loaded.warnings)
    if stability is not None:
        for p in names:
            value = stability.per_segment[p.segment]
            if not value >= STABLE:  # NaN too: it never reappeared
                msg = (
                    f"segment {p.segment} ({p.name}) has bootstrap stability "
                    f"{value:.2f}, {stability_band(value)} (below {STABLE}): "
                    "treat its persona with caution"
                )
                warnings.warn(msg, StabilityWarning, stacklevel=2)
                notes.append(msg)
    t4 = time.perf_counter()
    return SegmentationResult(
        data=loaded.frame,
        features=loaded.features,
        id_column=loaded.id_column,
        categorical=loaded.categorical,
        scale=scale,
        scaler=scaler,
        k=int(k),
        labels=labels,
        centers=centers,
        centers_scaled=centers_scaled,
        X_scaled=Z,
        profiles=profiles,
        personas=names,
        selection=selection,
        metrics=metrics,
        random_state=random_state,
        n_dropped=loaded.n_dropped,
        warnings=tuple(notes),
        source=loaded.source,
        timings={
            "load": t1 - t0,
            "choose_k": t2 - t1,
            "fit": t3 - t2,
            "stability": t3s - t3,
            "profile": t4 - t3s,
        },
        stability=stability,
    )
