"""``VietorisRipsPersistence``: a collection of point clouds in, padded diagrams out.

The transformer maps the pure per-cloud function :func:`tda_nn.homology.unit.compute_persistence`
over the clouds with joblib and pads the diagrams into giotto-tda's layout, so that it chains with
:class:`tda_nn.features.betti.BettiNumbers` (and giotto-tda's diagram transformers) in a
scikit-learn ``Pipeline``. See :mod:`tda_nn.homology.unit` for how the default chooses its
landmarks and what each approximation costs and guarantees.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from tda_nn._sklearn import (
    OneOf,
    Satisfies,
    TdaEstimatorMixin,
    ThreeDOutputMixin,
    is_prime,
    non_negative_int_sequence,
)
from tda_nn.diagrams import pad_diagrams
from tda_nn.errors import InputError
from tda_nn.execution import run_units
from tda_nn.homology.backends import BACKENDS, check_backend
from tda_nn.homology.metrics import METRICS, metric_params_problem
from tda_nn.homology.params import DEFAULT_N_LANDMARKS, SUBSAMPLE_CHOICES, PersistenceParams
from tda_nn.homology.unit import PersistenceResult, check_cloud, compute_persistence

__all__ = ["VietorisRipsPersistence", "check_point_clouds", "pad_diagrams"]


def check_point_clouds(X, metric: str = "euclidean") -> list[np.ndarray]:
    """Validate a collection of point clouds.

    Parameters
    ----------
    X : list of array-like of shape (n_points_i, n_features_i), or ndarray (n_clouds, n_points, n_features)
        Square distance matrices when ``metric="precomputed"``.
    metric : {"euclidean", "cosine", "knn_geodesic", "precomputed"}
        The metric the clouds will be measured in (decides what a valid cloud is).

    Returns
    -------
    list of ndarray
        float64 2-D arrays, one per cloud.
    """
    from tda_nn.diagrams import is_sparse

    if is_sparse(X):
        raise InputError("point clouds: sparse input is not supported; pass dense arrays")
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise InputError(
                f"point clouds: expected a list of 2-D arrays or a 3-D array, got shape "
                f"{X.shape}. Reshape your data: one cloud of shape (n_points, n_features) is "
                "[cloud]"
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


#: the per-cloud arrays kept by ``fit_transform``: attribute -> PersistenceResult field
_FIT_ARRAYS = {
    "covering_radii_": "covering_radius",
    "error_bounds_": "error_bound",
    "thresholds_": "threshold",
    "seconds_": "seconds",
    "n_points_used_": "n_points_used",
}


def _persistence_unit(task: tuple[np.ndarray, object], *, kwargs: dict) -> PersistenceResult:
    """:func:`compute_persistence` of one ``(cloud, seed)`` (picklable with functools.partial)."""
    cloud, seed = task
    return compute_persistence(cloud, random_state=seed, **kwargs)


class VietorisRipsPersistence(
    TdaEstimatorMixin, ThreeDOutputMixin, TransformerMixin, BaseEstimator,
    auto_wrap_output_keys=None,
):
    """Vietoris–Rips persistence diagrams of a collection of point clouds.

    Accepts every parameter of ``gtda.homology.VietorisRipsPersistence`` with the same meaning
    (``metric``, ``metric_params``, ``homology_dimensions``, ``collapse_edges``, ``coeff``,
    ``max_edge_length``, ``infinity_values``, ``reduced_homology``, ``n_jobs``); the defaults
    differ only in ``subsample`` (giotto-tda always computes the exact diagram) and
    ``collapse_edges`` (exact either way). :class:`tda_nn.gtda.homology.VietorisRipsPersistence`
    has giotto-tda's defaults.

    Parameters
    ----------
    homology_dimensions : sequence of int, default (0, 1)
        Homology dimensions to compute (distinct non-negative integers; cost grows fast above 2).
    metric : str, default "euclidean"
        A registered metric (:data:`tda_nn.homology.metrics.METRICS`): ``"euclidean"``,
        ``"cosine"``, ``"knn_geodesic"``, ``"precomputed"``. ``"knn_geodesic"`` is the hop-count distance in the k-nearest-neighbour graph of Naitzat
        et al. (2020), ``metric_params={"n_neighbors": 14}``.
    metric_params : dict or None
        ``{"n_neighbors": k}`` for ``"knn_geodesic"``; empty (or None) for the other metrics.
    max_edge_length : float, default inf
        Filtration threshold; bars alive there get ``infinity_values``. ``inf``: full filtration.
    subsample : {"auto", "maxmin", "random", "none"} or None, default "auto"
        ``"auto"``: ``n_landmarks`` maxmin landmarks for clouds larger than that, else exact.
    n_landmarks : int, default 300
        Size of the subsample (maxmin landmarks for ``"auto"``).
    coeff : int, default 2
        Prime field of coefficients.
    backend : str, default "giotto-ph"
        A registered backend (:data:`tda_nn.homology.backends.BACKENDS`): ``"giotto-ph"``,
        ``"ripser"``, ``"gudhi"``, ``"giotto-tda"``.
    reduced_homology : bool, default True
        Drop the one essential H0 bar (as giotto-tda does): beta_0 = alive H0 bars + 1.
    collapse_edges : bool or "auto", default "auto"
        Edge collapse in giotto-ph/giotto-tda; ``"auto"`` uses it for H2 and above under a finite
        threshold (exact, and much faster there).
    n_threads : int, default 1
        Threads inside one computation (giotto-ph, dimensions >= 1); -1: all cores.
    n_jobs : int or None, default None
        Clouds computed in parallel by joblib (-1: all cores).
    random_state : int, RandomState, Generator or None, default None
        Seeds the subsamples; cloud ``i`` gets the ``i``-th child of ``SeedSequence(random_state)``
        so results do not depend on ``n_jobs``. None: deterministic landmarks.
    infinity_values : float or None, default None
        Death given to bars alive at ``max_edge_length``; None: ``max_edge_length`` (giotto-tda's
        convention).

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Sorted dimensions (set by ``fit``).
    n_features_in_ : int
        Coordinates per point of the clouds passed to ``fit`` (points per matrix for
        ``metric="precomputed"``); only set when every cloud has the same width. Not enforced by
        ``transform``: clouds of any width can be transformed (layers differ).
    n_clouds_ : int
        Clouds seen by ``fit``.
    results_ : list of PersistenceResult
        Set by ``fit_transform`` only: per cloud of the training collection, the unpadded diagram
        and its metadata. ``transform`` changes nothing on the estimator; for the results of any
        other collection call :meth:`transform_results`.
    covering_radii_, error_bounds_, thresholds_, seconds_ : ndarray of shape (n_clouds,)
        Set by ``fit_transform``: per-cloud covering radius of the subsample (0 if exact), bound
        on the bottleneck distance to the exact diagram, threshold used, and wall time.
    n_points_used_ : ndarray of shape (n_clouds,) of int
        Set by ``fit_transform``: points each diagram was computed from.

    Notes
    -----
    Until tda-nn 0.1 every ``transform`` overwrote ``results_`` and the per-cloud arrays; they
    now describe the collection passed to ``fit_transform``, and an estimator fitted with plain
    ``fit`` has none (reading one raises an ``AttributeError`` that names
    :meth:`transform_results`).
    """

    _parameter_constraints: dict = {
        "homology_dimensions": [
            Satisfies(non_negative_int_sequence, "a sequence of distinct non-negative integers")
        ],
        "metric": [OneOf(METRICS)],
        "metric_params": [dict, None],
        "max_edge_length": [Interval(Real, 0, None, closed="right")],
        "subsample": [StrOptions(set(SUBSAMPLE_CHOICES)), None],
        "n_landmarks": [Interval(Integral, 1, None, closed="left")],
        "coeff": [Satisfies(is_prime, "a prime number")],
        "backend": [OneOf(BACKENDS)],
        "reduced_homology": ["boolean"],
        "collapse_edges": ["boolean", StrOptions({"auto"})],
        "n_threads": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state", np.random.Generator],
        "infinity_values": [Interval(Real, None, None, closed="both"), None],
    }

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
        infinity_values: float | None = None,
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
        self.infinity_values = infinity_values

    def _check_param_combinations(self) -> None:
        check_backend(self.backend)  # installed?
        problem = metric_params_problem(self.metric, self.metric_params)
        if problem:
            raise self._param_error("metric_params", f"valid for metric={self.metric!r} ({problem})",
                                    self.metric_params)

    def _params(self) -> PersistenceParams:
        """The persistence parameters of this estimator (validated by ``fit``)."""
        return PersistenceParams(
            homology_dimensions=self.homology_dimensions_, metric=self.metric,
            metric_params=self.metric_params, subsample=self.subsample,
            n_landmarks=self.n_landmarks, max_edge_length=self.max_edge_length,
            backend=self.backend, coeff=self.coeff,
        )

    def fit(self, X, y=None) -> VietorisRipsPersistence:
        """Validate the parameters and the clouds; learn ``homology_dimensions_``.

        Computes no diagram (``fit_transform`` does, once).

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i), or ndarray (n_clouds, n_points, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def _fit(self, X) -> list[np.ndarray]:
        self._validate_params()
        clouds = check_point_clouds(X, self.metric)
        for name in ("results_", *_FIT_ARRAYS):
            self.__dict__.pop(name, None)
        self.homology_dimensions_ = tuple(sorted(int(d) for d in self.homology_dimensions))
        self.n_clouds_ = len(clouds)
        widths = {c.shape[1] for c in clouds}
        if len(widths) == 1:
            self.n_features_in_ = widths.pop()
        else:
            self.__dict__.pop("n_features_in_", None)
        return clouds

    def _compute(self, clouds: list[np.ndarray]) -> list[PersistenceResult]:
        seeds = _cloud_seeds(self.random_state, len(clouds))
        kwargs = self._params().persistence_kwargs()
        del kwargs["random_state"]
        kwargs.update(
            reduced_homology=self.reduced_homology,
            collapse_edges=self.collapse_edges,
            n_threads=self.n_threads,
            infinity_values=self.infinity_values,
        )
        results, _ = run_units(functools.partial(_persistence_unit, kwargs=kwargs),
                               list(zip(clouds, seeds, strict=True)), n_jobs=self.n_jobs,
                               progress=False, desc="diagrams")
        return results

    def _pad(self, results: list[PersistenceResult]) -> np.ndarray:
        return pad_diagrams([r.diagram for r in results], self.homology_dimensions_)

    def transform_results(self, X) -> list[PersistenceResult]:
        """Per-cloud results of ``X`` (unpadded diagram, covering radius, error bound, ...).

        Changes nothing on the estimator.

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i)

        Returns
        -------
        list of PersistenceResult
            One per cloud; ``pad_diagrams([r.diagram for r in results], homology_dimensions_)``
            is what ``transform`` returns.
        """
        check_is_fitted(self, "homology_dimensions_")
        return self._compute(check_point_clouds(X, self.metric))

    def transform(self, X, y=None) -> np.ndarray:
        """Compute the diagrams of every cloud (the estimator is not changed).

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i)
        y : ignored

        Returns
        -------
        ndarray of shape (n_clouds, n_features, 3)
            Rows ``(birth, death, dim)``, padded per dimension with ``birth == death`` rows.
        """
        return self._pad(self.transform_results(X))

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        """``fit`` then ``transform``, computing once; keeps ``results_`` and the per-cloud arrays.

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i)
        y : ignored
        **fit_params : ignored
            Accepted for scikit-learn's API.

        Returns
        -------
        ndarray of shape (n_clouds, n_features, 3)
        """
        clouds = self._fit(X)
        results = self._compute(clouds)
        self.results_ = results
        for name, field in _FIT_ARRAYS.items():
            dtype = np.int64 if field == "n_points_used" else np.float64
            setattr(self, name, np.array([getattr(r, field) for r in results], dtype=dtype))
        return self._pad(results)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the last axis of the output: ``birth``, ``death``, ``homology_dimension``.

        The number of rows per diagram depends on the collection transformed, so rows have no
        fixed names; the transformers after this one name their own columns.

        Parameters
        ----------
        input_features : ignored
            Accepted for scikit-learn's API.
        """
        check_is_fitted(self, "homology_dimensions_")
        return np.array(["birth", "death", "homology_dimension"], dtype=object)

    def __getattr__(self, name: str):
        if name == "results_" or name in _FIT_ARRAYS:
            raise AttributeError(
                f"{type(self).__name__}.{name} is set by fit_transform only (transform leaves the "
                "estimator unchanged); call transform_results(X) for the results of X"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
