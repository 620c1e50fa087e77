"""Checking what the plotting functions are given: diagrams and tidy tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.diagrams import check_diagrams
from tda_nn.errors import InputError


def as_bars(diagram: Any, name: str = "diagram") -> np.ndarray:
    """One cloud's diagram without its padding rows.

    Parameters
    ----------
    diagram : array-like, shape (n_bars, 3) or (1, n_bars, 3)
        Rows ``(birth, death, dim)``, checked by :func:`tda_nn.diagrams.check_diagrams`. Rows
        with ``birth == death`` are padding and are dropped.

    Returns
    -------
    ndarray, shape (n_kept, 3), float64
    """
    clouds = check_diagrams(diagram, name=name)
    if len(clouds) > 1:
        raise InputError(
            f"{name}: holds {len(clouds)} clouds; pass one cloud's (n_bars, 3) diagram "
            "or use plot_layer_diagrams"
        )
    bars = clouds[0]
    return bars[bars[:, 0] != bars[:, 1]]


def diagram_dims(diagram: Any) -> list[int]:
    """Homology dimensions present in a diagram, padding rows included (giotto-tda keeps one
    padding row per dimension, so a dimension without bars still shows up)."""
    arr = np.asarray(diagram, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-1] != 3:
        return []
    return sorted({int(d) for d in arr[..., 2].ravel() if np.isfinite(d)})


def split_clouds(diagrams: Any, name: str = "diagrams") -> list[np.ndarray]:
    """A ``(n_clouds, n_features, 3)`` array or a list of ``(n_bars, 3)`` arrays, as a list."""
    if isinstance(diagrams, np.ndarray):
        if diagrams.ndim == 2:
            return [diagrams]
        if diagrams.ndim != 3:
            raise InputError(f"{name} must have shape (n_clouds, n_features, 3), got {diagrams.shape}")
        return list(diagrams)
    return [np.asarray(d, dtype=np.float64) for d in diagrams]


def infinite_mask(bars: np.ndarray, threshold: float | None) -> np.ndarray:
    """Bars that never die: death ``+inf`` or, when a filtration ``threshold`` is given,
    death at or beyond it (backends replace infinite deaths by the threshold)."""
    death = bars[:, 1]
    mask = np.isinf(death)
    if threshold is not None:
        mask |= death >= float(threshold)
    return mask


def select_dims(available: Iterable[int], requested: Sequence[int] | int | None) -> list[int]:
    """The homology dimensions to draw: ``requested`` (validated) or all ``available``."""
    if requested is None:
        return sorted(set(available))
    if np.isscalar(requested):
        requested = [int(requested)]  # type: ignore[list-item]
    out = [int(d) for d in requested]  # type: ignore[union-attr]
    if any(d < 0 for d in out):
        raise InputError(f"homology_dimensions must be non-negative, got {out}")
    return out


def require_columns(table: Any, columns: Iterable[str], name: str = "table") -> pd.DataFrame:
    """Check ``table`` is a DataFrame holding ``columns``; return it."""
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"{name} lacks column(s) {missing}; it has {list(map(str, table.columns))}"
        )
    if table.empty:
        raise InputError(f"{name} is empty")
    return table


def pick(table: pd.DataFrame, column: str, value: Any, name: str = "table") -> pd.DataFrame:
    """Rows of ``table`` where ``column == value``; an :class:`InputError` naming the choices
    when there are none."""
    rows = table[table[column] == value]
    if rows.empty:
        choices = sorted(map(str, table[column].unique()))
        raise InputError(f"{name} has no rows with {column}={value!r}; it has {choices}")
    return rows


def layer_order(table: pd.DataFrame) -> list[str]:
    """Layer names in depth order: by ``layer_index`` when present, else by first appearance."""
    if "layer_index" in table.columns:
        first = table.groupby("layer", sort=False)["layer_index"].min()
        return [str(n) for n in first.sort_values(kind="stable").index]
    return [str(n) for n in pd.unique(table["layer"])]


def replicate_column(table: pd.DataFrame) -> str | None:
    """The column whose values are independent repeats: ``seed``, else ``run``, else none."""
    for col in ("seed", "run"):
        if col in table.columns and table[col].nunique(dropna=False) > 1:
            return col
    return None


ERRORS = ("sem", "std", "ci95")


def aggregate_replicates(
    rows: pd.DataFrame, keys: list[str], value: str, error: str
) -> pd.DataFrame:
    """Mean of ``value`` per ``keys`` over replicates, with its error.

    Rows sharing keys and replicate (``seed``, else ``run``) are averaged first; the error is the
    SEM, the sample SD (ddof=1) or the half-width of a Student-t 95 % interval, 0 for one
    replicate.

    Returns
    -------
    pandas.DataFrame
        Columns ``keys + [mean, error, n]``.
    """
    if error not in ERRORS:
        raise InputError(f"error must be one of {list(ERRORS)}, got {error!r}")
    rep = replicate_column(rows)
    per_rep = rows.groupby(keys + ([rep] if rep else []), sort=False)[value].mean().reset_index()
    stats = per_rep.groupby(keys, sort=False)[value].agg(["mean", "std", "count"]).reset_index()
    n = stats["count"].to_numpy()
    sd = np.nan_to_num(np.where(n > 1, stats["std"].to_numpy(dtype=float), 0.0))
    err = sd if error == "std" else sd / np.sqrt(n)
    if error == "ci95":
        from scipy.stats import t

        err = err * np.where(n > 1, t.ppf(0.975, np.maximum(n - 1, 1)), 0.0)
    return stats.drop(columns=["std", "count"]).assign(error=err, n=n)
