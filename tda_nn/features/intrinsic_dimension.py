"""Intrinsic dimension of point clouds with the TwoNN estimator.

TwoNN (Facco et al., Sci. Rep. 2017), as Ansuini et al. (NeurIPS 2019) use it across layers: the
slope of ``-log(1 - F_emp(mu))`` against ``log(mu)``, ``mu`` the ratio of the distances to the
second and first nearest neighbours; duplicates are collapsed first. See ``docs/concepts.md``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from tda_nn._sklearn import TdaEstimatorMixin
from tda_nn.errors import InputError
from tda_nn.features.probe import _as_features

__all__ = ["IntrinsicDimension", "intrinsic_dimensions", "twonn_dimension"]


def _check_fraction(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"discard_fraction: expected a number in [0, 1), got {value!r}") from None
    if not 0.0 <= value < 1.0:
        raise InputError(f"discard_fraction: expected a number in [0, 1), got {value}")
    return value


def twonn_dimension(
    X: Any,
    discard_fraction: float = 0.1,
    *,
    return_info: bool = False,
    n_jobs: int | None = None,
    name: str = "X",
) -> float | tuple[float, dict[str, Any]]:
    """TwoNN intrinsic-dimension estimate of one point cloud.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        Trailing axes beyond the second are flattened.
    discard_fraction : float, default 0.1
        Fraction of the largest ratios ``mu`` left out of the fit (Ansuini et al. keep 90%).
    return_info : bool
        Also return a dict with ``n_points``, ``n_duplicates`` (points collapsed because they
        coincide with another), ``n_used`` (ratios in the fit) and ``r2`` (coefficient of
        determination of the line through the origin).
    n_jobs : int, optional
        Passed to :class:`sklearn.neighbors.NearestNeighbors`.
    name : str
        Name used in error messages (e.g. the layer).

    Returns
    -------
    dimension : float
    info : dict, only with ``return_info=True``
    """
    discard_fraction = _check_fraction(discard_fraction)
    A = _as_features(X, name, require_points=False)
    unique = np.unique(A, axis=0)
    n_duplicates = A.shape[0] - unique.shape[0]
    if unique.shape[0] < 3:
        raise InputError(f"{name}: TwoNN needs at least 3 distinct points, got {unique.shape[0]}")
    nn = NearestNeighbors(n_neighbors=3, n_jobs=n_jobs).fit(unique)
    dist, _ = nn.kneighbors(unique)
    r1, r2 = dist[:, 1], dist[:, 2]
    ok = r1 > 0
    mu = np.sort(r2[ok] / r1[ok])
    n = mu.size
    n_used = int(np.floor(n * (1.0 - discard_fraction)))
    n_used = min(n_used, n - 1)
    if n_used < 2:
        raise InputError(f"{name}: too few points left for the TwoNN fit ({n_used})")
    x = np.log(mu[:n_used])
    y = -np.log(1.0 - np.arange(1, n_used + 1) / n)
    sxx = float(x @ x)
    if sxx == 0.0:
        raise InputError(f"{name}: every point is equidistant from its two nearest neighbours")
    dim = float(x @ y) / sxx
    if not return_info:
        return dim
    resid = y - dim * x
    ss_tot = float(((y - y.mean()) ** 2).sum())
    info = {
        "n_points": int(A.shape[0]),
        "n_duplicates": int(n_duplicates),
        "n_used": int(n_used),
        "r2": 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan"),
    }
    return dim, info


def _cloud_list(clouds: Any) -> list[Any]:
    if type(clouds).__module__.startswith("scipy.sparse"):
        raise InputError("clouds: sparse input is not supported; pass dense arrays")
    if isinstance(clouds, np.ndarray) and clouds.ndim < 2:
        raise InputError(
            f"clouds: expected a list of 2-D arrays, got shape {clouds.shape}. Reshape your "
            "data: one cloud of shape (n_points, n_features) is [cloud]"
        )
    if isinstance(clouds, np.ndarray):
        if clouds.ndim == 2:
            return [clouds]
        return list(clouds)
    if isinstance(clouds, Sequence) and not isinstance(clouds, str | bytes):
        return list(clouds)
    raise InputError("clouds: expected a list of 2-D arrays (n_points, n_features)")


def intrinsic_dimensions(
    clouds: Any,
    discard_fraction: float = 0.1,
    *,
    return_info: bool = False,
    n_jobs: int | None = None,
) -> np.ndarray | tuple[np.ndarray, list[dict[str, Any]]]:
    """TwoNN estimate for each cloud of a collection.

    Parameters
    ----------
    clouds : list of array-like (n_points_i, n_features_i)
        Point clouds.
    discard_fraction : float, default 0.1
        Share of the largest neighbour-distance ratios left out of the fit (the noisiest).
    return_info : bool
        Also return one info dict per cloud (see :func:`twonn_dimension`).
    n_jobs : int, optional
        Clouds estimated in parallel by joblib.

    Returns
    -------
    dimensions : ndarray of shape (n_clouds,)
    infos : list of dict, only with ``return_info=True``
    """
    results = [
        twonn_dimension(c, discard_fraction, return_info=True, n_jobs=n_jobs, name=f"clouds[{i}]")
        for i, c in enumerate(_cloud_list(clouds))
    ]
    dims = np.array([r[0] for r in results], dtype=np.float64)
    if return_info:
        return dims, [r[1] for r in results]
    return dims


class IntrinsicDimension(TdaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Intrinsic dimension of each point cloud of a collection.

    Parameters
    ----------
    method : {"twonn"}, default "twonn"
        The estimator (TwoNN only).
    discard_fraction : float, default 0.1
        Fraction of the largest neighbour-distance ratios left out of the TwoNN fit.
    n_jobs : int, optional
        Passed to the neighbour search.

    Attributes
    ----------
    n_features_in_ : int
        Coordinates per point of the clouds passed to ``fit``, when they share it (not enforced
        by ``transform``: layers differ in width).

    Notes
    -----
    ``transform`` returns shape (n_clouds, 1). Duplicate points are collapsed before the estimate;
    a :class:`UserWarning` says how many in which cloud.
    """

    def __init__(
        self, method: str = "twonn", discard_fraction: float = 0.1, n_jobs: int | None = None
    ) -> None:
        self.method = method
        self.discard_fraction = discard_fraction
        self.n_jobs = n_jobs

    _parameter_constraints: dict = {
        "method": [StrOptions({"twonn"})],
        "discard_fraction": [Interval(Real, 0, 1, closed="left")],
        "n_jobs": [Integral, None],
    }

    def fit(self, X: Any, y: Any = None) -> IntrinsicDimension:
        """Validate parameters; nothing is learned.

        Parameters
        ----------
        X : list of array-like (n_points_i, n_features_i)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        clouds = _cloud_list(X)
        if not clouds:
            raise InputError("clouds: the collection is empty")
        widths = {_as_features(c, f"clouds[{i}]").shape[1] for i, c in enumerate(clouds)}
        self.__dict__.pop("n_features_in_", None)
        if len(widths) == 1:
            self.n_features_in_ = widths.pop()
        self.is_fitted_ = True
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Estimates, ndarray of shape (n_clouds, 1).

        Parameters
        ----------
        X : list of ndarray of shape (n_points_i, n_features_i)
            Point clouds.
        """
        check_is_fitted(self, "is_fitted_")
        dims, infos = intrinsic_dimensions(
            X, self.discard_fraction, return_info=True, n_jobs=self.n_jobs
        )
        for i, info in enumerate(infos):
            if info["n_duplicates"]:
                warnings.warn(
                    f"clouds[{i}]: {info['n_duplicates']} duplicate points collapsed before TwoNN",
                    UserWarning,
                    stacklevel=2,
                )
        return dims.reshape(-1, 1)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """One output column, ``intrinsic_dimension``.

        Parameters
        ----------
        input_features : ignored
            Accepted for scikit-learn's API.
        """
        check_is_fitted(self, "is_fitted_")
        return np.array(["intrinsic_dimension"], dtype=object)
