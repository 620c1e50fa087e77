"""Betti curves on a grid fitted once over a whole collection of diagrams.

The grid of each homology dimension is fitted on the collection passed to ``fit``, so curves of
different clouds share their abscissae; a bar ``(b, d)`` counts at ``t`` when ``b <= t < d``.
How the grid is chosen, and when it differs from giotto-tda's: ``docs/concepts.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval

from tda_nn._sklearn import ThreeDOutputMixin
from tda_nn.checks import check_int
from tda_nn.diagrams import check_diagrams
from tda_nn.errors import InputError
from tda_nn.features._transformer import (
    DIAGRAM_CONSTRAINTS,
    _check_fitted_dims,
    _DiagramTransformer,
    _resolve_dimensions,
)

__all__ = ["BettiCurve", "betti_curves", "fit_samplings"]


def _check_n_bins(n_bins: Any) -> int:
    return check_int(n_bins, "n_bins", 1)


def _range(X: np.ndarray, mask: np.ndarray) -> tuple[float, float] | None:
    if not mask.any():
        return None
    births = X[:, :, 0][mask]
    deaths = X[:, :, 1][mask]
    finite = deaths[np.isfinite(deaths)]
    lo = float(births.min())
    hi = float(max(births.max(), finite.max() if finite.size else -np.inf))
    return lo, hi


def fit_samplings(
    diagrams: Any, homology_dimensions: Sequence[int] | None = None, n_bins: int = 100
) -> dict[int, np.ndarray]:
    """Fit one evenly spaced grid per homology dimension over a whole collection.

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3)
        The collection the grids are fitted on.
    homology_dimensions : sequence of int, optional
        Default: the dimensions present in ``diagrams``.
    n_bins : int
        Grid size.

    Returns
    -------
    samplings : dict int -> ndarray of shape (n_bins,)
        From the smallest birth to the largest finite death of that dimension's real bars.
    """
    X = check_diagrams(diagrams)
    n_bins = _check_n_bins(n_bins)
    dims = _resolve_dimensions(X, homology_dimensions)
    real = X[:, :, 1] > X[:, :, 0]
    overall = _range(X, real)
    samplings = {}
    for d in dims:
        rng = _range(X, real & (X[:, :, 2] == d))
        if rng is None or rng[0] == rng[1]:
            rng = overall
        if rng is None:
            rng = (0.0, 0.0)
        samplings[d] = np.linspace(rng[0], rng[1], n_bins)
    return samplings


def _betti_values(X: np.ndarray, dim: int, grid: np.ndarray) -> np.ndarray:
    """Number of bars of ``dim`` with ``b <= t < d`` at each grid value: (n_clouds, n_bins) int64."""
    out = np.zeros((X.shape[0], len(grid)), dtype=np.int64)
    real = (X[:, :, 2] == dim) & (X[:, :, 1] > X[:, :, 0])
    for i in range(X.shape[0]):
        bars = X[i][real[i]]
        if not len(bars):
            continue
        born = np.searchsorted(np.sort(bars[:, 0]), grid, side="right")
        dead = np.searchsorted(np.sort(bars[:, 1]), grid, side="right")
        out[i] = born - dead
    return out


def _landscape_values(X: np.ndarray, dim: int, grid: np.ndarray, n_layers: int) -> np.ndarray:
    """First ``n_layers`` persistence landscapes on ``grid``: (n_clouds, n_layers, n_bins)."""
    out = np.zeros((X.shape[0], n_layers, len(grid)))
    real = (X[:, :, 2] == dim) & (X[:, :, 1] > X[:, :, 0])
    for i in range(X.shape[0]):
        bars = X[i][real[i]]
        if not len(bars):
            continue
        tent = np.minimum(grid[None, :] - bars[:, [0]], bars[:, [1]] - grid[None, :])
        tent = np.maximum(tent, 0.0)
        k = min(n_layers, len(bars))
        top = -np.sort(-tent, axis=0)[:k]
        out[i, :k] = top
    return out


def _curves(X: np.ndarray, dims: Sequence[int], samplings: Mapping[int, np.ndarray]) -> np.ndarray:
    n_bins = len(next(iter(samplings.values()))) if samplings else 0
    out = np.zeros((X.shape[0], len(dims), n_bins), dtype=np.int64)
    for j, d in enumerate(dims):
        out[:, j] = _betti_values(X, d, np.asarray(samplings[d], dtype=np.float64))
    return out


def betti_curves(
    diagrams: Any,
    *,
    n_bins: int = 100,
    homology_dimensions: Sequence[int] | None = None,
    samplings: Mapping[int, Any] | None = None,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Betti curves of every cloud on a common grid.

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3)
        Diagrams in giotto-tda's layout.
    n_bins : int
        Grid size when ``samplings`` is not given.
    homology_dimensions : sequence of int, optional
        Default: the keys of ``samplings``, else the dimensions present in ``diagrams``.
    samplings : dict int -> array of shape (n_bins,), optional
        Grid per dimension (e.g. ``BettiCurve().fit(...).samplings_`` or giotto-tda's); fitted on
        ``diagrams`` when omitted.

    Returns
    -------
    curves : ndarray of shape (n_clouds, n_dims, n_bins), int64
    samplings : dict int -> ndarray of shape (n_bins,)
    """
    X = check_diagrams(diagrams)
    if samplings is None:
        dims = _resolve_dimensions(X, homology_dimensions)
        samplings = fit_samplings(X, dims, n_bins)
    else:
        if not isinstance(samplings, Mapping) or not samplings:
            raise InputError("samplings: expected a non-empty dict homology dimension -> grid")
        grids = {int(d): np.asarray(g, dtype=np.float64).ravel() for d, g in samplings.items()}
        if len({len(g) for g in grids.values()}) != 1:
            raise InputError("samplings: every homology dimension needs the same number of bins")
        dims = _resolve_dimensions(
            X, sorted(grids) if homology_dimensions is None else homology_dimensions
        )
        missing = [d for d in dims if d not in grids]
        if missing:
            raise InputError(f"samplings: no grid for homology dimensions {missing}")
        samplings = {d: grids[d] for d in dims}
    return _curves(X, dims, samplings), dict(samplings)


class BettiCurve(ThreeDOutputMixin, _DiagramTransformer, auto_wrap_output_keys=None):
    """Betti curves on a grid fitted once over the collection passed to ``fit``.

    Parameters
    ----------
    n_bins : int, default 100
        Points of the grid of each homology dimension.
    homology_dimensions : sequence of int, optional
        Default: the dimensions seen in ``fit``.
    n_jobs : int or None, default None
        Diagrams transformed in parallel by joblib (giotto-tda's parameter).

    Attributes
    ----------
    homology_dimensions_ : tuple of int
    n_features_in_ : int
        Rows per diagram of the collection passed to ``fit``.
    samplings_ : dict int -> ndarray of shape (n_bins,)
        The grid of each homology dimension, as in ``gtda.diagrams.BettiCurve``.

    ``transform`` gives an int64 array of shape (n_clouds, n_dims, n_bins), an ndarray whatever
    ``set_output`` asks for (a 3-D array has no DataFrame form).

    Examples
    --------
    Fit on all layers at once so that their curves share the grid:

    >>> curves = BettiCurve(n_bins=50).fit_transform(diagrams)   # doctest: +SKIP
    """

    _preserves_dtype = ()  # integer counts
    _allow_infinite_deaths = True
    _parameter_constraints: dict = {
        **DIAGRAM_CONSTRAINTS,
        "n_bins": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_bins: int = 100,
        homology_dimensions: Sequence[int] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_bins = n_bins
        self.homology_dimensions = homology_dimensions
        self.n_jobs = n_jobs

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of axis 1 of the output, ``betti_curve_h<dim>`` (each holds ``n_bins`` values).

        Parameters
        ----------
        input_features : ignored
            Accepted for scikit-learn's API.
        """
        dims = _check_fitted_dims(self)
        return np.array([f"betti_curve_h{d}" for d in dims], dtype=object)

    def _fit(self, X: np.ndarray, dims: tuple[int, ...]) -> None:
        self.samplings_ = fit_samplings(X, dims, self.n_bins)

    def _transform(self, X: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        return _curves(X, dims, self.samplings_)
