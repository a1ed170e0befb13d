"""Feature scaling that remembers how to go back to original units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SCALE_METHODS", "Scaler", "fit_scaler"]

SCALE_METHODS = ("standard", "minmax", "none")


@dataclass(frozen=True)
class Scaler:
    """An affine map ``(X - offset) / scale`` per feature.

    Attributes
    ----------
    method : str
        ``"standard"`` (mean 0, population SD 1), ``"minmax"`` (range 0..1) or
        ``"none"``.
    offset, scale : numpy.ndarray of shape (n_features,)
        A constant feature gets scale 1, so it maps to 0 instead of NaN.
    """

    method: str
    offset: np.ndarray
    scale: np.ndarray

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Map original units to scaled units (a new C-contiguous array)."""
        return np.ascontiguousarray(
            (np.asarray(X, dtype=np.float64) - self.offset) / self.scale
        )

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Map scaled units (e.g. centroids) back to original units."""
        return np.asarray(Z, dtype=np.float64) * self.scale + self.offset


def fit_scaler(X: np.ndarray, method: str = "standard") -> Scaler:
    """Learn a :class:`Scaler` from the data.

    Parameters
    ----------
    X : array of shape (n, d)
    method : {"standard", "minmax", "none"}

    Returns
    -------
    Scaler

    Raises
    ------
    ValueError
        If ``method`` is not one of the three.
    """
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    if method == "standard":
        offset, scale = X.mean(axis=0), X.std(axis=0)
    elif method == "minmax":
        offset = X.min(axis=0)
        scale = X.max(axis=0) - offset
    elif method == "none":
        offset, scale = np.zeros(d), np.ones(d)
    else:
        raise ValueError(
            f"unknown scale {method!r}; use one of {', '.join(SCALE_METHODS)}"
        )
    scale = np.where(scale > 0, scale, 1.0)
    return Scaler(method=method, offset=offset, scale=scale)
