"""The shared base of the diagram transformers (summaries and curves): dimensions, fit, transform."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from tda_nn._sklearn import Satisfies, TdaEstimatorMixin, non_negative_int_sequence, parallel_rows
from tda_nn.checks import check_homology_dimensions
from tda_nn.diagrams import check_diagrams, diagram_homology_dimensions
from tda_nn.errors import InputError

__all__ = ["DIAGRAM_CONSTRAINTS", "check_some_rows"]


def _resolve_dimensions(
    X: np.ndarray, homology_dimensions: Sequence[int] | None, name: str = "homology_dimensions"
) -> tuple[int, ...]:
    if homology_dimensions is None:
        return diagram_homology_dimensions(X)
    return check_homology_dimensions(homology_dimensions, name, distinct=True)


def check_some_rows(X: np.ndarray, dims: tuple[int, ...]) -> None:
    """Raise when ``fit`` gets diagrams without a row, so without a homology dimension."""
    if X.shape[1] == 0 and not dims:
        raise InputError(
            f"X: Found array with 0 feature(s) (shape={X.shape[:2]}) while a minimum of 1 is "
            "required. The diagrams hold no row, so no homology dimension"
        )


def _lifetimes(X: np.ndarray, dim: int) -> np.ndarray:
    """Lifetimes ``d - b`` of the real bars of dimension ``dim``, 0 elsewhere: (n_clouds, n_features)."""
    real = (X[:, :, 2] == dim) & (X[:, :, 1] > X[:, :, 0])
    with np.errstate(invalid="ignore"):
        return np.where(real, X[:, :, 1] - X[:, :, 0], 0.0)


def _columns(columns: list[np.ndarray], n_clouds: int) -> np.ndarray:
    """Stack per-dimension columns into (n_clouds, n_dims), also when there is no dimension."""
    if not columns:
        return np.empty((n_clouds, 0))
    return np.stack(columns, axis=1)


def _check_fitted_dims(est: Any) -> tuple[int, ...]:
    check_is_fitted(est, "homology_dimensions_")
    return est.homology_dimensions_


#: constraints every diagram transformer shares
DIAGRAM_CONSTRAINTS: dict[str, list] = {
    "homology_dimensions": [
        Satisfies(non_negative_int_sequence, "a sequence of distinct non-negative integers"),
        None,
    ],
    "n_jobs": [Integral, None],
}


class _DiagramTransformer(TdaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Base of the diagram transformers in :mod:`tda_nn.features.summaries` and :mod:`~tda_nn.features.curves`.

    ``fit`` validates the hyper-parameters (``_parameter_constraints``, then
    ``_check_param_combinations``), validates ``X``, learns ``homology_dimensions_`` (those of
    ``homology_dimensions``, else those in ``X``), ``n_features_in_`` (rows per diagram,
    giotto-tda's ``n_features``; not enforced by ``transform``, whose collection may be padded
    to another length) and whatever ``_fit`` adds; ``transform`` validates ``X`` alike and
    returns ``_transform(X, dims)``, over chunks of diagrams in parallel with ``n_jobs``.
    """

    _allow_infinite_deaths = False
    _input_kind = "diagrams"
    _parameter_constraints: dict = DIAGRAM_CONSTRAINTS

    def fit(self, X: Any, y: Any = None) -> _DiagramTransformer:
        """Learn the homology dimensions (and grids, where used) from the whole collection.

        Parameters
        ----------
        X : array-like of shape (n_clouds, n_features, 3)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = self._check_X(X)
        dims = _resolve_dimensions(X, self.homology_dimensions)
        check_some_rows(X, dims)
        self._fit(X, dims)
        self.homology_dimensions_ = dims
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """One row of features per diagram.

        Parameters
        ----------
        X : array-like of shape (n_clouds, n_features, 3)

        Returns
        -------
        ndarray of shape (n_clouds, n_dims), or (n_clouds, n_dims, n_bins) for curves
            Columns in the order of ``homology_dimensions_`` (see the class for its exceptions).
        """
        dims = _check_fitted_dims(self)
        X = self._check_X(X)
        self._check_unchanged()
        return parallel_rows(lambda chunk: self._transform(chunk, dims), X, self.n_jobs)

    def _check_X(self, X: Any) -> np.ndarray:
        return check_diagrams(X, name="X", allow_infinite_deaths=self._allow_infinite_deaths)

    def _check_unchanged(self) -> None:
        """Raise when a parameter that ``fit`` learned from was changed since (subclasses)."""

    def _fit(self, X: np.ndarray, dims: tuple[int, ...]) -> None:
        """Learn what ``transform`` needs besides the dimensions (subclasses add theirs)."""

    def _transform(self, X: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError
