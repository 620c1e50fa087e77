"""scikit-learn conventions shared by every tda-nn estimator: parameter checks, tags, output.

One mechanism validates parameters, scikit-learn's own: each estimator declares
``_parameter_constraints`` (as scikit-learn's estimators do) and calls ``self._validate_params()``
at the start of ``fit``; rules that tie two parameters together go in
``_check_param_combinations``. A bad value raises :class:`ParameterError`, one line naming the
parameter, which is both scikit-learn's ``InvalidParameterError`` and tda-nn's
:class:`~tda_nn.errors.InputError` (so the CLI prints it without a traceback).

Works on scikit-learn 1.3 (the giotto-tda stack) and current releases: ``_parameter_constraints``
and ``sklearn.utils._param_validation`` exist since 1.2; tags are declared both through
``__sklearn_tags__`` (1.6+) and ``_more_tags`` (before 1.6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    validate_parameter_constraints,
)

from tda_nn.checks import dims_problem, is_prime
from tda_nn.errors import InputError
from tda_nn.execution import run_units

__all__ = [
    "INPUT_KINDS",
    "OneOf",
    "ParameterError",
    "Satisfies",
    "TdaEstimatorMixin",
    "ThreeDOutputMixin",
    "is_prime",
    "parallel_rows",
]

#: what one sample of ``X`` is, per estimator: a point cloud or a persistence diagram
INPUT_KINDS = ("point_clouds", "diagrams")


class ParameterError(InputError, InvalidParameterError):
    """A hyper-parameter with a value the estimator cannot use (raised by ``fit``)."""


class Satisfies(HasMethods):
    """A constraint given by a predicate and the words that describe it in the error.

    Subclasses ``HasMethods`` only so that scikit-learn's ``make_constraint`` accepts it on every
    supported release; it checks ``predicate(value)``, never methods.
    """

    def __init__(self, predicate: Callable[[Any], bool], description: str) -> None:
        self.hidden = False
        self.methods: list[str] = []
        self.predicate = predicate
        self.description = description

    def is_satisfied_by(self, val: Any) -> bool:
        try:
            return bool(self.predicate(val))
        except (TypeError, ValueError, OverflowError):
            return False

    def __str__(self) -> str:
        return self.description


def non_negative_int_sequence(value: Any) -> bool:
    """A non-empty list, tuple or 1-D array of distinct non-negative integers."""
    return dims_problem(value) is None


class OneOf(Satisfies):
    """A string among the names of a registry, read when checked (entries added later count)."""

    def __init__(self, names: Any) -> None:
        super().__init__(lambda v: isinstance(v, str) and v in names, "")
        self.names = names

    def __str__(self) -> str:
        return "a str among {" + ", ".join(repr(n) for n in self.names) + "}"


class TdaEstimatorMixin:
    """Parameter validation and input-kind tags for tda-nn's estimators (mix in first).

    Class attributes
    ----------------
    _parameter_constraints : dict
        scikit-learn's constraint lists, one per ``__init__`` parameter.
    _input_kind : {"point_clouds", "diagrams"}
        What one sample of ``X`` is: a 2-D array ``(n_points, n_features)`` or a diagram
        ``(n_features, 3)``. Declared as scikit-learn's 3-D input (``three_d_array``), never as a
        2-D table: ``check_estimator`` skips such estimators unless the rows are mapped to clouds
        or diagrams (see ``tests/test_sklearn_conformance.py``).
    """

    _parameter_constraints: dict = {}
    _input_kind = "point_clouds"
    #: dtypes whose input gives output of the same dtype (none for integer counts)
    _preserves_dtype: tuple[str, ...] = ("float64",)

    def _validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints``, then the combinations."""
        try:
            validate_parameter_constraints(
                self._parameter_constraints,
                self.get_params(deep=False),
                caller_name=type(self).__name__,
            )
        except ParameterError:
            raise
        except InvalidParameterError as exc:
            raise ParameterError(str(exc)) from None
        self._check_param_combinations()

    def _check_param_combinations(self) -> None:
        """Rules that tie parameters together (subclasses add theirs; raise ParameterError)."""

    def _param_error(self, name: str, must: str, value: Any) -> ParameterError:
        """A ParameterError worded as scikit-learn's own."""
        return ParameterError(
            f"The {name!r} parameter of {type(self).__name__} must be {must}. Got {value!r} instead."
        )

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = list(self._preserves_dtype)
        return tags

    def _more_tags(self) -> dict:  # scikit-learn < 1.6
        return {
            "X_types": ["3darray"],
            "requires_y": False,
            "preserves_dtype": list(self._preserves_dtype),
        }


class ThreeDOutputMixin:
    """``set_output`` for transformers whose output is 3-D (diagrams, curves): kept as ndarray.

    A 3-D array has no DataFrame form, so pandas / polars output is accepted (a ``Pipeline``
    can be configured as a whole) but these transformers return ndarrays whatever is set; the
    scalar transformers after them return DataFrames. Declare the class with
    ``auto_wrap_output_keys=None`` so that scikit-learn does not try to wrap the output.
    """

    def set_output(self, *, transform: str | None = None):
        """Record the output container asked for; the 3-D output stays an ndarray.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None

        Returns
        -------
        self
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas", "polars"):
            raise ParameterError(
                f"The 'transform' parameter of set_output must be 'default', 'pandas' or "
                f"'polars'. Got {transform!r} instead."
            )
        self._sklearn_output_config = {"transform": transform}
        return self


def parallel_rows(
    func: Callable[[np.ndarray], np.ndarray], X: np.ndarray, n_jobs: int | None
) -> np.ndarray:
    """``func(X)`` computed on contiguous chunks of samples by joblib, stacked in order.

    The chunks are independent (one diagram's features never depend on another's), so the
    result equals ``func(X)`` exactly whatever ``n_jobs`` is.
    """
    from joblib import effective_n_jobs

    n = effective_n_jobs(n_jobs) if n_jobs not in (None, 1) else 1
    if n == 1 or len(X) < 2:
        return func(X)
    chunks = np.array_split(X, min(n, len(X)))
    results, _ = run_units(func, chunks, n_jobs=n, progress=False, desc="chunks")
    return np.concatenate(results, axis=0)
