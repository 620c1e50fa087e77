"""Curves: Betti curves (Betti number against filtration value) and training curves aligned with
topology curves on a shared step axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tda_nn.errors import InputError
from tda_nn.plotting._inputs import aggregate_replicates, layer_order, require_columns
from tda_nn.plotting.layers import one_model, value_label
from tda_nn.plotting.style import PALETTE, SEQUENTIAL_CMAP, category_color, new_figure, tda_style


def series_colors(n: int) -> list[Any]:
    """Colours for ``n`` ordered series (layers): the palette when it suffices, else viridis."""
    if n <= len(PALETTE):
        return [category_color(i) for i in range(n)]
    from matplotlib import colormaps

    cmap = colormaps[SEQUENTIAL_CMAP]
    return [cmap(x) for x in np.linspace(0.0, 0.92, n)]


def _samplings_for(samplings: Any, dims: list[int], n_bins: int) -> list[np.ndarray]:
    if isinstance(samplings, Mapping):
        missing = [d for d in dims if d not in samplings]
        if missing:
            raise InputError(f"samplings has no entry for homology dimension(s) {missing}")
        grids = [np.asarray(samplings[d], dtype=float).ravel() for d in dims]
    else:
        arr = np.asarray(samplings, dtype=float)
        if arr.ndim == 1:
            grids = [arr] * len(dims)
        elif arr.ndim == 2 and arr.shape[0] == len(dims):
            grids = list(arr)
        else:
            raise InputError(
                f"samplings must be a dict {{dim: (n_bins,)}}, (n_bins,) or (n_dims, n_bins), "
                f"got shape {arr.shape}"
            )
    for d, grid in zip(dims, grids, strict=True):
        if grid.shape != (n_bins,):
            raise InputError(f"samplings for H{d} has {grid.size} values for {n_bins} bins")
    return grids


def plot_betti_curves(
    curves: Any,
    samplings: Any,
    labels: Sequence[str] | None = None,
    homology_dimensions: Sequence[int] | None = None,
    title: str | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Betti curves, one panel per homology dimension, one line per sample (e.g. per layer).

    Parameters
    ----------
    curves : array-like, shape (n_samples, n_dims, n_bins) or (n_dims, n_bins)
        Output of a BettiCurve transformer.
    samplings : dict {dim: array (n_bins,)}, or array (n_bins,) or (n_dims, n_bins)
        Filtration values where the curves were sampled (giotto-tda's ``samplings_``).
    labels : sequence of str, optional
        One per sample (default ``sample 0``, ...).
    homology_dimensions : sequence of int, optional
        The dimension of each of the ``n_dims`` rows; default the keys of ``samplings`` when it is
        a dict, else ``0 .. n_dims - 1``.
    title : str, optional
        Figure title.
    axes : sequence of matplotlib.axes.Axes, optional
        One per dimension.

    Returns
    -------
    matplotlib.figure.Figure
        Each curve is a step line (``drawstyle='steps-post'``) labelled with its sample.
    """
    arr = np.asarray(curves, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise InputError(f"curves must have shape (n_samples, n_dims, n_bins), got {arr.shape}")
    n_samples, n_dims, n_bins = arr.shape
    if homology_dimensions is not None:
        dims = [int(d) for d in homology_dimensions]
    elif isinstance(samplings, Mapping):
        dims = sorted(int(d) for d in samplings)
    else:
        dims = list(range(n_dims))
    if len(dims) != n_dims:
        raise InputError(f"homology_dimensions lists {len(dims)} dimensions for {n_dims} curve rows")
    grids = _samplings_for(samplings, dims, n_bins)
    labels = [f"sample {i}" for i in range(n_samples)] if labels is None else [str(x) for x in labels]
    if len(labels) != n_samples:
        raise InputError(f"labels has {len(labels)} entries for {n_samples} curves")
    colors = series_colors(n_samples)
    with tda_style():
        if axes is None:
            fig, grid = new_figure(1, n_dims, panel_size=(3.4, 2.8))
            axes = list(grid[0])
        else:
            axes = list(np.atleast_1d(axes))
            if len(axes) != n_dims:
                raise InputError(f"axes has {len(axes)} axes for {n_dims} homology dimensions")
            fig = axes[0].figure
        for k, (ax, d, x) in enumerate(zip(axes, dims, grids, strict=True)):
            for i in range(n_samples):
                ax.plot(x, arr[i, k], drawstyle="steps-post", color=colors[i], label=labels[i])
            ax.set_xlabel("filtration value")
            ax.set_ylabel(value_label("betti", d))
            ax.set_title(f"H{d}")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes[-1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        if title:
            fig.suptitle(title)
    return fig


def _mean_by_step(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    part = frame[["step", column]].dropna()
    return part.groupby("step", sort=True)[column].mean().reset_index()


def topology_over_steps(
    table: pd.DataFrame,
    homology_dim: int,
    value: str = "betti",
    cls: str | None = "all",
    layers: Sequence[str] | None = None,
    error: str = "sem",
    model: str | None = None,
) -> pd.DataFrame:
    """Per layer and step: the mean of ``value`` over replicates (seeds) and its error.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy topology table (``topology.csv``).
    homology_dim : int
        Homology dimension.
    value : str
        Column to summarise.
    cls : str or None
        Class whose rows are used (``"all"``: the whole clouds); None: every row.
    layers : sequence of str, optional
        Layers to keep, in this order; default every layer in depth order.
    error : {"sem", "std", "ci95"}
        Spread over replicates, as in :func:`~tda_nn.plotting.summarize_by_layer`.
    model : str, optional
        Model to select when the table holds several.

    Returns
    -------
    pandas.DataFrame
        Columns ``layer, step, mean, error, n``; layers in depth order, steps ascending.
    """
    table = require_columns(table, ["step", "layer", "homology_dim", value], "topology table")
    table = one_model(table, model, "topology table")
    order = layer_order(table)
    if layers is not None:
        unknown = [name for name in layers if name not in order]
        if unknown:
            raise InputError(f"topology table has no layer(s) {unknown}; it has {order}")
        order = [str(name) for name in layers]
    rows = table[table["homology_dim"] == int(homology_dim)]
    if cls is not None and "class" in rows.columns:
        rows = rows[rows["class"].astype(str) == str(cls)]
    rows = rows.assign(layer=rows["layer"].astype(str))
    rows = rows[rows["layer"].isin(order)]
    if rows.empty:
        raise InputError(
            f"topology table has no rows for H{homology_dim}" + (f", class {cls!r}" if cls else "")
        )
    stats = aggregate_replicates(rows, ["layer", "step"], value, error)
    stats["_pos"] = stats["layer"].map({name: i for i, name in enumerate(order)})
    stats = stats.sort_values(["_pos", "step"]).drop(columns="_pos")
    return stats.reset_index(drop=True)


def plot_training_and_topology(
    metrics: pd.DataFrame,
    table: pd.DataFrame,
    homology_dim: int = 1,
    layers: Sequence[str] | None = None,
    value: str = "betti",
    cls: str | None = "all",
    error: str = "sem",
    model: str | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Training curves above topology curves, on one shared step axis.

    Panels from top: loss (when ``metrics`` has it), accuracy (``train_accuracy`` /
    ``test_accuracy``, when present), and ``value`` of homology dimension ``homology_dim`` for each
    layer (mean over seeds, shaded ± ``error``). Repeated steps in ``metrics`` (several seeds) are
    averaged.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Columns ``step`` and at least one of ``loss``, ``train_accuracy``, ``test_accuracy``.
    table : pandas.DataFrame
        Tidy topology table.
    homology_dim : int
        Homology dimension of the topology panel.
    layers : sequence of str, optional
        Layers to draw (default all, depth order).
    value : str
        Topology column to draw (``betti``, ``total_persistence``, ...).
    cls : str or None
        Class to draw (``"all"`` when no labels); ``None`` averages over classes.
    error : {"sem", "std", "ci95"}
        Spread over replicates, as in :func:`summarize_by_layer`.
    model : str, optional
        Model to select when the tables hold several.
    axes : sequence of matplotlib.axes.Axes, optional
        One per panel, top to bottom.

    Returns
    -------
    matplotlib.figure.Figure
    """
    metrics = require_columns(metrics, ["step"], "metrics table")
    has_loss = "loss" in metrics.columns and metrics["loss"].notna().any()
    acc_cols = [c for c in ("train_accuracy", "test_accuracy")
                if c in metrics.columns and metrics[c].notna().any()]
    if not has_loss and not acc_cols:
        raise InputError("metrics table has none of the columns loss, train_accuracy, test_accuracy")
    topo = topology_over_steps(table, homology_dim, value, cls, layers, error, model)
    n_panels = int(has_loss) + int(bool(acc_cols)) + 1
    with tda_style():
        if axes is None:
            fig, grid = new_figure(n_panels, 1, panel_size=(5.5, 1.9), sharex=True)
            axes = list(grid[:, 0])
        else:
            axes = list(np.atleast_1d(axes))
            if len(axes) != n_panels:
                raise InputError(f"axes has {len(axes)} axes for {n_panels} panels")
            fig = axes[0].figure
        k = 0
        if has_loss:
            loss = _mean_by_step(metrics, "loss")
            axes[k].plot(loss["step"], loss["loss"], color="black", label="loss")
            axes[k].set_ylabel("loss")
            if (loss["loss"] > 0).all() and loss["loss"].max() / loss["loss"].min() > 50:
                axes[k].set_yscale("log")
            k += 1
        if acc_cols:
            for j, col in enumerate(acc_cols):
                acc = _mean_by_step(metrics, col)
                axes[k].plot(acc["step"], acc[col], color=category_color(j),
                             linestyle="-" if col.startswith("train") else "--",
                             label=col.replace("_accuracy", ""))
            axes[k].set_ylabel("accuracy")
            axes[k].legend(loc="lower right")
            k += 1
        ax = axes[k]
        names = list(pd.unique(topo["layer"]))
        for color, name in zip(series_colors(len(names)), names, strict=True):
            part = topo[topo["layer"] == name]
            x, y, e = part["step"].to_numpy(), part["mean"].to_numpy(), part["error"].to_numpy()
            ax.plot(x, y, color=color, marker="o", markersize=3, label=name)
            if (e > 0).any():
                ax.fill_between(x, y - e, y + e, color=color, alpha=0.2, linewidth=0)
        ax.set_ylabel(value_label(value, homology_dim))
        ax.set_xlabel("training step")
        if value == "betti":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        spread = {"sem": "SEM", "std": "SD", "ci95": "95% CI"}[error]
        legend_title = f"layer\n(± {spread})" if (topo["n"] > 1).any() else "layer"
        ax.legend(title=legend_title, loc="center left", bbox_to_anchor=(1.01, 0.5))
        title = f"Training and topology (H{homology_dim}"
        title += f", class {cls})" if cls not in (None, "all") else ")"
        fig.suptitle(title)
    return fig
