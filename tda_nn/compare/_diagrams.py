"""Reading one persistence diagram for a distance: select a dimension, drop padding, split off
the infinite bars.

Accepted layouts (giotto-tda's, see DESIGN.md):

- ``(n_bars, 3)`` rows ``(birth, death, dim)``; a ``(1, n_bars, 3)`` collection of one cloud is
  accepted too. Rows of the asked ``homology_dim`` are kept.
- ``(n_bars, 2)`` rows ``(birth, death)`` of a single dimension (persim / GUDHI layout).

Both are checked by :func:`tda_nn.diagrams.check_diagram`. Padding rows (``birth == death``) are
bars of length zero: they lie on the diagonal and are dropped. Bars with ``death == +inf`` are
*essential* bars; they are either replaced by ``cap`` or kept apart (see :func:`split_diagram`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tda_nn.diagrams import check_diagram
from tda_nn.errors import InputError


@dataclass(frozen=True)
class SplitDiagram:
    """One diagram of one homology dimension, ready for a distance.

    Attributes
    ----------
    finite : ndarray, shape (n_finite, 2)
        ``(birth, death)`` of the bars with ``death > birth`` and a finite death.
    essential : ndarray, shape (n_essential,)
        Sorted births of the bars with ``death == +inf``.
    """

    finite: np.ndarray
    essential: np.ndarray


def diagram_dimensions(diagram: object, name: str = "diagram") -> list[int]:
    """The homology dimensions present in a giotto-layout diagram (padding rows included)."""
    arr = check_diagram(diagram, name=name, allow_two_columns=True)
    if arr.shape[1] == 2:
        return []
    return sorted({int(d) for d in np.unique(arr[:, 2])})


def split_diagram(
    diagram: object,
    homology_dim: int | None,
    cap: float | None = None,
    name: str = "diagram",
) -> SplitDiagram:
    """Validate ``diagram`` and return its bars of ``homology_dim``, finite and essential apart.

    Parameters
    ----------
    diagram : array-like, shape (n_bars, 3), (1, n_bars, 3) or (n_bars, 2)
        Rows ``(birth, death, dim)`` (giotto-tda layout) or ``(birth, death)``.
    homology_dim : int or None
        Dimension to keep from a 3-column diagram. ``None`` is allowed when the diagram holds a
        single dimension (or has 2 columns); it is ignored for 2-column diagrams.
    cap : float, optional
        When given, infinite deaths are replaced by ``cap`` (so every bar is finite). It must be
        at least the birth of every infinite bar.
    name : str
        Argument name used in error messages.

    Returns
    -------
    SplitDiagram

    Raises
    ------
    InputError
        Anything :func:`tda_nn.diagrams.check_diagram` rejects (wrong shape, NaN, infinite
        births, ``death < birth``, ...), a missing ``homology_dim``, a ``cap`` below an infinite
        bar's birth.
    """
    arr = check_diagram(diagram, name=name, allow_two_columns=True)
    if arr.shape[1] == 3:
        dims = np.unique(arr[:, 2])
        if homology_dim is None:
            if dims.size > 1:
                raise InputError(
                    f"homology_dim is required: {name} holds dimensions {[int(d) for d in dims]}"
                )
            rows = arr[:, :2]
        else:
            rows = arr[arr[:, 2] == int(homology_dim), :2]
    else:
        rows = arr
    births = rows[:, 0]
    infinite = rows[:, 1] == np.inf
    if cap is not None:
        cap = float(cap)
        if not np.isfinite(cap):
            raise InputError(f"cap must be a finite number, got {cap}")
        if infinite.any() and cap < births[infinite].max():
            raise InputError(
                f"cap={cap} is below the birth {births[infinite].max()} of an infinite bar "
                f"in {name}"
            )
        rows = rows.copy()
        rows[infinite, 1] = cap
        infinite = np.zeros_like(infinite)
    finite = rows[~infinite & (rows[:, 1] > rows[:, 0])]
    essential = np.sort(rows[infinite, 0])
    return SplitDiagram(finite=np.ascontiguousarray(finite, dtype=np.float64), essential=essential)
