"""Barcodes and persistence diagrams, for one cloud or for every layer as small multiples.

Diagrams follow the giotto-tda layout (rows ``(birth, death, dim)``, padding rows with
``birth == death`` skipped). Bars that never die (death ``+inf``, or at/after ``threshold`` when
one is given) are drawn up to the right edge of a barcode, or on a dashed ``+inf`` line at the top
of a diagram, and the legend says so. With reduced homology (the project default) the one
infinite H0 bar is absent from the data, so it is not drawn either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tda_nn.errors import InputError
from tda_nn.plotting._inputs import as_bars, diagram_dims, infinite_mask, select_dims, split_clouds
from tda_nn.plotting.style import dim_color, dim_marker, new_figure, tda_style

INFINITE_COLOR = "#4D4D4D"
_FILTRATION_LABEL = "filtration value"


def _extent(bar_sets: Sequence[np.ndarray], threshold: float | None) -> tuple[float, float]:
    """``(low, edge)``: the axis range shared by ``bar_sets``; ``edge`` is where bars that never
    die end (the threshold when given, else a little beyond the largest finite value)."""
    finite = [b[:, :2][np.isfinite(b[:, :2])] for b in bar_sets if len(b)]
    values = np.concatenate(finite) if finite else np.zeros(0)
    low = min(0.0, float(values.min())) if values.size else 0.0
    if threshold is not None:
        return low, float(threshold)
    high = float(values.max()) if values.size else 1.0
    span = high - low
    return low, high + (0.08 * span if span > 0 else 1.0)


def _prepare(
    diagram: Any, homology_dimensions: Sequence[int] | int | None, name: str
) -> tuple[np.ndarray, list[int]]:
    bars = as_bars(diagram, name)
    dims = select_dims(diagram_dims(diagram), homology_dimensions)
    return bars[np.isin(bars[:, 2], dims)], dims


def _infinite_handle(kind: str) -> Line2D:
    if kind == "barcode":
        return Line2D([], [], color=INFINITE_COLOR, marker=">", linestyle="-",
                      label="never dies (to right edge)")
    return Line2D([], [], color=INFINITE_COLOR, linestyle="--", label="never dies (on +inf line)")


def _draw_barcode(
    ax: Axes, bars: np.ndarray, dims: list[int], edge: tuple[float, float],
    threshold: float | None, count_labels: bool,
) -> list[Any]:
    """Draw one barcode; returns legend handles. One LineCollection per dimension
    (``gid='bars-H<d>'``) holds that dimension's bars, one segment per bar."""
    low, right = edge
    inf = infinite_mask(bars, threshold)
    n_total = len(bars)
    linewidth = float(np.clip(150.0 / max(n_total, 1), 0.6, 4.0))
    handles: list[Any] = []
    y0 = 0
    y_last = 0
    any_infinite = False
    for d in dims:
        sel = bars[:, 2] == d
        b, is_inf = bars[sel], inf[sel]
        order = np.lexsort((-np.where(is_inf, np.inf, b[:, 1]), b[:, 0]))
        b, is_inf = b[order], is_inf[order]
        ends = np.where(is_inf, right, b[:, 1])
        ys = y0 + np.arange(len(b))
        label = f"H{d} ({len(b)} bars)" if count_labels else f"H{d}"
        ax.hlines(ys, b[:, 0], ends, colors=dim_color(d), linewidth=linewidth,
                  gid=f"bars-H{d}")
        if is_inf.any():
            any_infinite = True
            ax.plot(np.full(is_inf.sum(), right), ys[is_inf], linestyle="none", marker=">",
                    color=dim_color(d), markersize=4, clip_on=False, gid=f"infinite-H{d}")
        handles.append(Line2D([], [], color=dim_color(d), linewidth=2, label=label))
        if len(b):
            y_last = int(ys[-1])
            y0 += len(b) + 1
    if any_infinite:
        handles.append(_infinite_handle("barcode"))
    ax.set_xlim(low, right)
    ax.set_ylim(y_last + 0.5 + 0.02 * y_last, -0.5 - 0.02 * y_last)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(_FILTRATION_LABEL)
    if n_total == 0:
        ax.text(0.5, 0.5, "no bars", transform=ax.transAxes, ha="center", va="center")
    return handles


