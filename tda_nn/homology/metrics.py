"""Metric spaces over one point cloud: the distances persistence is computed from.

``"euclidean"``, ``"cosine"``, ``"knn_geodesic"`` (hop counts on the kNN graph, Naitzat et al.
2020) and ``"precomputed"``, each answering ``row(i)``, ``nearest(idx)`` and ``matrix(idx)``
without forming the full ``n x n`` matrix. What each metric does and costs, and the cosine error
bound: ``docs/concepts.md``. A metric is a class with those methods (plus ``n``, ``name``,
``error_bound``; optionally ``nearest_owner``) registered with :func:`register_metric`;
:data:`METRICS` and :data:`POINT_CLOUD_METRICS` (the CLI's and specs' choices) are live views of
the registry (``docs/extending.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tda_nn.checks import check_int, int_problem
from tda_nn.errors import InputError
from tda_nn.registry import Registry


@dataclass(frozen=True)
class Metric:
    """A registered metric: the space class and what ``metric_params`` it takes.

    Attributes
    ----------
    name : str
    space : callable
        ``space(cloud, **metric_params)``: the metric-space object of one cloud.
    params : dict of str to callable
        Accepted ``metric_params`` keys, each with a check (value -> problem text or None).
    point_clouds : bool
        Whether it takes point clouds (False for ``"precomputed"``: distance matrices).
    """

    name: str
    space: Callable[..., Any]
    params: Mapping[str, Callable[[Any], str | None]]
    point_clouds: bool = True


_REGISTRY: Registry[Metric] = Registry("metric")
#: names of every registered metric (a live tuple-like view)
METRICS = _REGISTRY.view()
#: the metrics of point clouds (every one but ``"precomputed"``): the CLI's and specs' choices
POINT_CLOUD_METRICS = _REGISTRY.view(lambda m: m.point_clouds)


def register_metric(
    name: str,
    space: Callable[..., Any],
    *,
    params: Mapping[str, Callable[[Any], str | None]] | None = None,
    point_clouds: bool = True,
    replace: bool = False,
) -> Metric:
    """Make ``name`` a metric everywhere a metric is chosen.

    Parameters
    ----------
    name : str
    space : callable
        ``space(cloud, **metric_params)`` with ``cloud`` of shape ``(n_points, n_features)``.
    params : dict of str to callable, optional
        ``metric_params`` keys it takes, each with a check returning a problem text or None.
    point_clouds : bool
        False when the "cloud" is something else (a distance matrix).
    replace : bool
        Allow replacing a registered metric.
    """
    entry = Metric(name, space, dict(params or {}), point_clouds)
    return _REGISTRY.register(name, entry, replace=replace)


def check_metric(metric: Any) -> str:
    """``metric`` if it is registered, else InputError listing the metrics."""
    _REGISTRY.get(metric)
    return metric


def metric_params_problem(metric: str, metric_params: Mapping[str, Any] | None) -> str | None:
    """What is wrong with ``metric_params`` for ``metric`` (a registered name), or None."""
    params = dict(metric_params or {})
    checks = _REGISTRY.get(metric).params
    if params and not checks:
        return f"metric {metric!r} takes no parameters, got {params}"
    unknown = sorted(set(params) - set(checks))
    if unknown:
        return f"unknown key(s) {unknown} for {metric} (it takes {', '.join(checks)})"
    for key, value in params.items():
        problem = checks[key](value)
        if problem:
            return f"{key} {problem}"
    return None

# rows per chunk when exact distances to a set of points are computed (bounded extra memory)
_CHUNK_BYTES = 64 * 2**20


def _chunks(n: int, width: int) -> list[slice]:
    step = max(1, _CHUNK_BYTES // (8 * max(width, 1)))
    return [slice(s, min(s + step, n)) for s in range(0, n, step)]


#: largest m * m * d computed in numpy by :func:`pairwise_euclidean`; above, scipy's ``pdist``
_NUMPY_PAIRWISE_LIMIT = 5 * 10**7


def pairwise_euclidean(A: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``A`` (shape ``(m, d)``), shape ``(m, m)``.

    Bit for bit ``squareform(pdist(A))``: each entry is the square root of the squared coordinate
    differences summed in coordinate order (no ``|a|^2 + |b|^2 - 2ab`` cancellation). Up to
    ``m^2 d = 5e7`` (300 landmarks in 512 dimensions) NumPy computes it by blocks of rows, one
    coordinate at a time, in tens of milliseconds, which spares the 0.5 s import of
    ``scipy.spatial`` in a fresh process; larger inputs go to ``pdist``.
    """
    A = np.asarray(A, dtype=np.float64)
    m, d = A.shape
    if m * m * d > _NUMPY_PAIRWISE_LIMIT:
        from scipy.spatial.distance import pdist, squareform

        return squareform(pdist(A))
    columns = np.ascontiguousarray(A.T)
    D = np.empty((m, m))
    block = 64
    for s in range(0, m, block):
        rows = slice(s, min(s + block, m))
        acc = np.zeros((rows.stop - s, m))
        diff = np.empty_like(acc)
        for c in columns:
            np.subtract(c[rows, None], c[None, :], out=diff)
            np.multiply(diff, diff, out=diff)
            acc += diff
        D[rows] = np.sqrt(acc)
    return D


