"""Knee (elbow) detection with the Kneedle algorithm.

Satopaa, Albrecht, Irwin & Raghavan, "Finding a 'Kneedle' in a Haystack:
Detecting Knee Points in System Behavior" (ICDCS workshops, 2011).

The curve is scaled to the unit square and turned so that the knee is a
maximum of the difference curve ``D = y_n - x_n``. Each local maximum of ``D``
sets a threshold ``D_max - S * mean(diff(x_n))``; the first maximum after which
``D`` falls below its threshold, before the next maximum, is the knee. A curve
whose bend is too gentle never falls below the threshold: then there is no
clear knee and :class:`Knee` says so instead of returning a silent ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Knee", "find_knee"]


@dataclass(frozen=True)
class Knee:
    """The result of :func:`find_knee`.

    Attributes
    ----------
    x : float or None
        The knee's x value, or None when there is no clear knee.
    index : int or None
        Its position in the input arrays.
    strength : float
        Height of the normalised difference curve at the knee (0..1); the
        largest height anywhere when there is no knee.
    statement : str
        One sentence for reports, e.g. "clear elbow at k = 4" or "no clear
        elbow: ...".
    difference : numpy.ndarray
        The normalised difference curve, for plotting.
    """

    x: float | None
    index: int | None
    strength: float
    statement: str
    difference: np.ndarray

    @property
    def found(self) -> bool:
        """Whether a knee was found."""
        return self.index is not None


def _normalise(v: np.ndarray) -> np.ndarray:
    span = v.max() - v.min()
    return (v - v.min()) / span if span > 0 else np.zeros_like(v)


def find_knee(
    x,
    y,
    *,
    curve: str = "convex",
    direction: str = "decreasing",
    sensitivity: float = 1.0,
    label: str = "x",
) -> Knee:
    """Find the knee of a curve with Kneedle (offline: the first knee).

    Parameters
    ----------
    x, y : array-like of shape (m,)
        Points of the curve, ``x`` increasing.
    curve : {"convex", "concave"}
        An inertia curve is convex and decreasing (the defaults).
    direction : {"decreasing", "increasing"}
    sensitivity : float, default 1.0
        Kneedle's ``S``: larger values demand a sharper bend.
    label : str, default "x"
        The name of ``x`` used in :attr:`Knee.statement` (e.g. "k").

    Returns
    -------
    Knee
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("x and y must be 1-D arrays of the same length")
    if curve not in ("convex", "concave") or direction not in (
        "decreasing",
        "increasing",
    ):
        raise ValueError(
            "curve must be 'convex' or 'concave' and direction 'decreasing' or "
            "'increasing'"
        )
    if len(x) < 3:
        return Knee(
            None, None, 0.0, f"no clear elbow: only {len(x)} points", np.zeros(len(x))
        )
    xn, yn = _normalise(x), _normalise(y)
    # Turn every shape into a concave increasing curve, where the knee is the
    # point furthest above the diagonal.
    flip_x = False
    if curve == "convex" and direction == "decreasing":
        yn = 1.0 - yn
    elif curve == "convex" and direction == "increasing":
        yn, flip_x = 1.0 - yn[::-1], True
    elif curve == "concave" and direction == "decreasing":
        yn, flip_x = yn[::-1], True
    if flip_x:
        # Mirror x too, so uneven spacing is mirrored with the curve.
        xn = 1.0 - xn[::-1]
    diff = yn - xn
    m = len(diff)
    step = float(np.mean(np.diff(xn)))
    # Local maxima: not lower than the left neighbour, higher than the right.
    maxima = [
        i for i in range(1, m - 1) if diff[i] >= diff[i - 1] and diff[i] > diff[i + 1]
    ]
    knee_pos = None
    for a, i in enumerate(maxima):
        threshold = diff[i] - sensitivity * step
        stop = maxima[a + 1] if a + 1 < len(maxima) else m
        if np.any(diff[i + 1 : stop] < threshold):
            knee_pos = i
            break
    if knee_pos is None:
        strength = float(max(diff.max(), 0.0))
        statement = (
            "no clear elbow: the curve bends too gently for Kneedle "
            f"(largest bend {strength:.2f} on a 0-1 scale; a knee needs "
            f"a drop of {sensitivity * step:.2f} after it)"
        )
        return Knee(None, None, strength, statement, diff)
    index = m - 1 - knee_pos if flip_x else knee_pos
    value = float(x[index])
    shown = f"{value:g}"
    strength = float(diff[knee_pos])
    return Knee(
        value,
        int(index),
        strength,
        f"clear elbow at {label} = {shown} (bend {strength:.2f} on a 0-1 scale)",
        diff,
    )
