"""Saving fitted models to ``.npz`` without pickle.

The file holds plain numeric arrays plus one JSON string (parameters and scalar
attributes), and is read with ``allow_pickle=False``: loading a model from an
untrusted file cannot execute code.
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_NAME = "kmeans-core-model"
FORMAT_VERSION = 1
_SCALAR_ATTRIBUTES = (
    "inertia_",
    "n_iter_",
    "converged_",
    "n_features_in_",
    "n_distance_evaluations_",
)


def _json_safe_param(name: str, value: Any) -> Any:
    if name == "random_state":
        if value is None or (
            isinstance(value, numbers.Integral) and not isinstance(value, bool)
        ):
            return None if value is None else int(value)
        # A generator's state is not a parameter worth keeping for predict.
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_model(model: Any, path: str | Path) -> None:
    """Write ``model`` (fitted) to ``path`` as an ``.npz`` archive."""
    params = model.get_params()
    arrays: dict[str, np.ndarray] = {
        "cluster_centers_": model.cluster_centers_,
        "labels_": model.labels_,
    }
    init = params["init"]
    if callable(init):
        raise ValueError(
            "Cannot save a model whose init is a callable (code is never stored). "
            "Call model.set_params(init=model.cluster_centers_) first."
        )
    if not isinstance(init, str):
        arrays["init"] = np.asarray(init)
        params["init"] = None
    params = {name: _json_safe_param(name, value) for name, value in params.items()}
    attributes = {name: getattr(model, name) for name in _SCALAR_ATTRIBUTES}
    attributes = {
        k: (v.item() if isinstance(v, np.generic) else v) for k, v in attributes.items()
    }
    if hasattr(model, "feature_names_in_"):
        arrays["feature_names_in_"] = np.asarray(model.feature_names_in_, dtype=str)
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "class": type(model).__name__,
        "params": params,
        "attributes": attributes,
    }
    arrays["meta"] = np.asarray(json.dumps(meta))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _load_arrays(path: str | Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise
    except ValueError as exc:
        raise ValueError(
            f"{path} is not a kmeans-core model file: it holds pickled objects, "
            "which are refused for safety."
        ) from exc
    except Exception as exc:  # zipfile/format errors
        raise ValueError(
            f"{path} is not a readable kmeans-core model file: {exc}"
        ) from exc


def load_model(cls: type, path: str | Path) -> Any:
    """Read a model written by ``save_model`` and return a fitted ``cls``."""
    arrays = _load_arrays(path)
    for key in ("meta", "cluster_centers_", "labels_"):
        if key not in arrays:
            raise ValueError(
                f"{path} is not a kmeans-core model file: '{key}' is missing."
            )
    try:
        meta = json.loads(str(arrays["meta"]))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: the model metadata is not valid JSON.") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ValueError(f"{path} is not a kmeans-core model file.")
    if meta.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} uses model format version {meta.get('version')}; this "
            f"kmeans-core reads version {FORMAT_VERSION}."
        )
    params = dict(meta["params"])
    if params.get("init") is None and "init" in arrays:
        params["init"] = arrays["init"]
    model = cls(**params)
    model._check_params()

    centers = arrays["cluster_centers_"]
    labels = arrays["labels_"]
    if centers.ndim != 2 or centers.dtype not in (np.float32, np.float64):
        raise ValueError(f"{path}: cluster_centers_ must be a 2D float array.")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{path}: labels_ must be a 1D integer array.")
    if centers.shape[0] != model.n_clusters or not np.isfinite(centers).all():
        raise ValueError(
            f"{path}: cluster_centers_ does not match n_clusters or is not finite."
        )
    model.cluster_centers_ = np.ascontiguousarray(centers)
    model.labels_ = labels
    for name in _SCALAR_ATTRIBUTES:
        setattr(model, name, meta["attributes"][name])
    if model.n_features_in_ != centers.shape[1]:
        raise ValueError(f"{path}: n_features_in_ does not match cluster_centers_.")
    if "feature_names_in_" in arrays:
        model.feature_names_in_ = arrays["feature_names_in_"].astype(object)
    return model
