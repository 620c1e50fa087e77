"""Subsamples of a point cloud with their covering radius.

:func:`maxmin_landmarks` (greedy farthest-point, deterministic by default, with each landmark's
mass) and :func:`random_subsample`; each returns its exact covering radius ``r``, which moves the
Vietoris–Rips diagram by at most ``2 r`` in bottleneck distance. See ``docs/concepts.md``.
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
    masses : ndarray of shape (m,) or None
        Cloud points nearest to each chosen point (ties to the earlier landmark); None: 1 each.
    radii : ndarray of shape (m,) or None
        Distance from each chosen point to the farthest cloud point of its cell; None: 0 each.
        For Euclidean and cosine clouds the cells are computed exactly (float64 distances, ties
        to the earlier landmark), so the largest radius is the covering radius.
    """

    indices: np.ndarray
    covering_radius: float
    method: str
    masses: np.ndarray | None = None
    radii: np.ndarray | None = None


def first_landmark(space: MetricSpace) -> int:
    """A deterministic first landmark: nearest the centroid, the medoid, or point 0."""
    if getattr(space, "name", "") == "euclidean":
        return int(np.argmin(space.sq))  # squared norms of the centred rows
    if getattr(space, "name", "") == "cosine":
        centre = np.zeros(space.X.shape[1])
        for rows in range(0, space.n, 4096):
            centre += space.exact(slice(rows, rows + 4096)).sum(axis=0)
        best, arg = -np.inf, 0
        for rows in range(0, space.n, 4096):
            s = space.exact(slice(rows, rows + 4096)) @ centre
            if s.max() > best:
                best, arg = float(s.max()), rows + int(np.argmax(s))
        return arg
    if getattr(space, "name", "") == "precomputed":
        return int(np.argmin(space.D.sum(axis=1)))
    return 0


def _radius(space: MetricSpace, idx: np.ndarray) -> float:
    return float(space.nearest(idx).max())


def maxmin_landmarks(
    space: MetricSpace, n_landmarks: int, random_state: int | np.random.Generator | None = None
) -> Subsample:
    """Greedy farthest-point landmarks of a cloud.

    Parameters
    ----------
    space : metric space object from :func:`tda_nn.homology.metrics.metric_space`
        The cloud in its metric.
    n_landmarks : int
        Number of landmarks ``m`` (all points if ``m >= n``).
    random_state : int, Generator or None
        Seeds the choice of the first landmark; None: :func:`first_landmark` (deterministic).

    Returns
    -------
    Subsample
        With the exact covering radius (chordal units for the cosine metric) and the masses.
    """
    n = space.n
    m = int(n_landmarks)
    if m < 1:
        raise InputError(f"n_landmarks must be >= 1, got {n_landmarks!r}")
    if m >= n:
        return Subsample(np.arange(n), 0.0, "none")
    if random_state is None:
        first = first_landmark(space)
    else:
        first = int(np.random.default_rng(random_state).integers(n))
    idx = np.empty(m, dtype=np.int64)
    idx[0] = first
    mind = np.array(space.row(first), dtype=np.float64)  # a copy: rows may be views
    exact_cells = hasattr(space, "nearest_owner")  # else the cells come from the rows seen here
    owner = None if exact_cells else np.zeros(n, dtype=np.int64)
    for k in range(1, m):
        j = int(np.argmax(mind))
        idx[k] = j
        row = space.row(j)
        if owner is not None:
            owner[row < mind] = k
        np.minimum(mind, row, out=mind)
    if exact_cells:  # exact (float64) cells, as the out-of-core path
        mind, owner = space.nearest_owner(idx)
    else:
        owner[idx] = np.arange(m)
    return landmark_cells(idx, mind, owner, "maxmin")


def landmark_cells(idx: np.ndarray, mind: np.ndarray, owner: np.ndarray, method: str) -> Subsample:
    """A subsample with its covering radius, masses and cell radii.

    Parameters
    ----------
    idx : ndarray of shape (m,)
        The chosen points.
    mind : ndarray of shape (n,)
        Exact distance of every point to its nearest chosen point.
    owner : ndarray of shape (n,)
        Position in ``idx`` of that nearest point.
    method : str
    """
    m = len(idx)
    masses = np.bincount(owner, minlength=m).astype(np.int64)
    radii = np.zeros(m)
    np.maximum.at(radii, owner, mind)
    return Subsample(np.asarray(idx, dtype=np.int64), float(mind.max()), method, masses, radii)


def random_indices(n: int, n_points: int, random_state) -> np.ndarray | None:
    """``n_points`` of ``range(n)`` drawn uniformly without replacement, sorted; None when
    ``n_points >= n`` (the whole cloud)."""
    m = int(n_points)
    if m < 1:
        raise InputError(f"n_landmarks must be >= 1, got {n_points!r}")
    if m >= n:
        return None
    return np.sort(np.random.default_rng(random_state).choice(n, size=m, replace=False))


def random_subsample(
    space: MetricSpace, n_points: int, random_state: int | np.random.Generator | None = None
) -> Subsample:
    """``n_points`` points drawn uniformly without replacement, with their covering radius.

    Parameters
    ----------
    space : MetricSpace
        The cloud in its metric (:func:`tda_nn.homology.metric_space`).
    n_points : int
        Points to draw; a cloud of at most this many points is used whole.
    random_state : int, Generator or None
        Seeds the draw; None: unseeded (NumPy's fresh entropy).

    Returns
    -------
    Subsample
    """
    idx = random_indices(space.n, n_points, random_state)
    if idx is None:
        return Subsample(np.arange(space.n), 0.0, "none")
    return Subsample(idx, _radius(space, idx), "random")
