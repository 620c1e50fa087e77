"""Representation Topology Divergence (RTD; Barannikov, Trofimov, Balabin, Burnaev, ICML 2022).

:func:`r_cross_barcode` is the barcode of the ``2n × 2n`` matrix built from the quantile-scaled
distance matrices of two representations of the same probe inputs; :func:`rtd` sums its bar
lengths, symmetrised and averaged over random draws of paired rows. Definition and cost:
``docs/comparing.md``.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist, squareform
from sklearn.utils import check_random_state

from tda_nn.checks import check_int
from tda_nn.errors import InputError

__all__ = ["r_cross_barcode", "rtd"]


def r_cross_barcode(
    X: object,
    Y: object,
    *,
    quantile: float = 0.9,
    homology_dim: int = 1,
    metric: str = "euclidean",
    n_threads: int = 1,
) -> np.ndarray:
    """The R-Cross-Barcode of ``X`` against ``Y`` (all rows, no sampling).

    Parameters
    ----------
    X : array-like, shape (n_points, n_features_x)
        First representation, one row per probe input.
    Y : array-like, shape (n_points, n_features_y)
        Row ``i`` of both is the same probe input.
    quantile : float
        Each distance matrix is divided by this quantile of its entries.
    homology_dim : int
        Dimension of the bars returned.
    metric : str
        Distance between points (any ``scipy.spatial.distance.pdist`` metric).
    n_threads : int
        Threads of giotto-ph.

    Returns
    -------
    ndarray, shape (n_bars, 3)
        Rows ``(birth, death, homology_dim)``, finite bars of positive length only.
    """
    x, y = _check_pair(X, Y)
    _check_options(quantile, homology_dim)
    return _barcode(_normalised(x, metric, quantile, "X"), _normalised(y, metric, quantile, "Y"),
                    homology_dim, n_threads)


def rtd(
    X: object,
    Y: object,
    *,
    n_samples: int = 500,
    n_trials: int = 10,
    quantile: float = 0.9,
    homology_dim: int = 1,
    metric: str = "euclidean",
    random_state: int | np.random.RandomState | None = None,
    n_threads: int = 1,
) -> float:
    """Representation Topology Divergence between two representations of the same inputs.

    Parameters
    ----------
    X : array-like, shape (n_points, n_features_x)
        First representation, one row per probe input.
    Y : array-like, shape (n_points, n_features_y)
        Row ``i`` of both is the same probe input.
    n_samples : int
        Rows drawn (without replacement, the same rows for ``X`` and ``Y``) per trial; all rows
        when ``n_points <= n_samples`` (then the trials are identical and one is computed).
    n_trials : int
        Draws averaged.
    quantile : float
        Normalisation quantile of each distance matrix.
    homology_dim : int
        Dimension of the cross-barcode summed (1 in the paper).
    metric : str
        Distance between points (``scipy.spatial.distance.pdist`` metric).
    random_state : int, RandomState or None
        Draws of the rows.
    n_threads : int
        Threads of giotto-ph.

    Returns
    -------
    float
        ``>= 0``; symmetrised mean over trials of the summed bar lengths.
    """
    x, y = _check_pair(X, Y)
    _check_options(quantile, homology_dim)
    if int(n_samples) < 3 or int(n_trials) < 1:
        raise InputError(f"n_samples must be >= 3 and n_trials >= 1; got {n_samples}, {n_trials}")
    rng = check_random_state(random_state)
    n = x.shape[0]
    size = min(int(n_samples), n)
    trials = 1 if size == n else int(n_trials)
    total = 0.0
    for _ in range(trials):
        rows = np.sort(rng.choice(n, size=size, replace=False)) if size < n else np.arange(n)
        r1 = _normalised(x[rows], metric, quantile, "X")
        r2 = _normalised(y[rows], metric, quantile, "Y")
        forward = _barcode(r1, r2, homology_dim, n_threads)
        backward = _barcode(r2, r1, homology_dim, n_threads)
        total += 0.5 * (_length(forward) + _length(backward))
    return float(total / trials)


def _length(bars: np.ndarray) -> float:
    return float(np.sum(bars[:, 1] - bars[:, 0]))


def _check_pair(X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, arr in (("X", X), ("Y", Y)):
        a = np.asarray(arr, dtype=np.float64)
        if a.ndim != 2 or a.shape[0] < 3:
            raise InputError(f"{name} must have shape (n_points >= 3, n_features); got {a.shape}")
        if not np.isfinite(a).all():
            raise InputError(f"{name} contains NaN or infinite values")
        out.append(a)
    if out[0].shape[0] != out[1].shape[0]:
        raise InputError(
            f"X and Y must hold the same probe inputs: {out[0].shape[0]} vs {out[1].shape[0]} rows"
        )
    return out[0], out[1]


def _check_options(quantile: float, homology_dim: int) -> None:
    if not 0 < float(quantile) <= 1:
        raise InputError(f"quantile must be in (0, 1], got {quantile}")
    check_int(homology_dim, "homology_dim", 0, integral_floats=True)


def _normalised(cloud: np.ndarray, metric: str, quantile: float, name: str) -> np.ndarray:
    dist = squareform(pdist(cloud, metric=metric))
    scale = float(np.quantile(dist, quantile))
    if not scale > 0:
        raise InputError(
            f"{name}: the {quantile} quantile of its distances is 0 (most points coincide); "
            "RTD is undefined"
        )
    return dist / scale


def _barcode(r1: np.ndarray, r2: np.ndarray, homology_dim: int, n_threads: int) -> np.ndarray:
    from gph import ripser_parallel

    n = r1.shape[0]
    block = np.zeros((2 * n, 2 * n))
    block[n:, :n] = r1
    block[:n, n:] = r1.T
    block[n:, n:] = np.minimum(r1, r2)
    block[block < 1e-6 * r1.mean()] = 0.0
    dgm = ripser_parallel(
        block, maxdim=int(homology_dim), metric="precomputed", n_threads=int(n_threads)
    )["dgms"][int(homology_dim)].astype(np.float64)
    keep = np.isfinite(dgm[:, 1]) & (dgm[:, 1] > dgm[:, 0])
    dgm = dgm[keep]
    return np.column_stack([dgm, np.full(len(dgm), float(homology_dim))])
