"""Local dimension of each layer's map: the rank of its Jacobian with respect to the input.

At an input point ``x`` the layer's map ``f_l`` has Jacobian ``J_l(x) = d f_l / d x`` of shape
``(n_units_l, n_inputs)``; its numerical rank -- the number of singular values above ``rtol``
times the largest -- is the dimension of the image of a small neighbourhood of ``x``, a local
dimension that needs no neighbours and no scale. Averaged over points it is a competing measure
of how a net compresses its input layer by layer (for a ReLU net it also counts the active
directions). Jacobians come from ``torch.func.vmap(torch.func.jacrev(...))``, chunked over points.

A point where every singular value is 0 (e.g. all units of a ReLU layer off) has rank 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from tda_nn.errors import InputError
from tda_nn.features._torch_layers import as_points, layer_function, layer_names

__all__ = ["DEFAULT_RTOL", "jacobian_ranks", "jacobian_singular_values", "local_dimension",
           "rank_from_singular_values"]

#: singular values at most this share of the largest do not count
DEFAULT_RTOL = 1e-3


def jacobian_singular_values(model: nn.Module, X: Any, layers: str | Sequence[str] | None = None,
                             *, batch_size: int = 256) -> dict[str, np.ndarray]:
    """Singular values of ``d layer / d input`` at every point, per layer.

    Parameters
    ----------
    model : torch.nn.Module
        Called on batches ``(batch, *input_shape)``; evaluated as it is (call ``model.eval()``
        first for dropout or batch norm).
    X : array-like (n_points, *input_shape)
    layers : module paths (see :func:`tda_nn.extract.layers.resolve_layers`); ``None``: the
        extractor's default layers
    batch_size : points per vectorised chunk

    Returns
    -------
    dict layer -> (n_points, min(n_units_l, n_inputs)) float64 array, descending per row.
    """
    names = layer_names(model, layers)
    if int(batch_size) < 1:
        raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
    x = as_points(X, model)

    f = layer_function(model, names)

    def one(point: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(t[0] for t in f(point.unsqueeze(0)))

    jac = torch.func.vmap(torch.func.jacrev(one))
    out: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for start in range(0, x.shape[0], int(batch_size)):
        chunk = x[start:start + int(batch_size)]
        for name, j in zip(names, jac(chunk), strict=True):
            j = j.detach().reshape(chunk.shape[0], j.shape[1], -1).to(torch.float64)
            out[name].append(torch.linalg.svdvals(j).cpu().numpy())
    return {n: np.concatenate(v, axis=0) for n, v in out.items()}


def rank_from_singular_values(singular_values: np.ndarray, rtol: float = DEFAULT_RTOL) -> np.ndarray:
    """Number of singular values above ``rtol`` times the largest, per row.

    Parameters
    ----------
    singular_values : (n_points, k) non-negative array
    rtol : relative tolerance in ``[0, 1)``

    Returns
    -------
    (n_points,) int array (0 where every singular value is 0).
    """
    if not (0 <= float(rtol) < 1):
        raise InputError(f"rtol must be in [0, 1), got {rtol!r}")
    s = np.asarray(singular_values, dtype=np.float64)
    if s.ndim != 2:
        raise InputError(f"singular_values: expected (n_points, k), got shape {s.shape}")
    top = s.max(axis=1, keepdims=True, initial=0.0)
    return np.count_nonzero((s > rtol * top) & (s > 0), axis=1)


def jacobian_ranks(model: nn.Module, X: Any, layers: str | Sequence[str] | None = None, *,
                   rtol: float = DEFAULT_RTOL, batch_size: int = 256) -> dict[str, np.ndarray]:
    """Numerical rank of ``d layer / d input`` at every point, per layer.

    Parameters
    ----------
    model, X, layers, batch_size
        As in :func:`jacobian_singular_values`.
    rtol : float
        Singular values at most ``rtol`` times the largest do not count (in ``[0, 1)``).

    Returns
    -------
    dict layer -> (n_points,) int array (the count of :func:`rank_from_singular_values`).
    """
    values = jacobian_singular_values(model, X, layers, batch_size=batch_size)
    return {n: rank_from_singular_values(s, rtol) for n, s in values.items()}


def local_dimension(model: nn.Module, X: Any, layers: str | Sequence[str] | None = None,
                    **options: Any) -> dict[str, float]:
    """Mean over the points of :func:`jacobian_ranks`: one local dimension per layer.

    Parameters
    ----------
    model, X, layers
        As in :func:`jacobian_singular_values`.
    **options
        ``rtol`` and ``batch_size`` of :func:`jacobian_ranks`.

    Returns
    -------
    dict layer -> float, in layer order.
    """
    return {n: float(r.mean()) for n, r in jacobian_ranks(model, X, layers, **options).items()}
