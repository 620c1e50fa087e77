"""Vietoris–Rips persistence engines behind one signature.

``"giotto-ph"`` (default), ``"ripser"``, ``"gudhi"`` and ``"giotto-tda"`` all receive the same
float32 distance matrix (dense, or sparse under a threshold) and return one ``(n_bars, 2)`` array
per homology dimension, so their diagrams agree exactly. See ``docs/concepts.md``.
"""

from __future__ import annotations

import numpy as np

from tda_nn.errors import InputError

BACKENDS = ("giotto-ph", "ripser", "gudhi", "giotto-tda")


def check_backend(backend: str) -> str:
    """Return ``backend`` if it is known and importable, else raise :class:`InputError`."""
    modules = {"giotto-ph": "gph", "ripser": "ripser", "gudhi": "gudhi", "giotto-tda": "gtda"}
    if backend not in modules:
        raise InputError(f"backend must be one of {BACKENDS}, got {backend!r}")
    import importlib.util

    if importlib.util.find_spec(modules[backend]) is None:
        raise InputError(f"backend={backend!r} needs the package {modules[backend]!r} installed")
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


_RUNNERS = {
    "giotto-ph": _giotto_ph,
    "ripser": _ripser,
    "gudhi": _gudhi,
    "giotto-tda": _giotto_tda,
}


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
    backend : {"giotto-ph", "ripser", "gudhi", "giotto-tda"}
        Persistence engine; all give the same diagrams.
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
    return _RUNNERS[check_backend(backend)](D, maxdim, thresh, coeff, n_threads, collapse_edges)
