"""Subsamples of a point cloud with their covering radius.

A subsample ``L`` of a cloud ``X`` at Hausdorff distance ``r`` (every point of ``X`` within ``r``
of ``L``: the *covering radius*) moves the Vietoris–Rips persistence diagram by at most ``2 r`` in
bottleneck distance, with the convention used throughout (ripser's: a simplex enters at the length
of its longest edge): the nearest-landmark map is a correspondence of distortion at most ``2 r``
and the Rips stability theorem (Chazal, de Silva & Oudot 2014) bounds the bottleneck distance by
the distortion. Every subsample here therefore returns its exact covering radius.

- :func:`maxmin_landmarks`: greedy farthest-point ("maxmin") selection. Each new landmark is the
  point farthest from those already chosen, so the landmarks are both ``r``-covering and
  ``r``-separated (pairwise at least ``r`` apart): spread evenly over the shape whatever the
  sampling density, which is what makes their diagrams clean. Time ``O(n m d)`` (one
  matrix-vector product per landmark), extra memory ``O(n)``; the first landmark is drawn with
  ``random_state``.
- :func:`random_subsample`: ``m`` points uniformly without replacement; cheaper to choose but with a
  larger covering radius for the same ``m`` (and so a weaker error bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tda_nn.errors import InputError
from tda_nn.homology.metrics import MetricSpace


@dataclass(frozen=True)
class Subsample:
    """Indices of the chosen points and their covering radius.

    Attributes
    ----------
    indices : ndarray of shape (m,)
        Indices into the cloud, in selection order (maxmin: the greedy order).
    covering_radius : float
        ``max_x min_l d(x, l)`` in the metric's own units (``inf`` if some point is unreachable,
        e.g. a kNN-graph component without a landmark).
    method : str
        ``"maxmin"``, ``"random"`` or ``"none"``.
    """

    indices: np.ndarray
    covering_radius: float
    method: str


def _radius(space: MetricSpace, idx: np.ndarray) -> float:
    return float(space.nearest(idx).max())


def maxmin_landmarks(
    space: MetricSpace, n_landmarks: int, random_state: int | np.random.Generator | None = None
) -> Subsample:
    """Greedy farthest-point landmarks of a cloud.

    Parameters
    ----------
    space : metric space object from :func:`tda_nn.homology.metrics.metric_space`
    n_landmarks : int
        Number of landmarks ``m`` (all points if ``m >= n``).
    random_state : int, Generator or None
        Seeds the choice of the first landmark.

    Returns
    -------
    Subsample
        With the exact covering radius (chordal units for the cosine metric).
    """
    n = space.n
    m = int(n_landmarks)
    if m < 1:
        raise InputError(f"n_landmarks must be >= 1, got {n_landmarks!r}")
    if m >= n:
        return Subsample(np.arange(n), 0.0, "none")
    rng = np.random.default_rng(random_state)
    first = int(rng.integers(n))
    idx = np.empty(m, dtype=np.int64)
    idx[0] = first
    mind = np.array(space.row(first), dtype=np.float64)  # a copy: rows may be views
    for k in range(1, m):
        j = int(np.argmax(mind))
        idx[k] = j
        np.minimum(mind, space.row(j), out=mind)
    return Subsample(idx, _radius(space, idx), "maxmin")


def random_subsample(
    space: MetricSpace, n_points: int, random_state: int | np.random.Generator | None = None
) -> Subsample:
    """``n_points`` points drawn uniformly without replacement, with their covering radius.

    Returns
    -------
    Subsample
    """
    n = space.n
    m = int(n_points)
    if m < 1:
        raise InputError(f"n_landmarks must be >= 1, got {n_points!r}")
    if m >= n:
        return Subsample(np.arange(n), 0.0, "none")
    rng = np.random.default_rng(random_state)
    idx = np.sort(rng.choice(n, size=m, replace=False))
    return Subsample(idx, _radius(space, idx), "random")
