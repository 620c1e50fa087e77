"""Checking persistence diagrams in giotto-tda's layout, for every stage that reads them.

A collection is an array ``(n_clouds, n_features, 3)`` of rows ``(birth, death, dim)``; rows with
``birth == death`` are padding. One cloud's diagram is ``(n_bars, 3)``. Births and dimensions are
finite, dimensions are non-negative integers, ``death >= birth``, and only deaths may be ``+inf``.
NumPy only, so that features, distances and plots share one validator, and the persistence unit
its padding (:func:`pad_diagrams`), without importing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tda_nn.errors import InputError, InputTypeError

__all__ = [
    "check_diagram",
    "check_diagrams",
    "diagram_homology_dimensions",
    "is_sparse",
    "pad_diagrams",
]


def is_sparse(X: Any) -> bool:
    """True for a SciPy sparse matrix or array (without importing SciPy)."""
    return type(X).__module__.startswith("scipy.sparse")


def check_diagrams(
    diagrams: Any,
    *,
    name: str = "diagrams",
    allow_infinite_deaths: bool = True,
    allow_two_columns: bool = False,
) -> np.ndarray:
    """Validate a collection of persistence diagrams and return it as a float64 array.

    Parameters
    ----------
    diagrams : array-like of shape (n_clouds, n_features, 3) or (n_bars, 3), or list of (n_bars_i, 3)
        Rows ``(birth, death, dim)``. A single 2-D diagram is a collection of one; a list of 2-D
        diagrams of different lengths is padded with ``(0, 0, dim)`` rows.
    name : str
        Argument name used in error messages.
    allow_infinite_deaths : bool
        If False, an infinite death raises :class:`~tda_nn.errors.InputError`.
    allow_two_columns : bool
        Also accept rows ``(birth, death)`` of a single dimension (persim / GUDHI layout).

    Returns
    -------
    ndarray of shape (n_clouds, n_features, 3), float64
        Or (n_clouds, n_features, 2) for two-column input.

    Raises
    ------
    InputError
        One line naming ``name``: not numeric, wrong shape, no diagram, NaN, infinite births,
        dimensions that are not non-negative integers, ``death < birth``, infinite deaths when not
        allowed; row errors give their count and the first one's position.
    """
    if is_sparse(diagrams):
        raise InputError(f"{name}: sparse input is not supported; pass dense diagrams")
    X = _as_float(diagrams, name)
    if X.ndim == 2:
        X = X[None]
    if X.ndim < 2:
        raise InputError(
            f"{name}: expected shape (n_clouds, n_features, 3), got {X.shape}. Reshape your "
            "data: one diagram of shape (n_bars, 3) is [diagram]"
        )
    columns = (2, 3) if allow_two_columns else (3,)
    if X.ndim != 3 or X.shape[2] not in columns:
        two = " or (n_bars, 2) with rows (birth, death)" if allow_two_columns else ""
        raise InputError(
            f"{name}: expected shape (n_clouds, n_features, 3) or (n_bars, 3) with rows "
            f"(birth, death, dim){two}, got {X.shape}"
        )
    if X.shape[0] == 0:
        raise InputError(f"{name}: the collection holds no diagram")
    _check_rows(X, name, allow_infinite_deaths)
    return X


def check_diagram(
    diagram: Any,
    *,
    name: str = "diagram",
    allow_infinite_deaths: bool = True,
    allow_two_columns: bool = False,
) -> np.ndarray:
    """Validate one cloud's diagram and return it as a float64 array.

    Parameters
    ----------
    diagram : array-like of shape (n_bars, 3) or (1, n_bars, 3)
        Rows ``(birth, death, dim)``; an empty sequence is an empty diagram.
    name, allow_infinite_deaths, allow_two_columns
        As in :func:`check_diagrams`.

    Returns
    -------
    ndarray of shape (n_bars, 3), float64
        Or (n_bars, 2) for two-column input.
    """
    X = _as_float(diagram, name)
    if X.ndim == 1 and X.size == 0:
        X = X.reshape(0, 3)
    X = check_diagrams(
        X, name=name, allow_infinite_deaths=allow_infinite_deaths,
        allow_two_columns=allow_two_columns,
    )
    if len(X) != 1:
        raise InputError(f"{name}: holds {len(X)} clouds; pass one cloud's (n_bars, 3) diagram")
    return X[0]


def diagram_homology_dimensions(X: np.ndarray) -> tuple[int, ...]:
    """Sorted homology dimensions present (as bars or padding) in any diagram of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_clouds, n_features, 3)
        As returned by :func:`check_diagrams`.
    """
    return tuple(int(d) for d in np.unique(X[:, :, 2]))


def pad_diagrams(diagrams: Sequence[np.ndarray], homology_dimensions: Iterable[int]) -> np.ndarray:
    """Stack unpadded diagrams into one array, padding each dimension as giotto-tda does.

    Every dimension gets as many rows as the largest count over the clouds (at least one); the
    missing rows are ``(v, v, dim)`` with ``v`` the smallest birth in that dimension over the
    collection (0 if it has no bar), so that padding rows have zero persistence.

    Parameters
    ----------
    diagrams : sequence of ndarray of shape (n_bars_i, 3)
        One diagram per cloud, rows ``(birth, death, dim)``.
    homology_dimensions : iterable of int
        Dimensions every padded diagram holds rows for.

    Returns
    -------
    ndarray of shape (n_clouds, n_features, 3)
    """
    dims = tuple(homology_dimensions)
    per_dim = [[d[d[:, 2] == k] for d in diagrams] for k in dims]
    sizes = [max([len(b) for b in bars] + [1]) for bars in per_dim]
    out = np.empty((len(diagrams), sum(sizes), 3), dtype=np.float64)
    start = 0
    for k, bars, size in zip(dims, per_dim, sizes, strict=True):
        births = [b[:, 0].min() for b in bars if len(b)]
        pad = float(min(births)) if births else 0.0
        out[:, start:start + size, :2] = pad
        out[:, start:start + size, 2] = k
        for i, b in enumerate(bars):
            out[i, start:start + len(b), :2] = b[:, :2]
        start += size
    return out


def _as_float(diagrams: Any, name: str) -> np.ndarray:
    if isinstance(diagrams, np.ndarray) and np.iscomplexobj(diagrams):
        raise InputError(f"{name}: Complex data not supported")
    try:
        if isinstance(diagrams, Sequence) and not isinstance(diagrams, str | bytes) and diagrams:
            parts = [np.asarray(d, dtype=np.float64) for d in diagrams]
            if all(p.ndim == 2 for p in parts) and len({len(p) for p in parts}) > 1:
                return _pad(parts, name)
        return np.asarray(diagrams, dtype=np.float64)
    except InputError:
        raise
    except TypeError as exc:
        raise InputTypeError(f"{name}: cannot be read as a float array ({exc})") from None
    except ValueError as exc:
        raise InputError(f"{name}: cannot be read as a float array ({exc})") from None


def _pad(parts: list[np.ndarray], name: str) -> np.ndarray:
    for i, p in enumerate(parts):
        if p.shape[1:] != (3,):
            raise InputError(f"{name}[{i}]: expected shape (n_bars, 3), got {p.shape}")
    out = np.zeros((len(parts), max(len(p) for p in parts), 3))
    for i, p in enumerate(parts):
        out[i, : len(p)] = p
        out[i, len(p) :, 2] = p[:, 2].min() if len(p) else 0.0
    return out


def _check_rows(X: np.ndarray, name: str, allow_infinite_deaths: bool) -> None:
    """Row checks of a (n_clouds, n_features, 2 or 3) array; one-line InputError on the first."""
    births, deaths = X[:, :, 0], X[:, :, 1]
    _fail_where(np.isnan(X).any(axis=2), name, "contains NaN")
    _fail_where(~np.isfinite(births), name, "births must be finite; only deaths may be infinite")
    if X.shape[2] == 3:
        dims = X[:, :, 2]
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(dims) | (dims < 0) | (dims != np.round(dims))
        _fail_where(bad, name, "homology dimensions (column 2) must be non-negative integers")
    _fail_where(deaths < births, name, "has rows with death < birth, below the diagonal")
    if not allow_infinite_deaths:
        _fail_where(
            np.isinf(deaths), name,
            "infinite deaths are not allowed here; replace them by the threshold used",
        )


def _fail_where(bad: np.ndarray, name: str, what: str) -> None:
    """Raise when any of ``bad`` (n_clouds, n_features) is set, with the count and the first."""
    if not bad.any():
        return
    count = int(bad.sum())
    cloud, row = (int(i) for i in np.argwhere(bad)[0])
    where = f"cloud {cloud}, row {row}" if bad.shape[0] > 1 else f"row {row}"
    rows = "1 row" if count == 1 else f"{count} rows"
    raise InputError(f"{name}: {what} ({rows}; first: {where})")
