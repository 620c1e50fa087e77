"""Scalar summaries of persistence diagrams, one number per (cloud, homology dimension).

Persistence entropy, amplitude (bottleneck, Wasserstein, Betti, landscape), total persistence and
number of bars, with giotto-tda 0.6's definitions so that numbers agree; padding rows
(``birth == death``) are ignored and diagrams of different lengths are accepted. The definitions:
``docs/concepts.md`` (Diagram features).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions

from tda_nn._sklearn import (
    ParameterError,
)
from tda_nn.checks import check_int
from tda_nn.diagrams import check_diagrams, diagram_homology_dimensions
from tda_nn.errors import InputError
from tda_nn.features._transformer import (
    DIAGRAM_CONSTRAINTS,
    _check_fitted_dims,
    _columns,
    _DiagramTransformer,
    _lifetimes,
    _resolve_dimensions,
)
from tda_nn.features.curves import _betti_values, _landscape_values, fit_samplings

__all__ = [
    "AMPLITUDE_METRICS",
    "Amplitude",
    "NumberOfBars",
    "PersistenceEntropy",
    "TotalPersistence",
    "amplitude",
    "check_diagrams",
    "diagram_homology_dimensions",
    "number_of_bars",
    "persistence_entropy",
    "summary_records",
    "total_persistence",
]

#: metric name -> default parameters (``p``, and grid size / layers for the functional ones)
AMPLITUDE_METRICS: dict[str, dict[str, Any]] = {
    "bottleneck": {},
    "wasserstein": {"p": 2.0},
    "betti": {"p": 2.0, "n_bins": 100},
    "landscape": {"p": 2.0, "n_bins": 100, "n_layers": 1},
}


class _DiagramSummary(_DiagramTransformer):
    """Base of the scalar summaries: ``transform`` gives (n_clouds, n_dims), named columns."""

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``<prefix>_h<dim>`` for the output columns.

        Parameters
        ----------
        input_features : ignored
            Accepted for scikit-learn's API.
        """
        dims = _check_fitted_dims(self)
        return np.array([f"{self._prefix}_h{d}" for d in dims], dtype=object)


# ---------------------------------------------------------------------------------------------
# persistence entropy
# ---------------------------------------------------------------------------------------------
def persistence_entropy(
    diagrams: Any,
    *,
    normalize: bool = False,
    nan_fill_value: float | None = -1.0,
    homology_dimensions: Sequence[int] | None = None,
) -> np.ndarray:
    """Base-2 persistence entropy per cloud and homology dimension (giotto-tda's definition).

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3)
        Diagrams in giotto-tda's layout.
    normalize : bool
        Divide by ``log2`` of the total lifetime, as ``gtda.diagrams.PersistenceEntropy`` does.
    nan_fill_value : float or None
        Value for dimensions without bars (entropy undefined); None keeps NaN.
    homology_dimensions : sequence of int, optional
        Output columns; default: the dimensions present in ``diagrams``, sorted.

    Returns
    -------
    entropy : ndarray of shape (n_clouds, n_dims)
    """
    X = check_diagrams(diagrams, allow_infinite_deaths=False)
    dims = _resolve_dimensions(X, homology_dimensions)
    return _entropy(X, dims, normalize, nan_fill_value)


def _entropy(
    X: np.ndarray, dims: Sequence[int], normalize: bool, nan_fill_value: float | None
) -> np.ndarray:
    out = np.empty((X.shape[0], len(dims)))
    for j, d in enumerate(dims):
        life = _lifetimes(X, d)
        total = life.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            prob = life / total[:, None]
            terms = np.where(prob > 0, -prob * np.log2(np.where(prob > 0, prob, 1.0)), 0.0)
            h = np.where(total > 0, terms.sum(axis=1), np.nan)
            if normalize:
                h = h / np.log2(total)
        out[:, j] = h
    if nan_fill_value is not None:
        out[np.isnan(out)] = nan_fill_value
    return out


class PersistenceEntropy(_DiagramSummary):
    """Persistence entropy per homology dimension, as ``gtda.diagrams.PersistenceEntropy``.

    Parameters
    ----------
    normalize : bool, default False
        Divide by ``log2`` of the total lifetime (giotto-tda's heuristic).
    nan_fill_value : float or None, default -1.0
        Value for dimensions without bars.
    homology_dimensions : sequence of int, optional
        Output columns; default: the dimensions seen in ``fit``.
    n_jobs : int or None, default None
        Diagrams transformed in parallel by joblib (giotto-tda's parameter).

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Output column order.
    n_features_in_ : int
        Rows per diagram of the collection passed to ``fit``.
    """

    _prefix = "persistence_entropy"
    _parameter_constraints: dict = {
        **DIAGRAM_CONSTRAINTS,
        "normalize": ["boolean"],
        "nan_fill_value": [Real, None],
    }

    def __init__(
        self,
        normalize: bool = False,
        nan_fill_value: float | None = -1.0,
        homology_dimensions: Sequence[int] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.normalize = normalize
        self.nan_fill_value = nan_fill_value
        self.homology_dimensions = homology_dimensions
        self.n_jobs = n_jobs

    def _transform(self, X: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        return _entropy(X, dims, bool(self.normalize), self.nan_fill_value)


# ---------------------------------------------------------------------------------------------
# total persistence and number of bars
# ---------------------------------------------------------------------------------------------
def _check_p(p: Any, name: str = "p") -> float:
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected a positive number, got {p!r}") from None
    if not p > 0:
        raise InputError(f"{name}: expected a positive number, got {p}")
    return p


def total_persistence(
    diagrams: Any, *, p: float = 1.0, homology_dimensions: Sequence[int] | None = None
) -> np.ndarray:
    """Sum of ``lifetime ** p`` per cloud and homology dimension.

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3)
        Diagrams in giotto-tda's layout.
    p : float, default 1
        Power of the lifetimes: ``sum((d - b) ** p)``.
    homology_dimensions : sequence of int, optional
        Dimensions; default: those present in the diagrams.

    Returns
    -------
    total : ndarray of shape (n_clouds, n_dims)
    """
    p = _check_p(p)
    X = check_diagrams(diagrams, allow_infinite_deaths=False)
    dims = _resolve_dimensions(X, homology_dimensions)
    return _total(X, dims, p)


def _total(X: np.ndarray, dims: Sequence[int], p: float) -> np.ndarray:
    return _columns([(_lifetimes(X, d) ** p).sum(axis=1) for d in dims], len(X))


class TotalPersistence(_DiagramSummary):
    """Total persistence ``sum((death - birth) ** p)`` per homology dimension.

    Parameters
    ----------
    p : float, default 1
        Power of the lifetimes: ``sum((d - b) ** p)``.
    homology_dimensions : sequence of int, optional
        Output columns; default: the dimensions seen in ``fit``.
    n_jobs : int or None, default None
        Diagrams transformed in parallel by joblib.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
    n_features_in_ : int
    """

    _prefix = "total_persistence"
    _parameter_constraints: dict = {
        **DIAGRAM_CONSTRAINTS,
        "p": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        p: float = 1.0,
        homology_dimensions: Sequence[int] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.p = p
        self.homology_dimensions = homology_dimensions
        self.n_jobs = n_jobs

    def _transform(self, X: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        return _total(X, dims, _check_p(self.p))


def number_of_bars(
    diagrams: Any,
    *,
    min_lifetime: float = 0.0,
    homology_dimensions: Sequence[int] | None = None,
) -> np.ndarray:
    """Number of bars with ``death - birth > min_lifetime`` per cloud and homology dimension.

    Infinite bars count. With the reduced-homology convention (the infinite H0 bar dropped), the
    number of connected components is ``number_of_bars(...)[:, h0] + 1``.

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3) or (n_features, 3)
        Diagrams in giotto-tda's layout.
    min_lifetime : float
        Bars must live longer than this (``>= 0``).
    homology_dimensions : sequence of int or None
        Dimensions to count; None: those present in the diagrams.

    Returns
    -------
    counts : ndarray of shape (n_clouds, n_dims), int64
    """
    min_lifetime = _check_min_lifetime(min_lifetime)
    X = check_diagrams(diagrams)
    dims = _resolve_dimensions(X, homology_dimensions)
    return _count(X, dims, min_lifetime)


def _check_min_lifetime(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"min_lifetime: expected a number >= 0, got {value!r}") from None
    if not value >= 0:
        raise InputError(f"min_lifetime: expected a number >= 0, got {value}")
    return value


def _count(X: np.ndarray, dims: Sequence[int], min_lifetime: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        life = X[:, :, 1] - X[:, :, 0]
    keep = (life > min_lifetime) & (X[:, :, 1] > X[:, :, 0])
    return _columns([np.sum(keep & (X[:, :, 2] == d), axis=1) for d in dims], len(X)).astype(
        np.int64
    )


class NumberOfBars(_DiagramSummary):
    """Number of bars with ``death - birth > min_lifetime`` per homology dimension.

    Parameters
    ----------
    min_lifetime : float, default 0
        Bars must live longer than this.
    homology_dimensions : sequence of int, optional
        Output columns; default: the dimensions seen in ``fit``.
    n_jobs : int or None, default None
        Diagrams transformed in parallel by joblib.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
    n_features_in_ : int

    With ``min_lifetime=0`` this is ``gtda.diagrams.NumberOfPoints``.
    """

    _preserves_dtype = ()  # integer counts
    _prefix = "n_bars"
    _allow_infinite_deaths = True
    _parameter_constraints: dict = {
        **DIAGRAM_CONSTRAINTS,
        "min_lifetime": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        min_lifetime: float = 0.0,
        homology_dimensions: Sequence[int] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.min_lifetime = min_lifetime
        self.homology_dimensions = homology_dimensions
        self.n_jobs = n_jobs

    def _transform(self, X: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        return _count(X, dims, _check_min_lifetime(self.min_lifetime))


# ---------------------------------------------------------------------------------------------
# amplitudes
# ---------------------------------------------------------------------------------------------
def _effective_metric_params(metric: Any, metric_params: Mapping[str, Any] | None) -> dict:
    if metric not in AMPLITUDE_METRICS:
        raise InputError(f"metric: expected one of {sorted(AMPLITUDE_METRICS)}, got {metric!r}")
    defaults = AMPLITUDE_METRICS[metric]
    params = dict(defaults)
    if metric_params is not None:
        if not isinstance(metric_params, Mapping):
            raise InputError(f"metric_params: expected a dict, got {type(metric_params).__name__}")
        unknown = sorted(set(metric_params) - set(defaults))
        if unknown:
            raise InputError(
                f"metric_params: {unknown} not accepted by metric {metric!r} "
                f"(accepted: {sorted(defaults)})"
            )
        params.update(metric_params)
    if "p" in params:
        params["p"] = _check_p(params["p"], "metric_params['p']")
        if params["p"] < 1:
            raise InputError(f"metric_params['p']: expected >= 1, got {params['p']}")
    for key in ("n_bins", "n_layers"):
        if key in params:
            params[key] = check_int(params[key], f"metric_params['{key}']", 1)
    return params


def _amplitudes(
    X: np.ndarray,
    dims: Sequence[int],
    metric: str,
    params: Mapping[str, Any],
    samplings: Mapping[int, np.ndarray] | None,
) -> np.ndarray:
    out = np.empty((X.shape[0], len(dims)))
    for j, d in enumerate(dims):
        half = _lifetimes(X, d) / 2.0
        if metric == "bottleneck":
            out[:, j] = half.max(axis=1) if half.shape[1] else 0.0
            continue
        p = params["p"]
        if metric == "wasserstein":
            out[:, j] = np.linalg.norm(half, ord=p, axis=1) if half.shape[1] else 0.0
            continue
        grid = samplings[d]
        step = grid[1] - grid[0] if len(grid) > 1 else 0.0
        if metric == "betti":
            values = _betti_values(X, d, grid).astype(np.float64)
        else:
            values = _landscape_values(X, d, grid, params["n_layers"]).reshape(X.shape[0], -1)
        out[:, j] = np.linalg.norm(values, ord=p, axis=1) * step ** (1.0 / p)
    return out


def amplitude(
    diagrams: Any,
    *,
    metric: str = "bottleneck",
    metric_params: Mapping[str, Any] | None = None,
    order: float | None = None,
    homology_dimensions: Sequence[int] | None = None,
) -> np.ndarray:
    """Amplitude (distance to the empty diagram) per cloud and homology dimension.

    For the grid-based metrics (``"betti"``, ``"landscape"``) the grid is fitted on ``diagrams``
    itself, as :class:`Amplitude` does in ``fit``.

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3)
        Diagrams in giotto-tda's layout.
    metric : {"bottleneck", "wasserstein", "betti", "landscape"}
        Amplitude definition (giotto-tda's; see docs/concepts.md).
    metric_params : dict, optional
        ``p`` (default 2) for all but bottleneck; ``n_bins`` (100); ``n_layers`` (1, landscape).
    order : float or None
        If given, return the ``order``-norm across homology dimensions, shape (n_clouds, 1).
    homology_dimensions : sequence of int, optional
        Dimensions; default: those present in the diagrams.

    Returns
    -------
    amplitudes : ndarray of shape (n_clouds, n_dims), or (n_clouds, 1) when ``order`` is given
    """
    est = Amplitude(
        metric=metric,
        metric_params=metric_params,
        order=order,
        homology_dimensions=homology_dimensions,
    )
    return est.fit_transform(diagrams)


class Amplitude(_DiagramSummary):
    """Amplitude of each diagram per homology dimension, as ``gtda.diagrams.Amplitude``.

    Same definitions and scaling as giotto-tda: ``"bottleneck"`` is the largest half-lifetime,
    ``"wasserstein"`` the ``p``-norm of half-lifetimes, ``"betti"`` / ``"landscape"`` the
    ``p``-norm of the sampled curve times ``step ** (1 / p)``. The grids of the functional metrics
    are fitted in ``fit`` per homology dimension from the real bars only, as in
    :class:`~tda_nn.features.curves.BettiCurve` (identical to giotto-tda's grids on giotto-tda
    diagrams; see :mod:`tda_nn.features.curves` for when padding rows make them differ).

    Parameters
    ----------
    metric : {"bottleneck", "wasserstein", "betti", "landscape"}, default "bottleneck"
        Amplitude definition (giotto-tda's; see docs/concepts.md).
    metric_params : dict, optional
        ``p`` (default 2), ``n_bins`` (default 100), ``n_layers`` (default 1).
    order : float or None
        If given, the ``order``-norm of the amplitude vector; output (n_clouds, 1).
    homology_dimensions : sequence of int, optional
        Output columns; default: the dimensions seen in ``fit``.
    n_jobs : int or None, default None
        Diagrams transformed in parallel by joblib.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
    n_features_in_ : int
    effective_metric_params_ : dict
        Parameters used, with defaults filled in, and ``samplings`` for the grid-based metrics.

    Notes
    -----
    The default metric is ``"bottleneck"`` (giotto-tda's is ``"landscape"``): kept so that code
    written for tda-nn keeps its numbers; :class:`tda_nn.gtda.diagrams.Amplitude` defaults to
    ``"landscape"``. Changing ``metric`` or ``metric_params`` after ``fit`` needs a new ``fit``
    (the grids depend on them); ``transform`` says so instead of using stale grids.
    """

    _prefix = "amplitude"
    _parameter_constraints: dict = {
        **DIAGRAM_CONSTRAINTS,
        "metric": [StrOptions(set(AMPLITUDE_METRICS))],
        "metric_params": [dict, None],
        "order": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        metric: str = "bottleneck",
        metric_params: Mapping[str, Any] | None = None,
        order: float | None = None,
        homology_dimensions: Sequence[int] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.metric = metric
        self.metric_params = metric_params
        self.order = order
        self.homology_dimensions = homology_dimensions
        self.n_jobs = n_jobs

    def _check_param_combinations(self) -> None:
        try:
            _effective_metric_params(self.metric, self.metric_params)
        except InputError as exc:
            raise ParameterError(f"Amplitude: {exc}") from None

    def _fit(self, X: np.ndarray, dims: tuple[int, ...]) -> None:
        params = _effective_metric_params(self.metric, self.metric_params)
        if "n_bins" in params:
            params["samplings"] = fit_samplings(X, dims, params["n_bins"])
        self.effective_metric_params_ = params
        self._fitted_metric = (self.metric, _effective_metric_params(self.metric, self.metric_params))

    def _check_unchanged(self) -> None:
        try:
            now = (self.metric, _effective_metric_params(self.metric, self.metric_params))
        except InputError:
            now = None
        fitted = getattr(self, "_fitted_metric", now)
        if now != fitted:
            raise NotFittedError(
                f"Amplitude: metric / metric_params changed since fit (fitted with "
                f"metric={fitted[0]!r}, {fitted[1]}); call fit again"
            )

    def _transform(self, X: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        params = self.effective_metric_params_
        metric = getattr(self, "_fitted_metric", (self.metric,))[0]
        out = _amplitudes(X, dims, metric, params, params.get("samplings"))
        if self.order is not None:
            out = np.linalg.norm(out, ord=float(self.order), axis=1).reshape(-1, 1)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``amplitude_<metric>_h<dim>`` (or ``amplitude_<metric>`` with ``order``).

        Parameters
        ----------
        input_features : ignored
            Accepted for scikit-learn's API.
        """
        dims = _check_fitted_dims(self)
        if self.order is not None:
            return np.array([f"amplitude_{self.metric}"], dtype=object)
        return np.array([f"amplitude_{self.metric}_h{d}" for d in dims], dtype=object)


# ---------------------------------------------------------------------------------------------
# tidy output
# ---------------------------------------------------------------------------------------------
def summary_records(
    diagrams: Any,
    *,
    homology_dimensions: Sequence[int] | None = None,
    min_lifetime: float = 0.0,
    p: float = 2.0,
    cloud_ids: Sequence[Any] | None = None,
) -> list[dict[str, Any]]:
    """All grid-free summaries in long form: one record per (cloud, homology dimension).

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3)
        Finite deaths only.
    homology_dimensions : sequence of int, optional
        Dimensions; default: those present in the diagrams.
    min_lifetime : float
        Threshold for ``n_bars``.
    p : float
        Order of the Wasserstein amplitude.
    cloud_ids : sequence, optional
        Label of each cloud (e.g. the layer name); default ``0 .. n_clouds - 1``.

    Returns
    -------
    records : list of dict
        Keys ``cloud``, ``homology_dim``, ``n_bars``, ``total_persistence``,
        ``persistence_entropy``, ``amplitude_bottleneck``, ``amplitude_wasserstein``; ready for
        ``pandas.DataFrame(records)``.
    """
    X = check_diagrams(diagrams, allow_infinite_deaths=False)
    dims = _resolve_dimensions(X, homology_dimensions)
    ids = list(range(len(X))) if cloud_ids is None else list(cloud_ids)
    if len(ids) != len(X):
        raise InputError(f"cloud_ids: {len(ids)} labels for {len(X)} diagrams")
    n = _count(X, dims, _check_min_lifetime(min_lifetime))
    tot = _total(X, dims, 1.0)
    ent = _entropy(X, dims, False, None)
    bott = _amplitudes(X, dims, "bottleneck", {}, None)
    wass = _amplitudes(X, dims, "wasserstein", {"p": _check_p(p)}, None)
    return [
        {
            "cloud": ids[i],
            "homology_dim": d,
            "n_bars": int(n[i, j]),
            "total_persistence": float(tot[i, j]),
            "persistence_entropy": float(ent[i, j]),
            "amplitude_bottleneck": float(bott[i, j]),
            "amplitude_wasserstein": float(wass[i, j]),
        }
        for i in range(len(X))
        for j, d in enumerate(dims)
    ]
