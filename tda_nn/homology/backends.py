"""Vietoris–Rips persistence engines behind one signature.

``"giotto-ph"`` (default), ``"ripser"``, ``"gudhi"`` and ``"giotto-tda"`` all receive the same
float32 distance matrix (dense, or sparse under a threshold) and return one ``(n_bars, 2)`` array
per homology dimension, so their diagrams agree exactly. See ``docs/concepts.md``. A backend is a
function ``run(D, maxdim, thresh, coeff, n_threads, collapse_edges)`` registered with
:func:`register_backend`; every choice of backend reads :data:`BACKENDS`, the live list of
registered names (``docs/extending.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tda_nn.errors import InputError
from tda_nn.registry import Registry

__all__ = ["BACKENDS", "Backend", "check_backend", "get_backend", "register_backend", "run_backend"]

#: ``run(D, maxdim, thresh, coeff, n_threads, collapse_edges) -> [bars_0, ..., bars_maxdim]``
BackendRun = Callable[..., list[np.ndarray]]


@dataclass(frozen=True)
class Backend:
    """A persistence engine: its function and the package it needs (None: nothing)."""

    name: str
    run: BackendRun
    requires: str | None = None


_REGISTRY: Registry[Backend] = Registry("backend")
#: names of the registered backends (a live tuple-like view)
BACKENDS = _REGISTRY.view()


def register_backend(name: str, run: BackendRun, *, requires: str | None = None,
                     replace: bool = False) -> Backend:
    """Make ``name`` a backend everywhere a backend is chosen.

    Parameters
    ----------
    name : str
    run : callable
        ``run(D, maxdim, thresh, coeff, n_threads, collapse_edges)``; ``D`` is a dense ``(m, m)``
        ndarray or a scipy sparse matrix of edges; returns one ``(n_bars_k, 2)`` float64 array
        of ``(birth, death)`` per dimension ``k = 0 .. maxdim``, ``inf`` for essential bars.
    requires : str, optional
        Importable module the backend needs; checked when the backend is chosen.
    replace : bool
        Allow replacing a registered backend.
    """
    return _REGISTRY.register(name, Backend(name, run, requires), replace=replace)


def get_backend(backend: str) -> Backend:
    """The registered entry of ``backend``, else :class:`InputError` listing the backends."""
    return _REGISTRY.get(backend)


def check_backend(backend: str) -> str:
    """Return ``backend`` if it is registered and importable, else raise :class:`InputError`."""
    entry = get_backend(backend)
    import importlib.util

    if entry.requires is not None and importlib.util.find_spec(entry.requires) is None:
        raise InputError(f"backend={backend!r} needs the package {entry.requires!r} installed")
    return backend


def _split_dims(dgms: list[np.ndarray], maxdim: int) -> list[np.ndarray]:
    out = []
    for k in range(maxdim + 1):
        d = np.asarray(dgms[k], dtype=np.float64).reshape(-1, 2) if k < len(dgms) else None
        out.append(np.empty((0, 2)) if d is None else d)
    return out


def _giotto_ph(D, maxdim, thresh, coeff, n_threads, collapse_edges):
    from tda_nn.homology._gph import ripser_distance_matrix

    dgms = ripser_distance_matrix(D, maxdim, thresh, coeff, n_threads, collapse_edges)
    return _split_dims(dgms, maxdim)


def _ripser(D, maxdim, thresh, coeff, n_threads, collapse_edges):
    from ripser import ripser

    res = ripser(D, maxdim=maxdim, thresh=thresh, coeff=coeff, distance_matrix=True)
    return _split_dims(res["dgms"], maxdim)


def _gudhi(D, maxdim, thresh, coeff, n_threads, collapse_edges):
    import gudhi
    import scipy.sparse as sp

    if sp.issparse(D):
        C = sp.triu(D, k=1).tocoo()
        keep = C.data <= thresh
        st = gudhi.SimplexTree()
        n = D.shape[0]
        st.insert_batch(np.arange(n)[None, :], np.zeros(n))
        st.insert_batch(np.vstack([C.row[keep], C.col[keep]]), C.data[keep])
        st.expansion(maxdim + 1)
    else:
        rc = gudhi.RipsComplex(distance_matrix=D, max_edge_length=thresh)
        st = rc.create_simplex_tree(max_dimension=maxdim + 1)
    st.compute_persistence(homology_coeff_field=coeff, min_persistence=0.0)
    dgms = [st.persistence_intervals_in_dimension(k) for k in range(maxdim + 1)]
    return _split_dims(dgms, maxdim)


def _giotto_tda(D, maxdim, thresh, coeff, n_threads, collapse_edges):
    from gtda.homology import VietorisRipsPersistence as GtdaVR

    vr = GtdaVR(
        metric="precomputed", homology_dimensions=tuple(range(maxdim + 1)),
        max_edge_length=thresh, coeff=coeff, collapse_edges=collapse_edges,
        reduced_homology=False, infinity_values=np.inf, n_jobs=1,
    )
    dgm = vr.fit_transform([D])[0]
    dgm = dgm[dgm[:, 0] < dgm[:, 1]]
    return [dgm[dgm[:, 2] == k, :2].astype(np.float64) for k in range(maxdim + 1)]


register_backend("giotto-ph", _giotto_ph)
register_backend("ripser", _ripser)
register_backend("gudhi", _gudhi)
register_backend("giotto-tda", _giotto_tda, requires="gtda")


def run_backend(
    backend: str,
    D,
    maxdim: int,
    thresh: float = np.inf,
    coeff: int = 2,
    n_threads: int = 1,
    collapse_edges: bool = False,
) -> list[np.ndarray]:
    """Vietoris–Rips persistence of a distance matrix with the chosen engine.

    Parameters
    ----------
    backend : str
        A registered name: ``"giotto-ph"``, ``"ripser"``, ``"gudhi"``, ``"giotto-tda"``, ...
    D : ndarray of shape (m, m) or scipy sparse matrix
        Symmetric distances with zero diagonal; a sparse matrix lists the edges (missing = absent).
    maxdim : int
        Highest homology dimension computed.
    thresh : float
        Edges longer than this never enter the filtration.
    coeff : int
        Prime ``p`` of the coefficient field Z/pZ.
    n_threads : int
        Threads for giotto-ph (ignored by the others).
    collapse_edges : bool
        Edge collapse before the reduction (giotto-ph and giotto-tda); exact, and much faster
        in dimension 2 under a threshold.

    Returns
    -------
    list of ndarray of shape (n_bars_k, 2)
        Raw ``(birth, death)`` bars for ``k = 0 .. maxdim``; ``death = inf`` for essential bars.
    """
    run = get_backend(check_backend(backend)).run
    return run(D, maxdim, thresh, coeff, n_threads, collapse_edges)
