"""Betti numbers piece by piece: each piece of a cloud measured at its own resolution.

The homology of a disjoint union is the direct sum of its pieces' homologies, so once the merge
tree has found ``beta_0 >= 2`` pieces (:func:`~tda_nn.features.components.count_components`),
``beta_k`` (k >= 1) of the cloud is the sum of the pieces' ``beta_k``. Measured on the whole cloud,
one set of landmarks and one resolution serve every piece, so a small piece next to a big one
gets a handful of landmarks and its loops vanish (a circle of radius 0.1 beside a 10-dimensional
blob). :func:`refine_by_pieces` computes each piece's persistence with its own landmarks and adds
the answers up. Evidence and limits: ``docs/betti-numbers.md``.
"""

from __future__ import annotations

import numpy as np

from tda_nn.features.components import count_components
from tda_nn.homology.metrics import metric_space

__all__ = ["UNDERSAMPLED_SHARE", "cloud_piece_rows", "refine_by_pieces"]

#: pieces are measured apart only when one of them holds fewer points used than this share of
#: what it would get alone (``min(points used, its points)``): where every piece is sampled about
#: as finely as it would be alone (a whole cloud used exactly, two pieces of equal size), the
#: whole cloud's diagram already resolves each, and small pieces measured alone lose the
#: resolution of their neighbours (a 50-point circle's loop is born at its largest gap, more than
#: twice its own spacing)
UNDERSAMPLED_SHARE = 0.25


def _owners(cloud: np.ndarray, result, metric: str, metric_params) -> np.ndarray:
    """Position (among the points used) of each cloud row's nearest point used."""
    n = int(result.n_points)
    if result.indices is None or result.subsample == "none":
        return np.arange(n)
    idx = np.asarray(result.indices, dtype=np.int64)
    space = metric_space(cloud, metric, metric_params)
    if hasattr(space, "nearest_owner"):
        return np.asarray(space.nearest_owner(idx)[1], dtype=np.int64)
    best = np.full(n, np.inf)
    owner = np.zeros(n, dtype=np.int64)
    for k, i in enumerate(idx):  # graph metrics: one row of distances per landmark
        row = np.asarray(space.row(int(i)), dtype=np.float64)
        closer = row < best
        best[closer], owner[closer] = row[closer], k
    return owner


def cloud_piece_rows(cloud: np.ndarray, result, metric: str = "euclidean",
                     metric_params: dict | None = None) -> list[np.ndarray]:
    """Rows of ``cloud`` in each piece of the merge tree of ``result``.

    Parameters
    ----------
    cloud : ndarray of shape (n_points, n_features)
        The cloud ``result`` was computed from.
    result : PersistenceResult
        With its minimum spanning tree, masses and cell radii.
    metric, metric_params
        Those of ``result`` (a landmark's cell is its metric's Voronoi cell).

    Returns
    -------
    rows : list of ndarray of int
        One sorted array of row indices per piece, in the order of the pieces' first points used;
        ``[arange(n)]`` when there is no merge tree.
    used : ndarray of shape (n_pieces,)
        Points used (landmarks) in each piece.
    """
    n = int(result.n_points)
    if result.mst is None or len(result.mst) + 1 != result.n_points_used:
        return [np.arange(n)], np.array([int(result.n_points_used)])
    comps = count_components(result.mst, result.masses, result.cell_radii)
    if comps.beta0 < 2:
        return [np.arange(n)], np.array([int(result.n_points_used)])
    piece = comps.labels[_owners(cloud, result, metric, metric_params)]
    used = np.bincount(comps.labels, minlength=comps.beta0)
    return [np.flatnonzero(piece == p) for p in range(comps.beta0)], used


def refine_by_pieces(cloud: np.ndarray, result, decisions: list, measure,
                     metric: str = "euclidean", metric_params: dict | None = None) -> list:
    """``beta_k`` (k >= 1) as the sum over the pieces, each measured apart.

    Parameters
    ----------
    cloud : ndarray of shape (n_points, n_features)
    result : PersistenceResult
        Of the whole cloud.
    decisions : list of DimDecision
        Of the whole cloud (:func:`~tda_nn.features.decision.decide_betti`), H0 first.
    measure : callable ``rows -> list of DimDecision``
        Persistence and decisions of ``cloud[rows]`` with the job's parameters.
    metric, metric_params
        Those ``result`` was computed with.

    Returns
    -------
    list of DimDecision
        ``decisions`` with, for k >= 1, ``betti``, ``betti_test`` and ``betti_significant`` the sums
        over the pieces, ``betti_whole`` the whole cloud's answer and ``n_pieces_apart`` the
        number of pieces measured; a row whose sum differs from the whole cloud's answer, or
        where a piece is unsure, is unsure. Unchanged with fewer than two pieces, or when no
        piece is undersampled (:data:`UNDERSAMPLED_SHARE`).
    """
    if not decisions or decisions[0].dim != 0 or decisions[0].betti < 2:
        return decisions
    if all(d.dim == 0 for d in decisions):
        return decisions
    pieces, used = cloud_piece_rows(cloud, result, metric, metric_params)
    alone = np.minimum(int(result.n_points_used), [len(rows) for rows in pieces])
    if len(pieces) < 2 or not np.any(used < UNDERSAMPLED_SHARE * alone):
        return decisions
    per_piece = [measure(rows) for rows in pieces]
    for i, dec in enumerate(decisions):
        if dec.dim == 0:
            continue
        parts = [p[i] for p in per_piece]
        whole = dec.betti
        dec.betti_whole = whole
        dec.n_pieces_apart = len(pieces)
        dec.betti = int(sum(p.betti for p in parts))
        dec.betti_test = int(sum(p.betti_test for p in parts))
        dec.betti_significant = int(sum(p.betti_significant for p in parts))
        dec.betti_certain = min(dec.betti_certain, dec.betti)
        if dec.betti != whole:
            dec.mark_unsure(f"the pieces measured apart give {dec.betti}, the whole cloud {whole}")
        for p in parts:
            for reason in p.reasons:
                dec.mark_unsure(f"a piece: {reason}")
    return decisions
