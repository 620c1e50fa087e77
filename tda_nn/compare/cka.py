"""Linear centred kernel alignment (CKA; Kornblith, Norouzi, Lee & Hinton, ICML 2019).

For two representations of the same ``n`` probe inputs, ``X`` (n, d1) and ``Y`` (n, d2), with
columns centred::

    CKA(X, Y) = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)
              = <K, L>_F / (||K||_F ||L||_F),   K = X X^T, L = Y Y^T

The feature-space form costs ``O(n d1 d2)``; a layer wider than ``n`` is first reduced to an
``n × n`` factor with the same Gram matrix, so no pair costs more than ``O(n³)``. CKA is in ``[0, 1]``, equals 1 for ``Y = X``, and is invariant
to orthogonal transforms, isotropic scaling and translations of either representation; it is
not a topological measure (the non-topological baseline of :mod:`tda_nn.compare`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tda_nn.errors import InputError

__all__ = ["linear_cka"]


@dataclass(frozen=True)
class CenteredRepresentation:
    """A centred representation reduced to a factor ``F`` with ``F F^T = X X^T``.

    ``F`` is the centred ``X`` itself when ``n_features <= n_points``, otherwise ``U S`` from
    its thin SVD (``n_points`` columns), so ``||Y^T X||_F = ||F_y^T F_x||_F`` costs at most
    ``O(n min(n, d1) min(n, d2))``. ``norm`` is ``||X^T X||_F = ||F^T F||_F``.
    """

    factor: np.ndarray
    norm: float


def center(X: object, name: str = "X") -> CenteredRepresentation:
    """Validate ``X`` (n, d), centre its columns and reduce it to a factor (see above)."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
        raise InputError(f"{name} must have shape (n_points >= 2, n_features >= 1); got {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite values")
    arr = arr - arr.mean(axis=0)
    if arr.shape[1] > arr.shape[0]:
        u, sv, _ = np.linalg.svd(arr, full_matrices=False)
        arr = u * sv
    return CenteredRepresentation(factor=arr, norm=float(np.linalg.norm(arr.T @ arr)))


def cka_from_centered(x: CenteredRepresentation, y: CenteredRepresentation) -> float:
    """Linear CKA of two centred representations with the same number of rows.

    Returns ``nan`` when either representation is constant (its self-similarity is 0).
    """
    return cka_many(x, [y])[0]


def cka_many(
    x: CenteredRepresentation, ys: list[CenteredRepresentation], max_bytes: int = 1 << 28
) -> list[float]:
    """Linear CKA of ``x`` against each of ``ys``, with a few large matrix products.

    The factors of ``ys`` are stacked side by side (at most ``max_bytes`` of products at a
    time), which is much faster than one small product per pair.
    """
    if not ys:
        return []
    out: list[float] = []
    batch: list[CenteredRepresentation] = []
    width = 0
    limit = max(1, max_bytes // (8 * max(1, x.factor.shape[1])))
    for y in [*ys, None]:
        if y is not None and (not batch or width + y.factor.shape[1] <= limit):
            batch.append(y)
            width += y.factor.shape[1]
            continue
        product = x.factor.T @ np.hstack([b.factor for b in batch])
        start = 0
        for b in batch:
            stop = start + b.factor.shape[1]
            cross = float(np.sum(product[:, start:stop] ** 2))
            start = stop
            if x.norm == 0.0 or b.norm == 0.0:
                out.append(float("nan"))
            else:
                out.append(min(1.0, max(0.0, cross / (x.norm * b.norm))))
        if y is not None:
            batch, width = [y], y.factor.shape[1]
    return out


def linear_cka(X: object, Y: object) -> float:
    """Linear CKA between two representations of the same probe inputs.

    Parameters
    ----------
    X : array-like, shape (n_points, n_features_x)
        First representation, one row per probe input.
    Y : array-like, shape (n_points, n_features_y)
        Row ``i`` of both is the same probe input; widths may differ.

    Returns
    -------
    float
        In ``[0, 1]``; 1 means the same representation up to rotation, isotropic scaling and
        translation. ``nan`` when ``X`` or ``Y`` is constant (a dead layer).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 8))
    >>> round(linear_cka(X, 3 * X + 1), 12)
    1.0
    """
    x = center(X, "X")
    y = center(Y, "Y")
    if x.factor.shape[0] != y.factor.shape[0]:
        raise InputError(
            f"X and Y must hold the same probe inputs: {x.factor.shape[0]} vs "
            f"{y.factor.shape[0]} rows"
        )
    return cka_from_centered(x, y)
