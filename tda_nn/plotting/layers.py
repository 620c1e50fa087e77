"""Topology across depth: Betti numbers per layer with error bars over seeds, layer × step heatmaps.

Both read the tidy topology table (``RUN_DIR/topology.csv``): one row per
(step, layer, class, homology_dim) with ``layer_index`` giving depth order, optional ``seed`` /
``run`` / ``model`` columns and feature columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tda_nn.errors import InputError
from tda_nn.plotting._inputs import (
    aggregate_replicates,
    layer_order,
    pick,
    replicate_column,
    require_columns,
)
from tda_nn.plotting.style import (
    MISSING_COLOR,
    SEQUENTIAL_CMAP,
    category_color,
    category_marker,
    new_figure,
    tda_style,
)

_ERROR_LABELS = {"sem": "SEM", "std": "SD", "ci95": "95% CI"}


def value_label(value: str, homology_dim: int | None = None) -> str:
    """Axis label for a table column (``betti`` becomes ``Betti number β_d``)."""
    if value == "betti":
        return "Betti number" + (f" $\\beta_{{{homology_dim}}}$" if homology_dim is not None else "")
    return value.replace("_", " ")


def one_model(table: pd.DataFrame, model: str | None, name: str = "table") -> pd.DataFrame:
    """Rows of one model: ``model`` if given, else the only one (an error if there are several)."""
    if "model" not in table.columns:
        if model is not None:
            raise InputError(f"{name} has no 'model' column, cannot select model={model!r}")
        return table
    if model is not None:
        return pick(table, "model", model, name)
    models = pd.unique(table["model"])
    if len(models) > 1:
        raise InputError(
            f"{name} holds several models {sorted(map(str, models))}; pass model=... or by='model'"
        )
    return table


def select_step(table: pd.DataFrame, step: int | None, name: str = "table") -> tuple[pd.DataFrame, Any]:
    """Rows at ``step`` (default: the last step); returns ``(rows, step)``; no step column: all."""
    if "step" not in table.columns:
        if step is not None:
            raise InputError(f"{name} has no 'step' column, cannot select step={step}")
        return table, None
    if step is None:
        step = table["step"].max()
    return pick(table, "step", step, name), step


def summarize_by_layer(
    table: pd.DataFrame,
    value: str = "betti",
    homology_dims: Sequence[int] | None = None,
    by: str | None = "class",
    step: int | None = None,
    error: str = "sem",
    model: str | None = None,
) -> pd.DataFrame:
    """Mean and spread of ``value`` across replicates (seeds), per layer, dimension and group.

    Replicates are the distinct values of ``seed`` (else ``run``); rows sharing a replicate
    (e.g. several classes when ``by=None`` and no ``class == "all"`` rows) are averaged first.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy topology table.
    value : str
        Column to summarise.
    homology_dims : sequence of int, optional
        Default: every dimension in the table.
    by : str or None
        Column splitting the lines (``"class"``, ``"model"``, ...). ``None``: the ``class == "all"``
        rows when there are any, else the mean over classes.
    step : int, optional
        Training step to show; default the last one.
    error : {"sem", "std", "ci95"}
        Standard error of the mean, sample standard deviation (ddof=1), or the half-width of a
        Student-t 95 % confidence interval. Zero when there is one replicate.
    model : str, optional
        Model to select when the table holds several (and ``by != "model"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], homology_dim, layer, position, mean, error, n`` (``position`` is the
        layer's rank in depth order), sorted by group, dimension and depth.
    """
    need = ["layer", "homology_dim", value] + ([by] if by is not None else [])
    table = require_columns(table, need, "topology table")
    if by != "model":
        table = one_model(table, model, "topology table")
    order = layer_order(table)
    rows, _ = select_step(table, step, "topology table")
    if homology_dims is not None:
        dims = [int(d) for d in np.atleast_1d(homology_dims)]
        rows = rows[rows["homology_dim"].isin(dims)]
        if rows.empty:
            raise InputError(f"topology table has no rows with homology_dim in {dims}")
    groups: list[str] = []
    if by is None:
        if "class" in rows.columns and (rows["class"].astype(str) == "all").any():
            rows = rows[rows["class"].astype(str) == "all"]
    else:
        groups = [by]
    keys = groups + ["homology_dim", "layer"]
    stats = aggregate_replicates(rows, keys, value, error)
    stats["layer"] = stats["layer"].astype(str)
    stats["position"] = stats["layer"].map({name: i for i, name in enumerate(order)})
    stats = stats.sort_values(groups + ["homology_dim", "position"], kind="stable")
    return stats[keys[:-1] + ["layer", "position", "mean", "error", "n"]].reset_index(drop=True)


def plot_betti_by_layer(
    table: pd.DataFrame,
    homology_dims: Sequence[int] | None = None,
    by: str | None = "class",
    error: str = "sem",
    value: str = "betti",
    step: int | None = None,
    model: str | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Betti numbers (or another feature) against depth: mean over seeds with error bars.

    One panel per homology dimension; x is the layer in depth order, labelled with its name;
    one line per value of ``by``.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy topology table.
    homology_dims : sequence of int, optional
        One panel each; default every dimension in the table.
    by : str or None
        Column splitting the lines, as in :func:`summarize_by_layer`.
    error : {"sem", "std", "ci95"}
        Error bars, as in :func:`summarize_by_layer`.
    value : str
        Column plotted.
    step : int, optional
        Training step to show; default the last one.
    model : str, optional
        Model to select when the table holds several (and ``by != "model"``).
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per homology dimension to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Each line is an ``errorbar`` container (``ax.containers``) labelled with its group.
    """
    summary = summarize_by_layer(table, value, homology_dims, by, step, error, model)
    dims = sorted(summary["homology_dim"].unique())
    order = layer_order(one_model(table, model, "topology table") if by != "model" else table)
    with tda_style():
        if axes is None:
            width = max(3.2, 0.45 * len(order) + 1.5)
            fig, grid = new_figure(1, len(dims), panel_size=(width, 2.8))
            axes = list(grid[0])
        else:
            axes = list(np.atleast_1d(axes))
            if len(axes) != len(dims):
                raise InputError(f"axes has {len(axes)} axes for {len(dims)} homology dimensions")
            fig = axes[0].figure
        group_values = list(pd.unique(summary[by])) if by is not None else [None]
        n_groups = len(group_values)
        step_width = min(0.3, 0.06 * (n_groups - 1))
        for ax, d in zip(axes, dims, strict=True):
            for g, gv in enumerate(group_values):
                part = summary[summary["homology_dim"] == d]
                if by is not None:
                    part = part[part[by] == gv]
                if part.empty:
                    continue
                offset = (g / (n_groups - 1) - 0.5) * step_width if n_groups > 1 else 0.0
                ax.errorbar(
                    part["position"].to_numpy() + offset, part["mean"].to_numpy(),
                    yerr=part["error"].to_numpy(), color=category_color(g),
                    marker=category_marker(g), label=str(gv) if by is not None else None,
                )
            ax.set_xticks(range(len(order)))
            ax.set_xticklabels(order, rotation=45 if len(order) > 4 else 0,
                               ha="right" if len(order) > 4 else "center")
            ax.set_xlim(-0.5, len(order) - 0.5)
            ax.set_xlabel("layer")
            ax.set_ylabel(value_label(value, d))
            ax.set_title(f"H{d}")
            if value == "betti":
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
                top = float(np.nanmax(summary["mean"] + summary["error"].fillna(0)))
                ax.set_ylim(-0.3, max(top, 1.0) + 0.3)  # integer ticks even when all counts are 0
        if by is not None:
            outside = n_groups > 4  # many classes: keep the legend off the data
            axes[-1].legend(title=by, loc="upper left" if outside else "best",
                            bbox_to_anchor=(1.02, 1.0) if outside else None,
                            ncols=2 if n_groups > 8 else 1)
        n_max = int(summary["n"].max())
        rep = replicate_column(table) or "replicate"
        at = select_step(table, step)[1]
        note = f"mean ± {_ERROR_LABELS[error]} over {n_max} {rep}s" if n_max > 1 else "one replicate"
        fig.suptitle(f"{value_label(value)} by layer" + (f" at step {at}" if at is not None else "")
                     + f" ({note})")
    return fig


def layer_step_matrix(
    table: pd.DataFrame,
    homology_dim: int,
    value: str = "betti",
    cls: str | None = "all",
    model: str | None = None,
) -> pd.DataFrame:
    """Layers (depth order) × steps (ascending) matrix of ``value``, averaged over replicates.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy topology table.
    homology_dim : int
        Homology dimension.
    value : str
        Column averaged.
    cls : str or None
        Class whose rows are used (``"all"``: the whole clouds); None: the mean over all rows.
    model : str, optional
        Model to select when the table holds several.

    Returns
    -------
    pandas.DataFrame, shape (n_layers, n_steps)
        Index: layer names; columns: steps; NaN where the table has no row.
    """
    table = require_columns(table, ["step", "layer", "homology_dim", value], "topology table")
    table = one_model(table, model, "topology table")
    order = layer_order(table)
    rows = pick(table, "homology_dim", int(homology_dim), "topology table")
    if cls is not None and "class" in rows.columns:
        rows = rows[rows["class"].astype(str) == str(cls)]
        if rows.empty:
            raise InputError(
                f"topology table has no rows with class={cls!r} in H{homology_dim}; "
                f"it has {sorted(map(str, table['class'].unique()))}"
            )
    rows = rows.assign(layer=rows["layer"].astype(str))
    mat = rows.pivot_table(index="layer", columns="step", values=value, aggfunc="mean")
    mat = mat.reindex(index=[name for name in order if name in mat.index])
    return mat.reindex(columns=sorted(mat.columns))


def plot_layer_step_heatmap(
    table: pd.DataFrame,
    homology_dim: int,
    value: str = "betti",
    cls: str | None = "all",
    model: str | None = None,
    annotate: bool | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of ``value`` for each layer (rows, depth order) at each step (columns).

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy topology table.
    homology_dim : int
        Homology dimension.
    value : str
        Column shown (``betti``, ``total_persistence``, ...); averaged over seeds.
    cls : str or None
        Class whose rows are shown (``"all"`` when no labels); ``None`` averages over classes.
    model : str, optional
        Model to show when the table holds several.
    annotate : bool, optional
        Write each cell's value; default when the matrix has at most 150 cells.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The image (``ax.images[0]``) holds the layer × step matrix of :func:`layer_step_matrix`.
    """
    mat = layer_step_matrix(table, homology_dim, value, cls, model)
    title = value_label(value, homology_dim) if value == "betti" else (
        f"{value_label(value)}, H{homology_dim}")
    if cls is None:
        title += ", mean over classes"
    elif cls != "all":
        title += f", class {cls}"
    with tda_style():
        return draw_heatmap(
            mat.to_numpy(dtype=float), [str(c) for c in mat.columns], list(mat.index),
            xlabel="training step", ylabel="layer", colorbar_label=value_label(value),
            title=title, annotate=annotate, ax=ax,
        )


def draw_heatmap(
    values: np.ndarray,
    xticklabels: Sequence[str],
    yticklabels: Sequence[str],
    *,
    xlabel: str,
    ylabel: str,
    colorbar_label: str,
    title: str | None = None,
    annotate: bool | None = None,
    ax: Axes | None = None,
    cmap: str = SEQUENTIAL_CMAP,
) -> Figure:
    """An annotated heatmap of ``values`` (rows × columns), NaN cells in light grey."""
    from matplotlib import colormaps

    n_rows, n_cols = values.shape
    if ax is None:
        fig, grid = new_figure(panel_size=(min(11.0, 1.6 + 0.55 * n_cols),
                                           min(9.0, 1.2 + 0.4 * n_rows)))
        ax = grid[0, 0]
    else:
        fig = ax.figure
    colormap = colormaps[cmap].with_extremes(bad=MISSING_COLOR)
    masked = np.ma.masked_invalid(values)
    image = ax.imshow(masked, cmap=colormap, aspect="auto", interpolation="nearest")
    cbar = fig.colorbar(image, ax=ax)
    cbar.set_label(colorbar_label)
    ax.set_xticks(range(n_cols))
    ax.set_yticks(range(n_rows))
    ax.set_yticklabels(yticklabels)
    every = max(1, math.ceil(n_cols / 15))
    ax.set_xticklabels([lab if i % every == 0 else "" for i, lab in enumerate(xticklabels)],
                       rotation=45 if n_cols > 6 else 0, ha="right" if n_cols > 6 else "center")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if annotate is None:
        annotate = values.size <= 150
    if annotate and np.isfinite(values).any():
        finite = values[np.isfinite(values)]
        integral = np.array_equal(finite, np.round(finite))
        norm = image.norm
        for (i, j), v in np.ndenumerate(values):
            if not np.isfinite(v):
                continue
            r, g, b, _ = colormap(norm(v))
            dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5
            ax.text(j, i, f"{v:.0f}" if integral else f"{v:.3g}", ha="center", va="center",
                    fontsize=7, color="white" if dark else "black")
    return fig  # type: ignore[return-value]
