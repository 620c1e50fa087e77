"""The unit of work: Vietoris–Rips persistence of ONE point cloud, as a pure function.

:func:`compute_persistence` takes a cloud and parameters and returns a picklable
:class:`PersistenceResult`; it reads no global state, writes nothing and seeds its own random
generator, so executors (joblib here, Dask elsewhere) can run it anywhere. By default clouds above
:data:`DEFAULT_N_LANDMARKS` (300) points are replaced by maxmin landmarks, and every result
reports ``error_bound = 2 r``, a bound on the bottleneck distance to the exact diagram of the
whole cloud (``r`` the covering radius). How the default works, what it costs and what the bound
means: ``docs/concepts.md``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tda_nn.checks import check_homology_dimensions
from tda_nn.errors import InputError, InputTypeError
from tda_nn.features.components import minimum_spanning_tree
from tda_nn.homology.backends import check_backend, run_backend
from tda_nn.homology.chunked import ChunkedCloud
from tda_nn.homology.metrics import CosineSpace, metric_space
from tda_nn.homology.params import DEFAULT_N_LANDMARKS, SUBSAMPLE_CHOICES, PersistenceParams
from tda_nn.homology.subsample import Subsample, maxmin_landmarks, random_subsample

__all__ = [
    "DEFAULT_N_LANDMARKS",
    "DENSE_LIMIT",
    "PersistenceResult",
    "check_homology_dimensions",
    "compute_persistence",
]

#: largest number of points whose dense distance matrix is formed (about 290 MB in float64);
#: larger exact computations need a finite ``max_edge_length`` and go through a sparse matrix
DENSE_LIMIT = 6000
#: the subsample choices (:data:`tda_nn.homology.params.SUBSAMPLE_CHOICES`), under their old name
SUBSAMPLE_METHODS = SUBSAMPLE_CHOICES


@dataclass
class PersistenceResult:
    """Persistence diagram of one cloud with what is needed to trust it.

    Attributes
    ----------
    diagram : ndarray of shape (n_bars, 3)
        Rows ``(birth, death, dim)``, float64, unpadded, sorted by dimension; ``birth < death``.
    homology_dimensions : tuple of int
    n_points : int
        Points in the cloud.
    n_points_used : int
        Points the diagram was computed from (landmarks, or all).
    subsample : str
        ``"maxmin"``, ``"random"`` or ``"none"`` (the whole cloud).
    covering_radius : float
        Hausdorff distance from the cloud to the points used, in the metric's units; 0.0 if exact.
    error_bound : float
        Upper bound on the bottleneck distance (L-infinity ground metric) between ``diagram`` and the
        exact diagram of the whole cloud (see docs/concepts.md); 0.0 if exact.
    threshold : float
        Largest filtration value computed (``max_edge_length``; ``inf`` = full filtration). Deaths
        of bars still alive there are set to it.
    metric, backend : str
    coeff : int
    reduced_homology : bool
    seconds : float
        Wall time of the whole computation.
    indices : ndarray of shape (n_points_used,) or None
        Indices of the points used (landmark order for maxmin); None when the cloud is used whole.
    masses : ndarray of shape (n_points_used,) or None
        Cloud points each point used stands for (a maxmin landmark's Voronoi cell); None: 1 each.
    cell_radii : ndarray of shape (n_points_used,) or None
        Distance from each landmark to the farthest cloud point of its cell; None: 0 each.
    mst : ndarray of shape (n_points_used - 1, 3) or None
        Minimum spanning tree ``(i, j, length)`` of the points used (indices into them), sorted by
        length: the merge tree behind the H0 bars, read by the piece count of
        :mod:`tda_nn.features.components`. None for sparse (large exact) computations.
    """

    diagram: np.ndarray
    homology_dimensions: tuple[int, ...]
    n_points: int
    n_points_used: int
    subsample: str
    covering_radius: float
    error_bound: float
    threshold: float
    metric: str
    backend: str
    coeff: int = 2
    reduced_homology: bool = True
    seconds: float = 0.0
    indices: np.ndarray | None = field(default=None, repr=False)
    masses: np.ndarray | None = field(default=None, repr=False)
    cell_radii: np.ndarray | None = field(default=None, repr=False)
    mst: np.ndarray | None = field(default=None, repr=False)

    def bars(self, dim: int) -> np.ndarray:
        """The ``(birth, death)`` bars of one homology dimension, shape ``(n_bars_dim, 2)``.

        Parameters
        ----------
        dim : int
            Homology dimension.
        """
        return self.diagram[self.diagram[:, 2] == dim, :2]


def check_cloud(cloud, metric: str = "euclidean", name: str = "cloud") -> np.ndarray:
    """A finite 2-D float array (float32 kept, anything else float64), square if precomputed."""
    try:
        X = np.asarray(cloud)
        if np.iscomplexobj(X):
            raise InputError(f"{name}: Complex data not supported")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
    except InputError:
        raise
    except TypeError as exc:
        raise InputTypeError(f"{name}: not a numeric array ({exc})") from None
    except ValueError as exc:
        raise InputError(f"{name}: not a numeric array ({exc})") from None
    if X.ndim == 2 and X.shape[1] == 0:
        raise InputError(
            f"{name}: Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
            "required."
        )
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError(f"{name}: expected a 2-D array (n_points, n_features), got shape {X.shape}")
    if metric == "precomputed":
        if X.shape[0] != X.shape[1]:
            raise InputError(f"{name}: metric='precomputed' needs a square matrix, got {X.shape}")
        if np.isnan(X).any():
            raise InputError(f"{name}: distance matrix contains NaN")
    elif not np.isfinite(X).all():
        raise InputError(f"{name}: contains NaN or infinite values")
    return X


def _choose_subsample(space, subsample, n_landmarks, random_state) -> Subsample:
    n = space.n
    if subsample is None or subsample == "none":
        return Subsample(np.arange(n), 0.0, "none")
    if subsample == "auto" and n <= n_landmarks:
        return Subsample(np.arange(n), 0.0, "none")
    if subsample == "random":
        return random_subsample(space, n_landmarks, 0 if random_state is None else random_state)
    return maxmin_landmarks(space, n_landmarks, random_state)  # "auto" or "maxmin"


def _chunked_subsample(cloud, metric, subsample, n_landmarks, random_state, scheduler):
    """(space, subsample) of a chunked cloud, or (None, None) when it is to be used whole."""
    from tda_nn.homology.outofcore import ChunkedEuclidean

    whole = subsample in (None, "none") or (subsample == "auto" and cloud.n <= n_landmarks)
    if whole:
        if cloud.n > DENSE_LIMIT:
            raise InputError(
                f"{cloud.where}: subsample={subsample!r} on {cloud.n} points read by blocks "
                "would hold the whole layer; use subsample='auto' (landmarks)"
            )
        return None, None
    if metric != "euclidean":
        raise InputError(
            f"{cloud.where}: metric={metric!r} is not available for a layer read by blocks "
            "(out of core); use metric='euclidean'"
        )
    with _client(scheduler) as client:
        space = ChunkedEuclidean(cloud, scheduler=client)
        if subsample == "random":
            sub = space.random(n_landmarks, 0 if random_state is None else random_state)
        else:
            sub = space.maxmin(n_landmarks, random_state)
    space.map = None  # the client is closed; the space still answers matrix() from held rows
    return space, sub


@contextlib.contextmanager
def _client(scheduler):
    """A Dask client for the passes of one computation (opened here if given by address)."""
    if scheduler is None:
        yield None
        return
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    try:
        client = Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach Dask scheduler {scheduler!r}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()


def _sparse_matrix(space, thresh: float):
    """Edges not longer than ``thresh`` of the whole cloud, as a sparse matrix (exact, large n)."""
    import scipy.sparse as sp
    from sklearn.neighbors import radius_neighbors_graph

    if isinstance(space, CosineSpace):
        chord = np.sqrt(2.0 * thresh)
        G = radius_neighbors_graph(space.exact(slice(None)), radius=chord, mode="distance")
        G.data = 0.5 * G.data**2
        return G.tocoo()
    if space.name == "euclidean":
        G = radius_neighbors_graph(space.exact(slice(None)), radius=thresh, mode="distance")
        return G.tocoo()
    rows, cols, vals = [], [], []
    step = max(1, (32 * 2**20) // (8 * space.n))
    for s in range(0, space.n, step):
        idx = np.arange(s, min(s + step, space.n))
        block = space._bfs(idx)
        r, c = np.nonzero(block <= thresh)
        rows.append(idx[r])
        cols.append(c)
        vals.append(block[r, c])
    rows, cols, vals = (np.concatenate(a) for a in (rows, cols, vals))
    keep = rows != cols
    return sp.coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(space.n, space.n))


def _to_float32_values(D):
    """Round distances to float32 (the engines' precision) but keep them in float64 arrays."""
    if isinstance(D, np.ndarray):
        return D.astype(np.float32).astype(np.float64)
    D = D.tocoo()  # a scipy sparse matrix of edges
    D.data = D.data.astype(np.float32).astype(np.float64)
    D.data[D.data == 0] = np.nextafter(np.float32(0), np.float32(1))
    return D


def _distances(space, sub: Subsample, thresh: float):
    """Distance matrix of the points used (dense, or sparse for large exact clouds), threshold.

    Unreachable pairs (a disconnected kNN graph) become absent edges, and an infinite threshold
    becomes the largest finite distance, so that every essential bar gets a finite death.
    """
    m = len(sub.indices)
    if sub.method == "none" and m > DENSE_LIMIT and space.name != "precomputed":
        if not np.isfinite(thresh):
            raise InputError(
                f"subsample=None on {m} points needs a finite max_edge_length "
                f"(a dense matrix above {DENSE_LIMIT} points is not formed); "
                "or use subsample='maxmin'"
            )
        return _to_float32_values(_sparse_matrix(space, thresh)), thresh
    D = space.matrix(sub.indices)
    finite = np.isfinite(D)
    if not finite.all():
        top = float(D[finite].max()) if finite.any() else 0.0
        thresh = min(thresh, top) if np.isfinite(thresh) else top
        D = np.where(finite, D, 2.0 * thresh + 1.0)
    return _to_float32_values(D), thresh


def _layout(
    raw: list[np.ndarray], dims: tuple[int, ...], reduced: bool, thresh: float,
    infinity_values: float | None = None,
):
    """Raw per-dimension bars to one ``(n_bars, 3)`` diagram in giotto-tda's conventions.

    Deaths still infinite (bars alive at the threshold) become ``infinity_values``, or the
    threshold when that is None and the threshold is finite (giotto-tda's ``infinity_values``).
    """
    fill = thresh if infinity_values is None else float(infinity_values)
    rows = []
    for k in dims:
        bars = raw[k]
        if k == 0 and reduced and len(bars):
            essential = np.flatnonzero(np.isinf(bars[:, 1]))
            if len(essential):
                bars = np.delete(bars, essential[0], axis=0)
        bars = bars.copy()
        if not np.isinf(fill):
            bars[np.isinf(bars[:, 1]), 1] = fill
        bars = bars[bars[:, 0] < bars[:, 1]]
        rows.append(np.column_stack([bars, np.full(len(bars), float(k))]))
    return np.vstack(rows)


def compute_persistence(
    cloud,
    *,
    homology_dimensions: Iterable[int] = (0, 1),
    metric: str = "euclidean",
    metric_params: dict | None = None,
    max_edge_length: float = np.inf,
    subsample: str | None = "auto",
    n_landmarks: int = DEFAULT_N_LANDMARKS,
    coeff: int = 2,
    backend: str = "giotto-ph",
    reduced_homology: bool = True,
    collapse_edges: bool | str = "auto",
    n_threads: int = 1,
    random_state: int | np.random.Generator | None = None,
    infinity_values: float | None = None,
    scheduler: Any = None,
) -> PersistenceResult:
    """Vietoris–Rips persistence diagram of one point cloud, with its error bound.

    Parameters
    ----------
    cloud : array-like of shape (n_points, n_features), or (n_points, n_points) if precomputed
        The point cloud (or a :class:`~tda_nn.homology.chunked.ChunkedCloud`, see Notes).
    homology_dimensions : iterable of int
        Dimensions to report, e.g. ``(0, 1, 2)``.
    metric : str
        A registered metric: ``"euclidean"``, ``"cosine"``, ``"knn_geodesic"``,
        ``"precomputed"`` (see :mod:`tda_nn.homology.metrics`).
    metric_params : dict or None
        ``{"n_neighbors": k}`` for ``"knn_geodesic"`` (default 14).
    max_edge_length : float
        Threshold of the filtration; ``inf`` computes the full filtration.
    subsample : {"auto", "maxmin", "random", "none"} or None
        ``"auto"``: ``n_landmarks`` maxmin landmarks for clouds larger than that, else the whole
        cloud; ``"maxmin"``/``"random"``: ``min(n_landmarks, n)`` points; ``"none"``/None: the
        whole cloud (exact).
    n_landmarks : int
        Size of the subsample.
    coeff : int
        Prime ``p``: homology with coefficients in Z/pZ.
    backend : str
        A registered backend: ``"giotto-ph"``, ``"ripser"``, ``"gudhi"``, ``"giotto-tda"``.
    reduced_homology : bool
        Drop the one essential H0 bar (giotto-tda's convention).
    collapse_edges : bool or "auto"
        Edge collapse in giotto-ph/giotto-tda; ``"auto"`` uses it for H2 and above under a finite
        threshold, where it is much faster (and it is exact).
    n_threads : int
        Threads for giotto-ph's reduction (dimensions >= 1).
    random_state : int, Generator or None
        Seeds the subsample; None: deterministic (maxmin starts nearest the centroid; a random
        subsample uses seed 0), so the same cloud always gives the same diagram.
    infinity_values : float or None
        Death given to bars still alive at the threshold (giotto-tda's parameter); None: the
        threshold (``inf`` for the full filtration, where only essential bars stay alive).
    scheduler : str, distributed.Client, distributed.LocalCluster or None
        For a :class:`~tda_nn.homology.chunked.ChunkedCloud` only: run its passes on this Dask
        cluster (same result as without).

    Returns
    -------
    PersistenceResult

    Notes
    -----
    A :class:`~tda_nn.homology.chunked.ChunkedCloud` (a layer read by blocks of rows, see
    :func:`~tda_nn.homology.chunked.open_chunked`) is subsampled out of core
    (:mod:`tda_nn.homology.outofcore`, Euclidean metric): the same landmarks, covering radius,
    masses and diagram as the in-memory path, up to float32 rounding of the distances the greedy
    choice compares, in memory bounded by one block plus the candidates.

    The keywords ``homology_dimensions`` .. ``coeff`` are validated as
    :class:`~tda_nn.homology.params.PersistenceParams` (one set of rules for every caller).
    """
    start = time.perf_counter()
    params = PersistenceParams(
        homology_dimensions=homology_dimensions, metric=metric, metric_params=metric_params,
        subsample=subsample, n_landmarks=n_landmarks, max_edge_length=max_edge_length,
        backend=backend, coeff=coeff,
    )
    check_backend(backend)  # installed?
    dims, thresh = params.homology_dimensions, params.threshold
    n_landmarks = params.persistence_kwargs()["n_landmarks"]
    if infinity_values is not None and (
        isinstance(infinity_values, bool) or not isinstance(infinity_values, int | float | np.number)
        or np.isnan(infinity_values)
    ):
        raise InputError(f"infinity_values must be a number or None, got {infinity_values!r}")
    if isinstance(cloud, ChunkedCloud):
        space, sub = _chunked_subsample(cloud, metric, subsample, n_landmarks,
                                        random_state, scheduler)
        if space is None:  # small enough to be used whole: the in-memory path
            cloud = cloud.rows(np.arange(cloud.n))
    if not isinstance(cloud, ChunkedCloud):
        X = check_cloud(cloud, metric)
        space = metric_space(X, metric, metric_params)
        sub = _choose_subsample(space, subsample, n_landmarks, random_state)
    D, thresh = _distances(space, sub, thresh)
    if collapse_edges == "auto":
        collapse = bool(dims[-1] >= 2 and np.isfinite(thresh))
    else:
        collapse = bool(collapse_edges)
    raw = run_backend(backend, D, dims[-1], thresh, params.coeff, int(n_threads), collapse)
    diagram = _layout(raw, dims, reduced_homology, thresh, infinity_values)
    mst = minimum_spanning_tree(D) if isinstance(D, np.ndarray) and 0 in dims else None

    radius = sub.covering_radius
    if sub.method == "none":
        bound = 0.0
    elif isinstance(space, CosineSpace):
        bound = space.error_bound(radius)
        radius = CosineSpace.to_metric(radius)
    else:
        bound = space.error_bound(radius)
    return PersistenceResult(
        diagram=diagram,
        homology_dimensions=dims,
        n_points=space.n,
        n_points_used=len(sub.indices),
        subsample=sub.method,
        covering_radius=float(radius),
        error_bound=float(bound),
        threshold=float(thresh),
        metric=metric,
        backend=backend,
        coeff=params.coeff,
        reduced_homology=bool(reduced_homology),
        seconds=time.perf_counter() - start,
        indices=None if sub.method == "none" else sub.indices,
        masses=sub.masses,
        cell_radii=sub.radii,
        mst=mst,
    )
