"""A saved segmentation (``model.json``) and the assignment of new customers to it.

``kmeans-segment run`` writes ``model.json`` beside its report. It is plain,
diffable JSON (no pickle, so loading it cannot run code) and holds what is
needed to put next month's customers into this month's segments:

- ``schema`` and ``schema_version`` (this module reads up to
  :data:`SCHEMA_VERSION`) and the ``package_version`` that wrote it;
- ``features`` (as named in the training table), ``id_column`` and
  ``scaling`` (method, offset and scale of each feature);
- ``k``, ``random_state``, ``centers_scaled`` (the clustered space) and
  ``centers`` (original units), one row per segment;
- ``segments``: each one's persona (name, description, actions), size, share
  and stability;
- ``training_distances``: percentiles 0..100 of the training rows' distance
  to their centroid (in the clustered space) and the ``outlier_threshold``,
  their 99th percentile.

:func:`load_model` reads it; :meth:`SegmentationModel.assign` puts the rows
of a table into the nearest segment and flags as an ``outlier`` every row that
is farther from every centroid than 99% of the training rows were from theirs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from segmentation.errors import DataError
from segmentation.io import load_customers
from segmentation.scaling import SCALE_METHODS, Scaler
from segmentation.tables import read_table

if TYPE_CHECKING:  # pragma: no cover
    from segmentation.pipeline import SegmentationResult

__all__ = [
    "ASSIGN_COLUMNS",
    "MODEL_FILE",
    "OUTLIER_PERCENTILE",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SegmentationModel",
    "load_model",
    "model_dict",
    "model_from_dict",
    "nearest_centers",
    "save_model",
]

MODEL_FILE = "model.json"
SCHEMA = "kmeans-core/segmentation-model"
SCHEMA_VERSION = 1
# A row is an outlier beyond this percentile of the training distances.
OUTLIER_PERCENTILE = 99
# Columns that assign adds to every row.
ASSIGN_COLUMNS = ("segment", "persona", "distance", "outlier")
# Rows per block in nearest_centers: a block's n x k x d differences stay
# within a few MB, and NumPy's per-call overhead is paid 10 times per 1M rows.
_BLOCK = 100_000


def nearest_centers(
    Z: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest center of every row and the Euclidean distance to it.

    Distances are summed from direct differences (never from the expanded
    ``|x|^2 - 2x.c + |c|^2``, which cancels), as kmeans_core decides its
    final labels, so training rows get back the labels of the fit.

    Parameters
    ----------
    Z : array of shape (n, d)
        Rows in the clustered (scaled) space.
    centers : array of shape (k, d)

    Returns
    -------
    labels : numpy.ndarray of int64, shape (n,)
    distance : numpy.ndarray of float64, shape (n,)
    """
    Z = np.asarray(Z, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    n = Z.shape[0]
    labels = np.empty(n, dtype=np.int64)
    best = np.empty(n)
    for start in range(0, n, _BLOCK):
        block = Z[start : start + _BLOCK]
        d2 = np.zeros((block.shape[0], centers.shape[0]))
        for j in range(centers.shape[1]):
            # One feature at a time, in feature order: the same sums as a loop.
            diff = block[:, j, None] - centers[None, :, j]
            d2 += diff * diff
        lab = np.argmin(d2, axis=1)
        labels[start : start + len(block)] = lab
        best[start : start + len(block)] = d2[np.arange(len(block)), lab]
    return labels, np.sqrt(best)


def _floats(values) -> list:
    return np.asarray(values, dtype=np.float64).tolist()


def model_dict(result: SegmentationResult) -> dict:
    """The JSON-ready model of a run (the content of ``model.json``).

    Parameters
    ----------
    result : SegmentationResult

    Returns
    -------
    dict
        See the module docstring for the fields.
    """
    from kmeans_core import __version__

    _, distance = nearest_centers(result.X_scaled, result.centers_scaled)
    percentiles = np.percentile(distance, np.arange(101))
    segments = []
    for p in result.personas:
        s = p.segment
        segments.append(
            {
                "segment": int(s),
                "persona": p.to_dict(),
                "size": int(result.profiles.size[s]),
                "share": float(result.profiles.share[s]),
                "stability": result.segment_stability(s),
            }
        )
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "source": result.source,
        "n_training_rows": int(len(result.data)),
        "features": list(result.features),
        "id_column": result.id_column,
        "scaling": {
            "method": result.scaler.method,
            "offset": _floats(result.scaler.offset),
            "scale": _floats(result.scaler.scale),
        },
        "k": int(result.k),
        "random_state": result.random_state,
        "centers_scaled": _floats(result.centers_scaled),
        "centers": _floats(result.centers.to_numpy()),
        "segments": segments,
        "training_distances": {
            "space": "scaled",
            "percentiles": _floats(percentiles),
            "outlier_percentile": OUTLIER_PERCENTILE,
            "outlier_threshold": float(percentiles[OUTLIER_PERCENTILE]),
        },
    }


