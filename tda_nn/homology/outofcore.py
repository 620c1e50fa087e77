"""Landmarks of a cloud bigger than memory: maxmin and random subsamples by blocks of rows.

The cloud (a :class:`~tda_nn.homology.chunked.ChunkedCloud`) is read once per *batch* of
landmarks, keeping the farthest points in memory as candidates, and the greedy choice stays exact;
every pass is a map over blocks (:func:`block_sum`, :func:`block_norms`, :func:`block_update`)
reduced in block order, here or on a Dask cluster, with identical results. The algorithm, its
float32 caveat and its memory: ``docs/pipelines-and-scale-out.md`` (Layers bigger than memory).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tda_nn.errors import InputError
from tda_nn.homology.chunked import ChunkedCloud
from tda_nn.homology.metrics import owner_distances, pairwise_euclidean
from tda_nn.homology.subsample import Subsample, landmark_cells, random_indices

#: bytes of candidate rows (float32) held between full passes
CANDIDATE_BYTES = 64 * 2**20

Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


@dataclass
class PassStats:
    """How the out-of-core selection went: full passes over the cloud, and what they held."""

    n_passes: int = 0
    n_candidates: int = 0
    batches: tuple[int, ...] = ()


def _local_map(fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterable[Any]:
    return map(fn, tasks)


def _mapper(scheduler: Any) -> Mapper:
    if scheduler is None:
        return _local_map
    from tda_nn.execution import map_ordered

    return functools.partial(map_ordered, scheduler=scheduler)


# -- per-block pure functions (run where the block is read) ---------------------------------------
def block_sum(cloud: ChunkedCloud, block: tuple[int, int]) -> np.ndarray:
    """Column sums (float64) of one block, shape ``(n_features,)``."""
    X = cloud.read(*block)
    return X.sum(axis=0, dtype=np.float64)


def block_norms(cloud: ChunkedCloud, shift: np.ndarray, block: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Squared norms of the centred rows of one block: float64 (exact) and of the float32 rows
    the greedy choice compares (:func:`centred32`), each of shape ``(rows,)``."""
    E = np.asarray(cloud.read(*block), dtype=np.float64) - shift
    E32 = E.astype(np.float32)  # = centred32 of the block
    return np.einsum("ij,ij->i", E, E), np.einsum("ij,ij->i", E32, E32)