def owner_distances(A: np.ndarray, L: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """``|A[i] - L[owner[i]]|`` for every row, shape ``(len(A),)``, float64.

    From the differences, not from ``|a|^2 - 2 a.l + |l|^2``: more accurate, and the same bits
    however the rows are blocked (a matrix product's last bits depend on its shape), so the
    in-memory and the out-of-core paths agree on every BLAS.
    """
    diff = A - L[owner]
    return np.sqrt((diff * diff).sum(axis=1))


class EuclideanSpace:
    """Euclidean distances between the rows of ``X`` (shape ``(n, d)``, float32 or float64).

    ``X`` is not copied: exact quantities are computed by chunks of rows, centred and promoted
    to float64 on the fly; only a centred float32 copy (for the fast ``row``) is kept.
    """

    name = "euclidean"

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.n = X.shape[0]
        self.shift = X.mean(axis=0, dtype=np.float64)
        self.scale = np.ones(self.n)
        self._X32: np.ndarray | None = None
        self.sq = np.empty(self.n)
        for rows in _chunks(self.n, X.shape[1]):
            A = self.exact(rows)
            self.sq[rows] = np.einsum("ij,ij->i", A, A)

    def exact(self, rows) -> np.ndarray:
        """Rows of the centred (cosine: unit-scaled) cloud in float64, shape ``(len(rows), d)``."""
        scale = self.scale[rows]
        return (np.asarray(self.X[rows], dtype=np.float64) - self.shift) * np.reshape(
            scale, (-1, 1)
        )

    def row(self, i: int) -> np.ndarray:
        """Distances from point ``i`` to all points, float32-accurate, shape ``(n,)``."""
        if self._X32 is None:
            self._X32 = np.empty(self.X.shape, dtype=np.float32)
            for rows in _chunks(self.n, self.X.shape[1]):
                self._X32[rows] = self.exact(rows)
            self._sq32 = np.einsum("ij,ij->i", self._X32, self._X32)
        d2 = self._sq32 - 2.0 * (self._X32 @ self._X32[i]) + self._sq32[i]
        return np.sqrt(np.maximum(d2, 0.0))

    def nearest(self, idx: np.ndarray) -> np.ndarray:
        """Exact distance from every point to its nearest point of ``idx``, shape ``(n,)``."""
        return self.nearest_owner(idx)[0]

    def nearest_owner(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact distance from every point to its nearest point of ``idx`` and which one it is.

        Returns
        -------
        distance : ndarray of shape (n,)
            float64; 0 at the points ``idx``.
        owner : ndarray of shape (n,)
            Position in ``idx`` of the nearest point (ties to the earlier one; ``idx[k]`` owns
            itself).
        """
        idx = np.asarray(idx)
        L = self.exact(idx)
        out = np.empty(self.n)
        owner = np.empty(self.n, dtype=np.int64)
        for rows in _chunks(self.n, max(len(idx), self.X.shape[1])):
            A = self.exact(rows)
            d2 = np.maximum(self.sq[rows, None] + self.sq[None, idx] - 2.0 * (A @ L.T), 0.0)
            owner[rows] = d2.argmin(axis=1)
            out[rows] = owner_distances(A, L, owner[rows])
        out[idx] = 0.0
        owner[idx] = np.arange(len(idx))
        return out, owner

    def matrix(self, idx: np.ndarray) -> np.ndarray:
        """Exact pairwise distances of the points ``idx``, shape ``(m, m)``: ``scipy``'s ``pdist``."""
        return pairwise_euclidean(self.exact(np.asarray(idx)))

    def error_bound(self, covering_radius: float) -> float:
        """Bottleneck bound between the diagrams of a subsample and of the whole cloud."""
        return 2.0 * covering_radius


class CosineSpace(EuclideanSpace):
    """Cosine distances ``1 - cos`` between the rows of ``X``: chordal distances on the sphere.

    ``row`` and ``nearest`` return chordal distances ``|u - v|`` of the unit-scaled rows; ``matrix``
    returns cosine distances ``|u - v|^2 / 2``. Covering radii are converted by ``to_metric``.
    """

    name = "cosine"

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.n = X.shape[0]
        self.shift = np.zeros(X.shape[1])
        norms = np.empty(self.n)
        for rows in _chunks(self.n, X.shape[1]):
            norms[rows] = np.linalg.norm(np.asarray(X[rows], dtype=np.float64), axis=1)
        if np.any(norms == 0):
            raise InputError(
                f"metric='cosine' needs nonzero rows; row {int(np.argmin(norms))} is all zeros"
            )
        self.scale = 1.0 / norms
        self.sq = np.ones(self.n)
        self._X32 = None
        # chordal diameter bound: by the triangle inequality, at most twice the largest distance
        # to any one point (and never more than 2)
        u0 = self.exact([0])[0]
        far = max(
            float(np.linalg.norm(self.exact(rows) - u0, axis=1).max())
            for rows in _chunks(self.n, X.shape[1])
        )
        self.chordal_diameter = float(min(2.0, 2.0 * far))

    def matrix(self, idx: np.ndarray) -> np.ndarray:
        return 0.5 * super().matrix(idx) ** 2

    @staticmethod
    def to_metric(chordal: float) -> float:
        """Convert a chordal distance to the cosine distance ``e^2 / 2``."""
        return 0.5 * chordal**2

    def error_bound(self, covering_radius: float) -> float:
        """Bottleneck bound from the chordal covering radius (see docs/concepts.md, Metrics)."""
        return 2.0 * covering_radius * self.chordal_diameter


class GraphSpace:
    """Hop-count distances in the symmetrised unweighted k-nearest-neighbour graph of ``X``.

    ``include_self``: the point counts as one of its own ``n_neighbors`` (so ``k - 1`` others), as
    in Naitzat et al.'s code (scikit-learn's ``kneighbors_graph(X)`` queried with the fitted
    points). ``deduplicate``: identical rows become one vertex of the graph (the authors'
    ``np.unique``); copies are at distance 0 from each other, so the homology is that of the
    de-duplicated cloud while every row keeps its index.
    """

    name = "knn_geodesic"

    def __init__(self, X: np.ndarray, n_neighbors: int = 14, include_self: bool = False,
                 deduplicate: bool = False) -> None:
        from sklearn.neighbors import NearestNeighbors

        X = np.asarray(X)
        self.n = X.shape[0]
        self.vertex = np.arange(self.n)
        if deduplicate:
            X, self.vertex = np.unique(X, axis=0, return_inverse=True)
            self.vertex = self.vertex.ravel()
        self.n_vertices = X.shape[0]
        k = check_int(n_neighbors, "metric_params['n_neighbors']", 1, integral_floats=True)
        k = min(k - 1 if include_self else k, X.shape[0] - 1)
        if k < 1:
            self.graph = None
            return
        nn = NearestNeighbors(n_neighbors=k).fit(X)
        A = nn.kneighbors_graph(mode="connectivity")
        self.graph = (A + A.T).tocsr()
        self.graph.data[:] = 1.0


    def _bfs(self, idx: np.ndarray) -> np.ndarray:
        from scipy.sparse.csgraph import shortest_path

        idx = np.atleast_1d(np.asarray(idx))
        if self.graph is None:
            out = np.full((len(idx), self.n_vertices), np.inf)
            out[np.arange(len(idx)), idx] = 0.0
            return out
        return shortest_path(self.graph, method="D", unweighted=True, indices=idx)

    def row(self, i: int) -> np.ndarray:
        return self._bfs(self.vertex[[i]])[0, self.vertex]

    def nearest(self, idx: np.ndarray) -> np.ndarray:
        from scipy.sparse.csgraph import dijkstra

        vertices = self.vertex[np.asarray(idx)]
        if self.graph is None:
            out = np.full(self.n_vertices, np.inf)
            out[vertices] = 0.0
            return out[self.vertex]
        return dijkstra(self.graph, unweighted=True, indices=vertices, min_only=True)[self.vertex]

    def matrix(self, idx: np.ndarray) -> np.ndarray:
        vertices = self.vertex[np.asarray(idx)]
        return self._bfs(vertices)[:, vertices]

    def error_bound(self, covering_radius: float) -> float:
        return 2.0 * covering_radius


class PrecomputedSpace:
    """A cloud given as its square distance matrix ``D`` (shape ``(n, n)``)."""

    name = "precomputed"

    def __init__(self, D: np.ndarray) -> None:
        D = np.asarray(D, dtype=np.float64)
        if D.ndim != 2 or D.shape[0] != D.shape[1]:
            raise InputError(f"metric='precomputed' needs square matrices, got shape {D.shape}")
        if np.any(np.isnan(D)) or np.any(D < 0):
            raise InputError("metric='precomputed' needs distances >= 0 without NaN")
        self.D = np.minimum(D, D.T)
        np.fill_diagonal(self.D, 0.0)
        self.n = D.shape[0]

    def row(self, i: int) -> np.ndarray:
        return self.D[i]

    def nearest(self, idx: np.ndarray) -> np.ndarray:
        return self.D[:, np.asarray(idx)].min(axis=1)

    def nearest_owner(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance from every point to its nearest point of ``idx`` and its position in ``idx``
        (ties to the earlier one)."""
        sub = self.D[:, np.asarray(idx)]
        owner = sub.argmin(axis=1)
        owner[np.asarray(idx)] = np.arange(len(idx))
        return sub[np.arange(self.n), owner], owner

    def matrix(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx)
        return self.D[np.ix_(idx, idx)]

    def error_bound(self, covering_radius: float) -> float:
        return 2.0 * covering_radius


MetricSpace = EuclideanSpace | CosineSpace | GraphSpace | PrecomputedSpace

register_metric("euclidean", EuclideanSpace)
register_metric("cosine", CosineSpace)
def _bool_problem(value: Any) -> str | None:
    return None if isinstance(value, bool | np.bool_) else f"must be true or false, got {value!r}"


register_metric("knn_geodesic", GraphSpace, params={"n_neighbors": lambda v: int_problem(v, 1),
                                                    "include_self": _bool_problem,
                                                    "deduplicate": _bool_problem})
register_metric("precomputed", PrecomputedSpace, point_clouds=False)


def metric_space(
    cloud: np.ndarray, metric: str, metric_params: dict | None = None
) -> MetricSpace:
    """Wrap one cloud in the metric space object for ``metric``.

    Parameters
    ----------
    cloud : ndarray of shape (n_points, n_features), or (n_points, n_points) if precomputed
        The point cloud, or its distance matrix for ``"precomputed"``.
    metric : str
        A registered name: ``"euclidean"``, ``"cosine"``, ``"knn_geodesic"``, ``"precomputed"``...
        (see docs/concepts.md, Metrics).
    metric_params : dict or None
        ``{"n_neighbors": k}`` for ``"knn_geodesic"``; no other built-in metric takes parameters.
    """
    entry = _REGISTRY.get(metric)
    problem = metric_params_problem(metric, metric_params)
    if problem:
        raise InputError(f"metric_params: {problem}")
    return entry.space(cloud, **dict(metric_params or {}))