def _json(value: object, indent: str = "") -> str:
    """Indented JSON with each list of numbers or strings on one line.

    A center or a row of percentiles then reads (and diffs) as one line,
    instead of one line per number as ``json.dumps(indent=2)`` writes it.
    """
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_json(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [inner + _json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def save_model(result: SegmentationResult, path: str | Path) -> Path:
    """Write :func:`model_dict` as readable JSON.

    Parameters
    ----------
    result : SegmentationResult
    path : str or Path
        Usually ``<output folder>/model.json``.

    Returns
    -------
    Path
    """
    path = Path(path)
    path.write_text(_json(model_dict(result)) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class SegmentationModel:
    """A saved segmentation, ready to assign new customers.

    Attributes
    ----------
    features : tuple of str
        Feature columns as named in the training table.
    id_column : str or None
    scaler : Scaler
    k : int
    centers_scaled : numpy.ndarray of shape (k, d)
    centers : pandas.DataFrame
        Segment x feature, original units.
    personas : tuple of dict
        ``{"name", "description", "actions"}`` of each segment.
    stability : tuple of (float or None)
    outlier_threshold : float
        Distance (clustered space) beyond which a row is an outlier.
    schema_version : int
    package_version : str
    source : str
        The file the model was written to or read from.
    """

    features: tuple[str, ...]
    id_column: str | None
    scaler: Scaler
    k: int
    centers_scaled: np.ndarray
    centers: pd.DataFrame
    personas: tuple[dict, ...]
    stability: tuple[float | None, ...]
    outlier_threshold: float
    schema_version: int
    package_version: str
    source: str

    @property
    def persona_names(self) -> list[str]:
        """Persona name of each segment, in segment order."""
        return [p["name"] for p in self.personas]

    def assign(
        self,
        table: str | Path | pd.DataFrame,
        *,
        drop_missing: bool = False,
    ) -> pd.DataFrame:
        """Put every row of a table into its nearest segment.

        Parameters
        ----------
        table : path or DataFrame
            Customers with the model's feature columns, matched by exact name
            and then ignoring case; other columns are kept and column order
            does not matter. A file is read by its extension (see
            :func:`segmentation.tables.read_table`). Never modified.
        drop_missing : bool, default False
            Drop rows with a missing feature value instead of raising.

        Returns
        -------
        pandas.DataFrame
            The rows used (all, unless dropped), every input column, plus
            ``segment``, ``persona``, ``distance`` (Euclidean, in the
            clustered space) and ``outlier`` (farther than
            :attr:`outlier_threshold`). Input columns with those names are
            replaced (``attrs["replaced"]`` lists them); ``attrs["n_dropped"]``
            counts dropped rows.

        Raises
        ------
        DataError
            For a missing or non-numeric feature column, or missing values
            without ``drop_missing``.
        """
        if isinstance(table, (str, Path)):
            frame = read_table(table, id_column=self.id_column)
            name = Path(table).name or str(table)
        elif isinstance(table, pd.DataFrame):
            frame, name = table, "data"
        else:
            raise TypeError(
                f"table must be a file path or a pandas DataFrame, "
                f"not {type(table).__name__}"
            )
        columns = _match_features(list(map(str, frame.columns)), self.features, name)
        id_column = self.id_column if self.id_column in frame.columns else None
        loaded = load_customers(
            frame,
            columns,
            id_column=id_column,
            drop_missing=drop_missing,
            name=name,
        )
        labels, distance = nearest_centers(
            self.scaler.transform(loaded.X), self.centers_scaled
        )
        out = loaded.frame
        replaced = [c for c in ASSIGN_COLUMNS if c in out.columns]
        names = np.array(self.persona_names, dtype=object)
        out["segment"] = labels
        out["persona"] = names[labels]
        out["distance"] = distance
        out["outlier"] = distance > self.outlier_threshold
        out.attrs = {"n_dropped": loaded.n_dropped, "replaced": replaced}
        return out


def _match_features(
    columns: list[str], features: Sequence[str], name: str
) -> list[str]:
    """The table's column for each model feature: exact name, else by case."""
    found = []
    for feature in features:
        if feature in columns:
            found.append(feature)
            continue
        same = [c for c in columns if c.strip().casefold() == feature.casefold()]
        if len(same) > 1:
            raise DataError(
                f"{name}: feature {feature!r} matches the columns "
                f"{', '.join(map(repr, same))} (ignoring case); keep only one"
            )
        if not same:
            raise DataError(
                f"{name} has no column {feature!r}, which the model was trained on "
                f"(it needs {', '.join(map(repr, features))})"
            )
        found.append(same[0])
    return found


def _fail(where: str, what: str) -> DataError:
    return DataError(f"{where} is not a usable segmentation model: {what}")


def _matrix(data: Mapping, key: str, shape: tuple[int, ...], where: str) -> np.ndarray:
    """``data[key]`` as a finite float array of the given shape, or a DataError."""
    try:
        array = np.asarray(data[key], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        raise _fail(where, f'"{key}" is missing or not a list of numbers') from None
    if array.shape != shape or not np.isfinite(array).all():
        size = " x ".join(map(str, shape))
        raise _fail(where, f'"{key}" must hold {size} finite numbers')
    return array


def model_from_dict(data: object, where: str = "model") -> SegmentationModel:
    """Check a parsed ``model.json`` and build the model.

    Parameters
    ----------
    data : object
        The parsed JSON.
    where : str
        The file it came from, for messages.

    Returns
    -------
    SegmentationModel

    Raises
    ------
    DataError
        If it is not one of ours, is from a newer schema, or is damaged.
    """
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise DataError(
            f"{where} is not a kmeans-segment model file (written by "
            "`kmeans-segment run` as model.json)"
        )
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(where, f"schema_version {version!r} is not a version number")
    if version > SCHEMA_VERSION:
        raise DataError(
            f"{where} uses model schema version {version}, newer than the "
            f"{SCHEMA_VERSION} this kmeans-core reads; upgrade kmeans-core"
        )
    features = data.get("features")
    if (
        not isinstance(features, list)
        or not features
        or not all(isinstance(f, str) for f in features)
    ):
        raise _fail(where, '"features" must be a list of column names')
    k, d = data.get("k"), len(features)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise _fail(where, f'"k" must be a positive whole number, got {k!r}')
    scaling = data.get("scaling")
    if not isinstance(scaling, dict) or scaling.get("method") not in SCALE_METHODS:
        raise _fail(where, '"scaling" needs a method of ' + ", ".join(SCALE_METHODS))
    offset = _matrix(scaling, "offset", (d,), where)
    scale = _matrix(scaling, "scale", (d,), where)
    if (scale <= 0).any():
        raise _fail(where, "every scale must be positive")
    centers_scaled = _matrix(data, "centers_scaled", (k, d), where)
    centers = _matrix(data, "centers", (k, d), where)
    segments = data.get("segments")
    if not isinstance(segments, list) or len(segments) != k:
        raise _fail(where, f'"segments" must list the {k} segments')
    personas, stability = [], []
    for seg in segments:
        persona = seg.get("persona") if isinstance(seg, dict) else None
        if not isinstance(persona, dict) or not isinstance(persona.get("name"), str):
            raise _fail(where, "every segment needs a persona with a name")
        personas.append(persona)
        value = seg.get("stability")
        stability.append(float(value) if isinstance(value, (int, float)) else None)
    dist = data.get("training_distances")
    threshold = dist.get("outlier_threshold") if isinstance(dist, dict) else None
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not math.isfinite(threshold)
    ):
        raise _fail(where, '"training_distances" needs a finite "outlier_threshold"')
    id_column = data.get("id_column")
    return SegmentationModel(
        features=tuple(features),
        id_column=id_column if isinstance(id_column, str) else None,
        scaler=Scaler(scaling["method"], offset, scale),
        k=k,
        centers_scaled=centers_scaled,
        centers=pd.DataFrame(
            centers, columns=features, index=pd.RangeIndex(k, name="segment")
        ),
        personas=tuple(personas),
        stability=tuple(stability),
        outlier_threshold=float(threshold),
        schema_version=version,
        package_version=str(data.get("package_version", "unknown")),
        source=where,
    )


def load_model(path: str | Path) -> SegmentationModel:
    """Read a saved segmentation.

    Parameters
    ----------
    path : str or Path
        A run's output folder, or its ``model.json``.

    Returns
    -------
    SegmentationModel

    Raises
    ------
    DataError
        If the file is missing, not JSON, not one of ours, from a newer
        schema, or damaged.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise DataError(
            f"model file not found: {path}; give a `kmeans-segment run` output "
            "folder or its model.json"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DataError(
            f"{path.name} is not a kmeans-segment model file (it is not JSON)"
        ) from None
    return model_from_dict(data, str(path))
