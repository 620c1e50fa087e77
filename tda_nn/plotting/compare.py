"""Comparison heatmaps: distances between the layers of two models (or of one model with itself).

Reads the distances table (``distances.csv``): columns
``model_a, layer_a, model_b, layer_b, homology_dim, metric, distance``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tda_nn.errors import InputError
from tda_nn.plotting._inputs import require_columns
from tda_nn.plotting.layers import draw_heatmap
from tda_nn.plotting.style import tda_style

DISTANCE_COLUMNS = ("model_a", "layer_a", "model_b", "layer_b", "homology_dim", "metric", "distance")


def distance_matrix(
    distances: pd.DataFrame,
    model_a: str,
    model_b: str,
    homology_dim: int,
    metric: str,
    layers_a: Sequence[str] | None = None,
    layers_b: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The ``layer_a × layer_b`` matrix of distances between ``model_a`` and ``model_b``.

    Rows stored the other way round (``model_b`` as ``model_a``) are used transposed when the
    table has no rows in the asked orientation. For a model against itself, a missing
    ``(i, j)`` is filled from ``(j, i)`` (distances are symmetric). Repeated pairs are averaged.

    Parameters
    ----------
    distances : pandas.DataFrame
        A ``distances.csv`` table of ``tda-nn compare``.
    model_a, model_b : str
        The models of the rows and of the columns.
    homology_dim : int
        Homology dimension (``-1`` for CKA).
    metric : str
        E.g. ``"wasserstein"``, ``"bottleneck"``.
    layers_a, layers_b : sequence of str, optional
        Row / column order (default: order of first appearance in the table, i.e. depth order
        when the table was written layer by layer).

    Returns
    -------
    pandas.DataFrame, shape (n_layers_a, n_layers_b)
        NaN where a pair is missing.
    """
    table = require_columns(distances, DISTANCE_COLUMNS, "distances table")
    table = table.assign(
        model_a=table["model_a"].astype(str), model_b=table["model_b"].astype(str),
        layer_a=table["layer_a"].astype(str), layer_b=table["layer_b"].astype(str),
        metric=table["metric"].astype(str),
    )
    common = (table["homology_dim"] == int(homology_dim)) & (table["metric"] == str(metric))
    rows = table[common & (table["model_a"] == model_a) & (table["model_b"] == model_b)]
    if rows.empty:
        swapped = table[common & (table["model_a"] == model_b) & (table["model_b"] == model_a)]
        rows = swapped.rename(columns={"layer_a": "layer_b", "layer_b": "layer_a"})
    if rows.empty:
        pairs = sorted({(a, b, m, int(d)) for a, b, m, d in zip(
            table["model_a"], table["model_b"], table["metric"], table["homology_dim"],
            strict=True)})
        raise InputError(
            f"distances table has no rows for {model_a!r} vs {model_b!r}, {metric!r}, "
            f"H{homology_dim}; it has (model_a, model_b, metric, dim) {pairs[:8]}"
        )
    mat = rows.pivot_table(index="layer_a", columns="layer_b", values="distance", aggfunc="mean")
    if model_a == model_b:
        mat = mat.combine_first(mat.T)
    order_a = [str(x) for x in layers_a] if layers_a is not None else list(pd.unique(rows["layer_a"]))
    order_b = [str(x) for x in layers_b] if layers_b is not None else list(pd.unique(rows["layer_b"]))
    return mat.reindex(index=order_a, columns=order_b)


def plot_distance_heatmap(
    distances: pd.DataFrame,
    model_a: str,
    model_b: str,
    homology_dim: int,
    metric: str,
    layers_a: Sequence[str] | None = None,
    layers_b: Sequence[str] | None = None,
    annotate: bool | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of the distances between each layer of ``model_a`` (rows) and of ``model_b``
    (columns).

    Parameters
    ----------
    distances : pandas.DataFrame
        A ``distances.csv`` table of ``tda-nn compare``.
    model_a, model_b : str
        The models of the rows and of the columns.
    homology_dim : int
        Homology dimension shown.
    metric : str
        E.g. ``"wasserstein"``, ``"bottleneck"``.
    layers_a, layers_b : sequence of str, optional
        Row / column order (see :func:`distance_matrix`).
    annotate : bool or None
        Write the values in the cells; None: when there are at most 150 cells.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The image (``ax.images[0]``) holds the matrix of :func:`distance_matrix`.
    """
    mat = distance_matrix(distances, model_a, model_b, homology_dim, metric, layers_a, layers_b)
    with tda_style():
        return draw_heatmap(
            mat.to_numpy(dtype=float), list(mat.columns), list(mat.index),
            xlabel=f"layer of {model_b}", ylabel=f"layer of {model_a}",
            colorbar_label=f"{metric} distance (H{homology_dim})",
            title=f"{model_a} vs {model_b}: {metric}, H{homology_dim}",
            annotate=annotate, ax=ax,
        )
