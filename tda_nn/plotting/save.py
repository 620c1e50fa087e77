"""Writing figures to disk, atomically, in several formats at once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from tda_nn._atomic import atomic_path
from tda_nn.errors import InputError
from tda_nn.plotting.style import tda_style

#: Formats :func:`save_figure` writes.
SUPPORTED_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
DEFAULT_FORMATS: tuple[str, ...] = ("png", "svg")


def save_figure(
    fig: Figure,
    path: str | os.PathLike[str],
    formats: Sequence[str] | None = None,
    dpi: int = 300,
) -> list[Path]:
    """Write ``fig`` once per format, each file atomically (temp file + rename).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path : str or path-like
        Target with or without suffix. ``figures/betti`` with ``formats=("png", "svg")`` writes
        ``figures/betti.png`` and ``figures/betti.svg``. A known suffix (``.png``, ``.svg``,
        ``.pdf``) is stripped first.
    formats : sequence of str, optional
        Formats among ``png``, ``svg``, ``pdf``. Default: the path's own suffix when it has a known
        one, else ``("png", "svg")``.
    dpi : int
        Resolution of raster output (PNG).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in SUPPORTED_FORMATS:
        stem = path.with_suffix("")
        if formats is None:
            formats = (suffix,)
    else:
        stem = path
        if formats is None:
            formats = DEFAULT_FORMATS
    if isinstance(formats, str):
        formats = (formats,)
    fmts = [str(f).lower().lstrip(".") for f in formats]
    bad = [f for f in fmts if f not in SUPPORTED_FORMATS]
    if bad or not fmts:
        raise InputError(
            f"save_figure formats must be among {list(SUPPORTED_FORMATS)}, got {list(formats)}"
        )
    written: list[Path] = []
    with tda_style():
        for fmt in dict.fromkeys(fmts):
            target = stem.parent / f"{stem.name}.{fmt}"
            metadata = {"Date": None} if fmt == "svg" else {"Software": "tda-nn (matplotlib)"}
            if fmt == "pdf":
                metadata = {"Creator": "tda-nn (matplotlib)", "CreationDate": None}
            with atomic_path(target, suffix=f".{fmt}") as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
            written.append(target)
    return written
