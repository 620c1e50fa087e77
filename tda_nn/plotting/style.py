"""One look for every tda-nn figure: font sizes, a colour-blind-safe palette, markers.

The style is applied through :func:`tda_style`, a context manager around
:func:`matplotlib.rc_context`; importing this module changes no global ``rcParams``.
Colours come from the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), ordered so
the first colours are the most distinct on white; continuous values use ``viridis``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure

#: Okabe–Ito colours, most distinct first (yellow and black last: weak on white / reads as text).
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "orange": "#E69F00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE: tuple[str, ...] = tuple(OKABE_ITO.values())
#: Markers cycled after the palette runs out, so categories stay distinct without colour.
MARKERS: tuple[str, ...] = ("o", "^", "s", "D", "v", "P", "X", "*")
#: Colour map for continuous values (perceptually uniform, colour-blind-safe, prints in grey).
SEQUENTIAL_CMAP = "viridis"
#: Colour of missing cells in heatmaps.
MISSING_COLOR = "#D9D9D9"

STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "axes.grid": False,
    "grid.linewidth": 0.5,
    "grid.alpha": 0.4,
    "lines.linewidth": 1.5,
    "lines.markersize": 5,
    "errorbar.capsize": 3,
    "image.cmap": SEQUENTIAL_CMAP,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "svg.fonttype": "none",
    "svg.hashsalt": "tda-nn",
    "pdf.fonttype": 42,
}


@contextlib.contextmanager
def tda_style(**overrides: Any) -> Iterator[None]:
    """Apply the tda-nn style (plus ``overrides``, as rcParams) inside a ``with`` block.

    Parameters
    ----------
    **overrides
        matplotlib rcParams set on top of :data:`STYLE`, e.g. ``{"font.size": 12}`` passed as
        ``**{"font.size": 12}``.
    """
    with rc_context({"axes.prop_cycle": _prop_cycle(), **STYLE, **overrides}):
        yield


def _prop_cycle() -> Any:
    from cycler import cycler

    return cycler(color=list(PALETTE))


def category_color(i: int) -> str:
    """Colour of the ``i``-th category (cycles the palette)."""
    return PALETTE[i % len(PALETTE)]


def category_marker(i: int) -> str:
    """Marker of the ``i``-th category: changes each time the palette wraps around."""
    return MARKERS[(i // len(PALETTE)) % len(MARKERS)]


def dim_color(dim: int) -> str:
    """Colour of homology dimension ``dim`` (H0 blue, H1 vermillion, H2 green, ...)."""
    return category_color(int(dim))


def dim_marker(dim: int) -> str:
    """Marker of homology dimension ``dim`` (H0 circle, H1 triangle, H2 square, ...)."""
    return MARKERS[int(dim) % len(MARKERS)]


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    panel_size: tuple[float, float] = (3.2, 2.6),
    squeeze: bool = False,
    **subplot_kw: Any,
) -> tuple[Figure, Any]:
    """A figure with a grid of axes, not registered with pyplot (no global state, no leaks).

    Call inside :func:`tda_style`. Returns ``(fig, axes)``; ``axes`` is 2-D unless ``squeeze``.
    """
    fig = Figure(
        figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained"
    )
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **subplot_kw)
    return fig, axes