def _draw_diagram(
    ax: Axes, bars: np.ndarray, dims: list[int], edge: tuple[float, float],
    threshold: float | None, count_labels: bool,
) -> list[Any]:
    """Draw one birth–death diagram; returns legend handles. Finite points of dimension ``d`` are
    one scatter (``gid='points-H<d>'``), points that never die another (``gid='infinite-H<d>'``)
    on the ``+inf`` line."""
    low, top = edge
    inf = infinite_mask(bars, threshold)
    pad = 0.04 * (top - low)
    ax.plot([low - pad, top + pad], [low - pad, top + pad], color="#999999", linewidth=0.8,
            zorder=1, gid="diagonal")
    handles: list[Any] = []
    for d in dims:
        sel = bars[:, 2] == d
        b, is_inf = bars[sel], inf[sel]
        label = f"H{d} ({len(b)})" if count_labels else f"H{d}"
        style = {"marker": dim_marker(d), "color": dim_color(d), "s": 14, "alpha": 0.85,
                 "linewidths": 0.3, "edgecolors": "white", "zorder": 3}
        ax.scatter(b[~is_inf, 0], b[~is_inf, 1], gid=f"points-H{d}", **style)
        if is_inf.any():
            ax.scatter(b[is_inf, 0], np.full(is_inf.sum(), top), gid=f"infinite-H{d}",
                       clip_on=False, **style)
        handles.append(Line2D([], [], linestyle="none", marker=dim_marker(d),
                              color=dim_color(d), label=label))
    if inf.any():
        ax.axhline(top, color=INFINITE_COLOR, linestyle="--", linewidth=0.8, zorder=2)
        handles.append(_infinite_handle("diagram"))
    ax.set_xlim(low - pad, top + pad)
    ax.set_ylim(low - pad, top + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    return handles


_DRAWERS = {"barcode": _draw_barcode, "diagram": _draw_diagram}


def _single(
    kind: str, diagram: Any, homology_dimensions: Sequence[int] | int | None, title: str | None,
    ax: Axes | None, threshold: float | None,
) -> Figure:
    bars, dims = _prepare(diagram, homology_dimensions, "diagram")
    with tda_style():
        if ax is None:
            fig, axes = new_figure(panel_size=(4.0, 3.2) if kind == "barcode" else (3.6, 3.4))
            ax = axes[0, 0]
        else:
            fig = ax.figure
        handles = _DRAWERS[kind](ax, bars, dims, _extent([bars], threshold), threshold, True)
        if handles:
            ax.legend(handles=handles, loc="lower right" if kind == "diagram" else "best")
        if title:
            ax.set_title(title)
    return fig  # type: ignore[return-value]


def plot_barcode(
    diagram: Any,
    homology_dimensions: Sequence[int] | int | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    threshold: float | None = None,
) -> Figure:
    """Persistence barcode of one cloud: one horizontal segment per bar, grouped by dimension.

    Parameters
    ----------
    diagram : array-like, shape (n_bars, 3) or (1, n_bars, 3)
        Rows ``(birth, death, dim)``; padding rows (``birth == death``) are skipped.
    homology_dimensions : int or sequence of int, optional
        Dimensions to draw (default: every dimension in ``diagram``).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.
    threshold : float, optional
        Filtration threshold used; bars dying at or after it are drawn as never dying.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return _single("barcode", diagram, homology_dimensions, title, ax, threshold)


def plot_diagram(
    diagram: Any,
    homology_dimensions: Sequence[int] | int | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    threshold: float | None = None,
) -> Figure:
    """Persistence diagram of one cloud: birth–death scatter above the diagonal, one colour and
    marker per dimension; bars that never die sit on a dashed ``+inf`` line.

    Parameters
    ----------
    diagram : array-like, shape (n_bars, 3) or (1, n_bars, 3)
        Rows ``(birth, death, dim)``; padding rows (``birth == death``) are skipped.
    homology_dimensions : int or sequence of int, optional
        Dimensions to draw (default: every dimension in ``diagram``).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.
    threshold : float, optional
        Filtration threshold used; bars dying at or after it are drawn as never dying.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return _single("diagram", diagram, homology_dimensions, title, ax, threshold)


def plot_layer_diagrams(
    diagrams: Any,
    layer_names: Sequence[str],
    kind: str = "barcode",
    homology_dimensions: Sequence[int] | int | None = None,
    ncols: int | None = None,
    threshold: float | None = None,
    title: str | None = None,
) -> Figure:
    """Small multiples: one barcode or diagram per layer, on a shared filtration axis.

    Parameters
    ----------
    diagrams : array-like, shape (n_layers, n_features, 3), or list of (n_bars, 3) arrays
        One diagram per layer, rows ``(birth, death, dim)``.
    layer_names : sequence of str, length n_layers
        Panel titles, in depth order.
    kind : {"barcode", "diagram"}
        Barcodes or birth-death diagrams.
    homology_dimensions : int or sequence of int, optional
        Dimensions to draw; default every dimension present.
    ncols : int, optional
        Panels per row (default: up to 4).
    threshold : float, optional
        Filtration threshold used (see :func:`plot_barcode`).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        ``len(layer_names)`` panels; unused grid cells are hidden.
    """
    if kind not in _DRAWERS:
        raise InputError(f"kind must be 'barcode' or 'diagram', got {kind!r}")
    clouds = split_clouds(diagrams)
    if len(clouds) != len(layer_names):
        raise InputError(
            f"layer_names has {len(layer_names)} names for {len(clouds)} diagrams"
        )
    if not clouds:
        raise InputError("diagrams is empty")
    prepared = [
        _prepare(c, homology_dimensions, f"diagram of layer {name!r}")
        for c, name in zip(clouds, layer_names, strict=True)
    ]
    all_dims = select_dims(
        {d for _, dims in prepared for d in dims}, homology_dimensions
    )
    edge = _extent([bars for bars, _ in prepared], threshold)
    n = len(clouds)
    ncols = max(1, min(ncols or 4, n))
    nrows = math.ceil(n / ncols)
    with tda_style():
        fig, axes = new_figure(nrows, ncols, panel_size=(3.0, 2.6) if kind == "barcode" else (2.8, 2.8))
        handles: dict[str, Any] = {}
        for i, ((bars, _), name) in enumerate(zip(prepared, layer_names, strict=True)):
            ax = axes[i // ncols, i % ncols]
            for h in _DRAWERS[kind](ax, bars, all_dims, edge, threshold, False):
                handles.setdefault(h.get_label(), h)
            counts = ", ".join(f"H{d}: {int((bars[:, 2] == d).sum())}" for d in all_dims)
            ax.set_title(str(name))
            ax.text(0.98, 0.02, counts, transform=ax.transAxes, ha="right", va="bottom",
                    fontsize=7, color="#333333")
        for j in range(n, nrows * ncols):
            axes[j // ncols, j % ncols].set_visible(False)
        fig.legend(handles=list(handles.values()), loc="outside right upper")
        if title:
            fig.suptitle(title)
    return fig