def centred32(X: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``float32(float64(X) - shift)``, shape of ``X``: the centred rows the greedy choice compares.

    The same bits as ``(X.astype(float64) - shift).astype(float32)`` (the in-memory path), by
    row panels that stay in cache, without the float64 copy of the block (three times faster).
    """
    out = np.empty(X.shape, dtype=np.float32)
    for r in range(0, X.shape[0], 512):
        np.subtract(X[r:r + 512], shift, out=out[r:r + 512], casting="same_kind")
    return out


def exact_cells(X: np.ndarray, sq: np.ndarray, shift: np.ndarray, landmarks: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Nearest landmark of every row (float64, ties to the earlier landmark) and the distance to
    it, exact (from the differences, :func:`owner_distances`) where it may be the largest of its
    cell.

    The float64 ``|a|^2 - 2 a.l + |l|^2`` errs by at most ``4 (d + 4) u (|a|^2 + |l|^2)``; rows
    farther than twice that below their cell's largest value in this block get that value's
    square root, which never exceeds the cell's exact largest distance, so the cell radii and the
    covering radius are exact while the differences are formed for a few rows only.

    Returns
    -------
    cover : ndarray of shape (rows,)
        float64 distances (exact where they may be a cell's largest).
    cell : ndarray of shape (rows,)
        Position of the nearest landmark in ``landmarks``.
    """
    E = np.asarray(X, dtype=np.float64) - shift
    sqL = np.einsum("ij,ij->i", landmarks, landmarks)
    d2 = np.maximum(sq[:, None] + sqL[None, :] - 2.0 * (E @ landmarks.T), 0.0)
    cell = d2.argmin(axis=1)
    best = d2[np.arange(len(cell)), cell]
    tol = 4.0 * (E.shape[1] + 4) * np.finfo(np.float64).eps * (float(sq.max()) + float(sqL.max()))
    top = np.full(len(landmarks), -np.inf)
    np.maximum.at(top, cell, best)
    near = np.flatnonzero(best >= top[cell] - 2.0 * tol)
    cover = np.sqrt(best)
    cover[near] = owner_distances(E[near], landmarks, cell[near])
    return cover, cell


def _nearest32(A32: np.ndarray, sqA: np.ndarray, B32: np.ndarray, sqB: np.ndarray) -> np.ndarray:
    """float32 distance of each row of ``A`` to its nearest row of ``B``, shape ``(len(A),)``.

    From the centred float32 rows and their squared norms, as the in-memory path computes
    ``|a|^2 - 2 a.b + |b|^2`` (the same operations, in place); the square root of the smallest
    value is the smallest distance bit for bit (``sqrt`` is monotone and correctly rounded).
    """
    d2 = A32 @ B32.T
    d2 *= -2.0
    d2 += sqA[:, None]
    d2 += sqB[None, :]
    return np.sqrt(np.maximum(d2.min(axis=1), 0.0))


def block_update(
    cloud: ChunkedCloud,
    shift: np.ndarray,
    batch: tuple[np.ndarray, np.ndarray],
    cap: int,
    landmarks: np.ndarray | None,
    task: tuple[tuple[int, int], np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> dict[str, Any]:
    """Apply a batch of landmarks to one block; keep its ``cap`` farthest rows.

    Parameters
    ----------
    batch : (ndarray of shape (b, n_features), ndarray of shape (b,))
        The landmarks chosen since the last pass, centred in float32 (:func:`centred32`), and
        their squared norms.
    landmarks : ndarray of shape (m, n_features) or None
        Centred float64 rows of all landmarks, on the last pass only: then every row's nearest
        landmark and the distance to it are returned too.
    task : (block, mind, sq, sq32, landmark_positions)
        The block's ``(start, stop)``, its ``mind`` (float64), squared norms (float64, and float32
        of :func:`centred32`) and the positions in the block of landmark rows.

    Returns
    -------
    dict with ``mind``, ``top`` (global indices of ``cap`` rows of largest ``mind``), ``rows``
    (their raw rows) and, on the last pass, ``cover`` and ``cell`` (distance to the nearest
    landmark and its number, ties to the earlier one, see :func:`exact_cells`; landmark rows: 0).
    """
    (start, stop), mind, sq, sq32, own_rows = task
    X = cloud.read(start, stop)
    mind = np.minimum(mind, _nearest32(centred32(X, shift), sq32, *batch))
    out: dict[str, Any] = {"mind": mind}
    # any rows of large mind will do: the caller reads the candidates it lacks
    keep = np.argpartition(-mind, cap - 1)[:cap] if 0 < cap < len(mind) else np.arange(
        len(mind) if cap else 0)
    out["top"] = start + keep
    out["rows"] = X[keep]
    if landmarks is not None:
        cover, cell = exact_cells(X, sq, shift, landmarks)
        cover[own_rows] = 0.0
        out["cover"], out["cell"] = cover, cell
    return out


# -- the driver -----------------------------------------------------------------------------------
class ChunkedEuclidean:
    """Euclidean distances over a :class:`ChunkedCloud`, computed by passes over its blocks.

    Mirrors what :class:`~tda_nn.homology.metrics.EuclideanSpace` gives the unit (``n``, ``name``,
    ``matrix(idx)``, ``error_bound``) plus the out-of-core subsamples.
    """

    name = "euclidean"

    def __init__(self, cloud: ChunkedCloud, *, scheduler: Any = None,
                 candidate_bytes: int = CANDIDATE_BYTES) -> None:
        self.cloud = cloud
        self.n, self.d = cloud.shape
        self.map = _mapper(scheduler)
        self.candidate_bytes = int(candidate_bytes)
        self.blocks = cloud.blocks()
        self.stats = PassStats()
        total = np.zeros(self.d)
        for part in self.map(functools.partial(block_sum, cloud), self.blocks):
            total += part
        self.shift = total / self.n
        norms = list(self.map(functools.partial(block_norms, cloud, self.shift), self.blocks))
        self.sq = np.concatenate([a for a, _ in norms])
        self.sq32 = np.concatenate([b for _, b in norms])
        self._rows: dict[int, np.ndarray] = {}

    # the unit's questions
    def exact_rows(self, idx: np.ndarray) -> np.ndarray:
        """Centred float64 rows ``idx``, shape ``(len(idx), n_features)`` (read if not held)."""
        idx = np.asarray(idx, dtype=np.int64)
        missing = np.array([i for i in idx if int(i) not in self._rows], dtype=np.int64)
        if len(missing):
            for i, row in zip(missing, self.cloud.rows(missing), strict=True):
                self._rows[int(i)] = row
        raw = np.stack([self._rows[int(i)] for i in idx])
        return np.asarray(raw, dtype=np.float64) - self.shift

    def matrix(self, idx: np.ndarray) -> np.ndarray:
        """Exact pairwise distances of the points ``idx``, shape ``(m, m)``."""
        return pairwise_euclidean(self.exact_rows(idx))

    def error_bound(self, covering_radius: float) -> float:
        return 2.0 * covering_radius

    # passes
    def _pass(self, mind, batch_rows, cap, landmarks=None, landmark_idx=(), owner=None):
        """One full pass: apply ``batch_rows`` (raw rows) to ``mind``; on the last pass
        (``landmarks`` given) ``mind`` gets the cover distances and ``owner`` the cells.
        Returns the blocks' farthest rows: global indices and raw rows."""
        pos = np.asarray(landmark_idx, dtype=np.int64)
        tasks = []
        for start, stop in self.blocks:
            own = pos[(pos >= start) & (pos < stop)] - start
            tasks.append(((start, stop), mind[start:stop], self.sq[start:stop],
                          self.sq32[start:stop], own))
        B32 = centred32(np.asarray(batch_rows), self.shift)
        batch = (B32, np.einsum("ij,ij->i", B32, B32))
        fn = functools.partial(block_update, self.cloud, self.shift, batch, cap, landmarks)
        tops, rows = [], []
        for (start, stop), part in zip(self.blocks, self.map(fn, tasks), strict=True):
            if landmarks is None:
                mind[start:stop] = part["mind"]
            else:
                mind[start:stop], owner[start:stop] = part["cover"], part["cell"]
            tops.append(part["top"])
            rows.append(part["rows"])
        self.stats.n_passes += 1
        return np.concatenate(tops), np.concatenate(rows)

    def _candidates(self, mind, top, top_rows, n_cand):
        """The ``n_cand`` points of largest ``mind`` (by ``(-mind, index)``), sorted by index,
        their raw rows, and ``tau`` (the largest ``mind`` of the other points)."""
        if n_cand >= self.n:
            chosen = np.arange(self.n)
            tau = -np.inf
        else:  # O(n): the values at ranks n_cand and n_cand + 1, then ties by index
            part = np.partition(-mind, [n_cand - 1, n_cand])
            last, tau = float(-part[n_cand - 1]), float(-part[n_cand])
            above = np.flatnonzero(mind > last)
            ties = np.flatnonzero(mind == last)[: n_cand - len(above)]
            chosen = np.sort(np.concatenate([above, ties]))
        rows = np.empty((len(chosen), top_rows.shape[1]), dtype=top_rows.dtype)
        held = np.zeros(len(chosen), dtype=bool)
        if len(top):
            order = np.argsort(top, kind="stable")
            ordered = top[order]
            pos = np.minimum(np.searchsorted(ordered, chosen), len(top) - 1)
            held = ordered[pos] == chosen
            rows[held] = top_rows[order[pos[held]]]
        if not held.all():
            rows[~held] = self.cloud.rows(chosen[~held])
        return chosen, rows, tau

    def maxmin(self, n_landmarks: int, random_state: Any = None) -> Subsample:
        """Greedy farthest-point landmarks, as :func:`~tda_nn.homology.subsample.maxmin_landmarks`.

        Returns
        -------
        Subsample
            Indices in greedy order, exact covering radius, masses and cell radii.
        """
        n, m = self.n, int(n_landmarks)
        if m < 1:
            raise InputError(f"n_landmarks must be >= 1, got {n_landmarks!r}")
        if m >= n:
            return Subsample(np.arange(n), 0.0, "none")
        if random_state is None:
            first = int(np.argmin(self.sq))
        else:
            first = int(np.random.default_rng(random_state).integers(n))
        n_cand = int(min(n, max(1024, self.candidate_bytes // (4 * self.d))))
        self.stats.n_candidates = n_cand
        cap = lambda rows: int(min(rows, np.ceil(1.5 * n_cand * rows / n) + 16))  # noqa: E731
        mind = np.full(n, np.inf)
        idx = [first]
        batch = [self.cloud.rows(np.array([first]))[0]]
        self._rows[first] = batch[0]
        batches = []
        while len(idx) < m:
            top, top_rows = self._pass(mind, np.stack(batch),
                                       cap(max(b[1] - b[0] for b in self.blocks)))
            batches.append(len(batch))
            cand, raw, tau = self._candidates(mind, top, top_rows, n_cand)
            C32 = centred32(raw, self.shift)
            sqC = np.einsum("ij,ij->i", C32, C32)
            cm = mind[cand].copy()
            batch = []
            while len(idx) < m:
                j = int(np.argmax(cm))
                if not cm[j] > tau:
                    break
                idx.append(int(cand[j]))
                row = raw[j].copy()  # a view would keep all of ``raw`` alive
                batch.append(row)
                self._rows[int(cand[j])] = row
                dj = np.sqrt(np.maximum(sqC - 2.0 * (C32 @ C32[j]) + sqC[j], 0.0))
                np.minimum(cm, dj, out=cm)
                alive = cm > tau
                if not alive.any():
                    break
                if alive.sum() < len(cm) // 2:
                    cand, raw, C32, sqC, cm = (a[alive] for a in (cand, raw, C32, sqC, cm))
            if not batch:  # cannot happen: the best candidate is the global farthest point
                raise RuntimeError("out-of-core maxmin made no progress")
        landmarks = self.exact_rows(np.array(idx))
        owner = np.zeros(n, dtype=np.int64)
        self._pass(mind, np.stack(batch), 0, landmarks, idx, owner)
        batches.append(len(batch))
        self.stats.batches = tuple(batches)
        index = np.asarray(idx, dtype=np.int64)
        owner[index] = np.arange(m)
        return landmark_cells(index, mind, owner, "maxmin")

    def random(self, n_points: int, random_state: Any = 0) -> Subsample:
        """``n_points`` uniform random rows (as :func:`~tda_nn.homology.subsample.random_subsample`)."""
        n = self.n
        idx = random_indices(n, n_points, random_state)
        if idx is None:
            return Subsample(np.arange(n), 0.0, "none")
        landmarks = self.exact_rows(idx)
        mind = np.zeros(n)
        owner = np.zeros(n, dtype=np.int64)
        self._pass(mind, landmarks[:1] + self.shift, 0, landmarks, idx, owner)
        return Subsample(idx, float(mind.max()), "random")
