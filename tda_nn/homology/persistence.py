"""``VietorisRipsPersistence``: a collection of point clouds in, padded diagrams out.

The transformer maps the pure per-cloud function :func:`tda_nn.homology.unit.compute_persistence`
over the clouds with joblib and pads the diagrams into giotto-tda's layout, so that it chains with
:class:`tda_nn.features.betti.BettiNumbers` (and giotto-tda's diagram transformers) in a
scikit-learn ``Pipeline``. See :mod:`tda_nn.homology.unit` for how the default chooses its
landmarks and what each approximation costs and guarantees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from tda_nn.diagrams import pad_diagrams
from tda_nn.errors import InputError
from tda_nn.homology.backends import check_backend
from tda_nn.homology.metrics import METRICS
from tda_nn.homology.unit import (
    DEFAULT_N_LANDMARKS,
    SUBSAMPLE_METHODS,
    PersistenceResult,
    check_cloud,
    check_homology_dimensions,
    compute_persistence,
)

__all__ = ["VietorisRipsPersistence", "check_point_clouds", "pad_diagrams"]


def check_point_clouds(X, metric: str = "euclidean") -> list[np.ndarray]:
    """Validate a collection of point clouds.

    Parameters
    ----------
    X : list of array-like of shape (n_points_i, n_features_i), or ndarray of shape
        (n_clouds, n_points, n_features)
        Square distance matrices when ``metric="precomputed"``.

    Returns
    -------
    list of ndarray
        float64 2-D arrays, one per cloud.
    """
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise InputError(
                f"point clouds: expected a list of 2-D arrays or a 3-D array, got shape {X.shape}"
            )
        clouds = list(X)
    elif isinstance(X, Sequence) or hasattr(X, "__iter__"):
        clouds = list(X)
    else:
        raise InputError(f"point clouds: expected a list of 2-D arrays, got {type(X).__name__}")
    if not clouds:
        raise InputError("point clouds: the collection is empty")
    return [check_cloud(c, metric, name=f"point cloud {i}") for i, c in enumerate(clouds)]


def _cloud_seeds(random_state, n: int) -> list:
    """One independent seed per cloud, reproducible whatever ``n_jobs`` is."""
    if random_state is None:
        return [None] * n
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**31 - 1))
    return [np.random.default_rng(s) for s in np.random.SeedSequence(random_state).spawn(n)]


class VietorisRipsPersistence(TransformerMixin, BaseEstimator):
    """Vietoris–Rips persistence diagrams of a collection of point clouds.

    Parameters
    ----------
    homology_dimensions : tuple of int, default (0, 1)
        Homology dimensions to compute (any non-negative integers; cost grows fast above 2).
    metric : {"euclidean", "cosine", "knn_geodesic", "precomputed"}, default "euclidean"
        ``"knn_geodesic"`` is the hop-count distance in the k-nearest-neighbour graph of Naitzat
        et al. (2020), ``metric_params={"n_neighbors": 14}``.
    metric_params : dict or None
    max_edge_length : float, default inf
        Filtration threshold; bars alive there get this death. ``inf``: full filtration.
    subsample : {"auto", "maxmin", "random", "none"} or None, default "auto"
        ``"auto"``: ``n_landmarks`` maxmin landmarks for clouds larger than that, else exact.
    n_landmarks : int, default 300
    coeff : int, default 2
        Prime field of coefficients.
    backend : {"giotto-ph", "ripser", "gudhi", "giotto-tda"}, default "giotto-ph"
    reduced_homology : bool, default True
        Drop the one essential H0 bar (as giotto-tda does): beta_0 = alive H0 bars + 1.
    collapse_edges : bool or "auto", default "auto"
    n_threads : int, default 1
        Threads inside one computation (giotto-ph, dimensions >= 1).
    n_jobs : int or None, default None
        Clouds computed in parallel by joblib (-1: all cores).
    random_state : int, Generator or None, default None
        Seeds the subsamples; cloud ``i`` gets the ``i``-th child of ``SeedSequence(random_state)``
        so results do not depend on ``n_jobs``.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Sorted dimensions (set by ``fit``).
    n_clouds_ : int
        Clouds seen by ``fit``.
    results_ : list of PersistenceResult
        Set by every ``transform``: per cloud, the unpadded diagram and its metadata.
    covering_radii_, error_bounds_, thresholds_, seconds_ : ndarray of shape (n_clouds,)
        Per-cloud covering radius of the subsample (0 if exact), bound on the bottleneck distance
        to the exact diagram, threshold used, and wall time; set by ``transform``.
    n_points_used_ : ndarray of shape (n_clouds,) of int
        Points each diagram was computed from; set by ``transform``.
    """

    def __init__(
        self,
        homology_dimensions: tuple[int, ...] = (0, 1),
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
        n_jobs: int | None = None,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.homology_dimensions = homology_dimensions
        self.metric = metric
        self.metric_params = metric_params
        self.max_edge_length = max_edge_length
        self.subsample = subsample
        self.n_landmarks = n_landmarks
        self.coeff = coeff
        self.backend = backend
        self.reduced_homology = reduced_homology
        self.collapse_edges = collapse_edges
        self.n_threads = n_threads
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _validate_params(self) -> None:
        self.homology_dimensions_ = check_homology_dimensions(self.homology_dimensions)
        if self.metric not in METRICS:
            raise InputError(f"metric must be one of {METRICS}, got {self.metric!r}")
        if self.subsample is not None and self.subsample not in SUBSAMPLE_METHODS:
            raise InputError(
                f"subsample must be one of {SUBSAMPLE_METHODS} or None, got {self.subsample!r}"
            )
        check_backend(self.backend)
        if self.collapse_edges not in (True, False, "auto"):
            raise InputError(f"collapse_edges must be True, False or 'auto', got {self.collapse_edges!r}")

    def fit(self, X, y=None) -> VietorisRipsPersistence:
        """Validate the parameters and the clouds; record ``homology_dimensions_``.

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        self.n_clouds_ = len(check_point_clouds(X, self.metric))
        return self

    def _compute(self, clouds: list[np.ndarray]) -> list[PersistenceResult]:
        from joblib import Parallel, delayed

        seeds = _cloud_seeds(self.random_state, len(clouds))
        kwargs = dict(
            homology_dimensions=self.homology_dimensions_,
            metric=self.metric,
            metric_params=self.metric_params,
            max_edge_length=self.max_edge_length,
            subsample=self.subsample,
            n_landmarks=self.n_landmarks,
            coeff=self.coeff,
            backend=self.backend,
            reduced_homology=self.reduced_homology,
            collapse_edges=self.collapse_edges,
            n_threads=self.n_threads,
        )
        if self.n_jobs in (None, 1) or len(clouds) == 1:
            return [compute_persistence(c, random_state=s, **kwargs) for c, s in zip(clouds, seeds, strict=True)]
        return Parallel(n_jobs=self.n_jobs)(
            delayed(compute_persistence)(c, random_state=s, **kwargs)
            for c, s in zip(clouds, seeds, strict=True)
        )

    def transform(self, X, y=None) -> np.ndarray:
        """Compute the diagrams of every cloud.

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i)
        y : ignored

        Returns
        -------
        ndarray of shape (n_clouds, n_features, 3)
            Rows ``(birth, death, dim)``, padded per dimension with ``birth == death`` rows.
        """
        check_is_fitted(self, "homology_dimensions_")
        clouds = check_point_clouds(X, self.metric)
        results = self._compute(clouds)
        self.results_ = results
        self.covering_radii_ = np.array([r.covering_radius for r in results])
        self.error_bounds_ = np.array([r.error_bound for r in results])
        self.thresholds_ = np.array([r.threshold for r in results])
        self.seconds_ = np.array([r.seconds for r in results])
        self.n_points_used_ = np.array([r.n_points_used for r in results], dtype=np.int64)
        return pad_diagrams([r.diagram for r in results], self.homology_dimensions_)
