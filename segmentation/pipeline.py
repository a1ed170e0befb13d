"""The segmentation pipeline: load -> scale -> choose k -> fit -> profile -> name."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

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
        Data-quality notes.
    source : str
        Where the data came from.
    timings : dict of str to float
        Seconds spent loading, choosing k, fitting and profiling.
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
        }


def _relabel(labels: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters by size (largest first), ties by centroid coordinates."""
    k = centers.shape[0]
    sizes = np.bincount(labels, minlength=k)
    keys = [tuple(centers[:, j]) for j in range(centers.shape[1])][::-1]
    order = np.lexsort((*keys, -sizes)) if keys else np.argsort(-sizes, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels], centers[order]


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
    labels, centers_scaled = _relabel(raw_labels, np.asarray(model.cluster_centers_))
    t3 = time.perf_counter()

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
        warnings=loaded.warnings,
        source=loaded.source,
        timings={
            "load": t1 - t0,
            "choose_k": t2 - t1,
            "fit": t3 - t2,
            "profile": t4 - t3,
        },
    )
