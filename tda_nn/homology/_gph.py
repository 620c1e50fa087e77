"""giotto-ph's compiled Ripser, called directly on a distance matrix.

Importing ``gph`` imports scikit-learn and SciPy; the backends only hand giotto-ph a finished
distance matrix, so :func:`ripser_distance_matrix` repeats what ``gph.ripser_parallel`` does for
that input with the same compiled functions (loaded by :func:`kernels` without executing
``gph/__init__.py``). ``tests/test_homology.py`` checks the diagrams equal
``gph.ripser_parallel``'s bit for bit. Details: ``docs/concepts.md`` (Backends).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

from tda_nn.errors import InputError

_MODULES = ("gph_ripser", "gph_ripser_coeff", "gph_collapser")
_NEEDED = {
    "gph_ripser": ("rips_dm", "rips_dm_sparse", "get_max_coefficient_field_supported"),
    "gph_ripser_coeff": ("rips_dm", "rips_dm_sparse"),
    "gph_collapser": ("flag_complex_collapse_edges_dense", "flag_complex_collapse_edges_coo"),
}


def _load_extension(folder: str, name: str):
    """Load ``gph/modules/<name>.<abi>.so`` as ``gph.modules.<name>`` without its package."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, name + suffix)
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location(f"gph.modules.{name}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise ImportError(f"no compiled {name} in {folder}")


@lru_cache(maxsize=1)
def kernels() -> SimpleNamespace:
    """giotto-ph's three compiled modules (``ripser``, ``ripser_coeff``, ``collapser``)."""
    modules = None
    if "gph" not in sys.modules:
        spec = importlib.util.find_spec("gph")  # a required dependency
        try:
            folder = os.path.join(list(spec.submodule_search_locations)[0], "modules")
            modules = {name: _load_extension(folder, name) for name in _MODULES}
        except (ImportError, OSError, IndexError, TypeError):
            modules = None
    if modules is None or any(
        not hasattr(modules[m], attr) for m, attrs in _NEEDED.items() for attr in attrs
    ):
        from gph.modules import gph_collapser, gph_ripser, gph_ripser_coeff

        modules = {"gph_ripser": gph_ripser, "gph_ripser_coeff": gph_ripser_coeff,
                   "gph_collapser": gph_collapser}
    ripser = modules["gph_ripser"]
    return SimpleNamespace(
        ripser=ripser,
        ripser_coeff=modules["gph_ripser_coeff"],
        collapser=modules["gph_collapser"],
        max_coeff=int(ripser.get_max_coefficient_field_supported()),
    )


def _upper_coo(D, thresh: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ``(i, j, D_ij)`` with ``i <= j`` and ``D_ij <= thresh`` of a dense or sparse matrix.

    A sparse matrix may store an edge once, in either triangle; where both ``(i, j)`` and
    ``(j, i)`` are stored the upper one counts (giotto-ph's convention).
    """
    if isinstance(D, np.ndarray):
        row, col = np.nonzero(np.triu(D <= thresh))
        return row, col, D[row, col]
    C = D.tocoo()
    row, col, data = C.row.astype(np.int64), C.col.astype(np.int64), C.data
    upper = row <= col
    lo_row, lo_col, lo_data = col[~upper], row[~upper], data[~upper]
    row, col, data = row[upper], col[upper], data[upper]
    if len(lo_row):
        n = max(D.shape)
        extra = ~np.isin(lo_row * n + lo_col, row * n + col)
        row = np.concatenate([row, lo_row[extra]])
        col = np.concatenate([col, lo_col[extra]])
        data = np.concatenate([data, lo_data[extra]])
    keep = data <= thresh
    return row[keep], col[keep], data[keep]


def ripser_distance_matrix(
    D,
    maxdim: int,
    thresh: float = np.inf,
    coeff: int = 2,
    n_threads: int = 1,
    collapse_edges: bool = False,
) -> list[np.ndarray]:
    """Vietoris–Rips persistence of a distance matrix with giotto-ph's engine.

    Parameters
    ----------
    D : ndarray of shape (m, m), or scipy sparse matrix
        Symmetric distances, zero diagonal; a sparse matrix lists the edges (missing = absent).
    maxdim : int
    thresh : float
        Largest filtration value; ``inf`` computes the full filtration.
    coeff : int
        Prime field Z/pZ (giotto-ph supports ``p <= 255``).
    n_threads : int
        Threads of the reduction in dimensions >= 1.
    collapse_edges : bool

    Returns
    -------
    list of ndarray of shape (n_bars_k, 2)
        ``(birth, death)`` per dimension ``0 .. maxdim`` as giotto-ph returns them.
    """
    k = kernels()
    if coeff > k.max_coeff:
        raise InputError(f"coeff must be at most {k.max_coeff} with giotto-ph, got {coeff}")
    engine = k.ripser if coeff == 2 else k.ripser_coeff
    dense = isinstance(D, np.ndarray)
    m = D.shape[0]
    full_dense = dense and not np.isfinite(thresh)
    if full_dense and m:
        thresh = float(np.min(np.max(D, axis=1)))  # enclosing radius: a cone beyond it
    if full_dense and not collapse_edges:
        condensed = D[np.triu_indices(m, 1)].astype(np.float32)
        diagonal = np.ascontiguousarray(np.diagonal(D), dtype=np.float32)
        res = engine.rips_dm(condensed, diagonal, coeff, maxdim, thresh, n_threads, False)
    else:
        if collapse_edges:
            if dense:
                row, col, data = k.collapser.flag_complex_collapse_edges_dense(
                    D.astype(np.float32), thresh
                )
                diag = np.diagonal(D)
                nonzero = np.flatnonzero(diag)
                row, col = np.hstack([nonzero, row]), np.hstack([nonzero, col])
                data = np.hstack([diag[nonzero], data])
            else:
                row, col, data = _upper_coo(D, np.inf)
                on_diag = row == col
                crow, ccol, cdata = k.collapser.flag_complex_collapse_edges_coo(
                    row[~on_diag].astype(np.int32), col[~on_diag].astype(np.int32),
                    data[~on_diag].astype(np.float32), thresh,
                )
                row = np.hstack([row[on_diag], crow])
                col = np.hstack([col[on_diag], ccol])
                data = np.hstack([data[on_diag], cdata])
        else:
            row, col, data = _upper_coo(D, thresh)
        row = np.ascontiguousarray(row, dtype=np.int64)
        col = np.ascontiguousarray(col, dtype=np.int64)
        data = np.ascontiguousarray(data, dtype=np.float32)
        res = engine.rips_dm_sparse(
            row, col, data, row.size, m, coeff, maxdim, thresh, n_threads, False
        )
    return [np.reshape(np.array(bars, dtype=np.float64), (-1, 2))
            for bars in res.births_and_deaths_by_dim()]
