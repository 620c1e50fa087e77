"""From a module's output to one 2-D float array: pick the tensor, pool or flatten, copy to numpy."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from tda_nn.errors import InputError

REDUCTIONS = ("flatten", "mean", "max")


def _children(obj: Any) -> list[Any] | None:
    """The parts of a container output, in order (None values dropped); None for a non-container."""
    if isinstance(obj, (tuple, list)):
        return [v for v in obj if v is not None]
    if isinstance(obj, Mapping):
        return [v for v in obj.values() if v is not None]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        values = (getattr(obj, f.name) for f in dataclasses.fields(obj))
        return [v for v in values if v is not None]
    return None


def first_tensor(obj: Any) -> torch.Tensor | None:
    """The first tensor in ``obj``, searching tuples, lists, mappings and dataclasses depth-first."""
    if isinstance(obj, torch.Tensor):
        return obj
    parts = _children(obj)
    for part in parts or ():
        found = first_tensor(part)
        if found is not None:
            return found
    return None


def _index(obj: Any, index: int | str, where: str) -> Any:
    """``obj[index]`` for a container output, with one-line errors."""
    if isinstance(index, str):
        if isinstance(obj, Mapping):
            if index not in obj:
                keys = ", ".join(repr(k) for k in obj.keys())
                raise InputError(f"{where}: output_index {index!r} is not a key of its output (keys: {keys})")
            return obj[index]
        if hasattr(obj, index) and not isinstance(obj, torch.Tensor):
            return getattr(obj, index)
        raise InputError(
            f"{where}: output_index {index!r} is a key but its output is a {type(obj).__name__}"
        )
    if isinstance(obj, (tuple, list)):
        parts: list[Any] = list(obj)
    else:
        parts = _children(obj) or []
    if not -len(parts) <= index < len(parts):
        raise InputError(
            f"{where}: output_index {index} is out of range for an output with {len(parts)} parts"
        )
    return parts[index]


def select_output(obj: Any, index: int | str | None, where: str) -> torch.Tensor:
    """The tensor to read from a module's output.

    Parameters
    ----------
    obj : tensor, tuple, list, mapping or dataclass (e.g. transformers' ``ModelOutput``)
        What the module returned.
    index : int, str or None
        ``None``: the first tensor (depth-first). An int indexes a tuple/list (or the non-None
        values of a mapping/dataclass); a str is a key or attribute. A plain tensor output is
        returned as it is whatever ``index`` says.
    where : str
        Names the layer in error messages.

    Returns
    -------
    tensor : torch.Tensor
    """
    if isinstance(obj, torch.Tensor):
        return obj
    picked = obj if index is None else _index(obj, index, where)
    found = first_tensor(picked)
    if found is None:
        raise InputError(f"{where}: its output holds no tensor (got {type(picked).__name__})")
    return found


def reduce_tensor(
    tensor: torch.Tensor,
    reduce: str,
    channel_axis: int,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Make a ``(batch, ...)`` tensor 2-D: flatten it, or pool over all axes but batch and channel.

    Parameters
    ----------
    tensor : torch.Tensor, shape (n, ...)
    reduce : {"flatten", "mean", "max"}
        Applied only when ``tensor.ndim > 2``.
    channel_axis : int
        The axis kept by "mean"/"max" (1 for ``(n, C, H, W)`` maps, -1 for ``(n, seq, hidden)``).
    mask : torch.Tensor of shape (n, seq), optional
        Attention mask. When given, the channel axis is not axis 1 and ``tensor.shape[:2] ==
        mask.shape``, "mean" and "max" pool only over positions where ``mask != 0``; a sample
        whose mask is all zero gets zeros.

    Returns
    -------
    out : torch.Tensor, shape (n, n_features)
    """
    if tensor.ndim == 0:
        raise InputError("a layer returned a 0-d tensor; it has no batch axis")
    if tensor.ndim == 1:
        return tensor.reshape(-1, 1)
    if tensor.ndim == 2:
        return tensor
    n = tensor.shape[0]
    if reduce == "flatten":
        return tensor.reshape(n, -1)
    if not tensor.is_floating_point():
        tensor = tensor.float()
    channel = channel_axis % tensor.ndim
    if channel == 0:
        raise InputError("channel_axis must not be the batch axis 0")
    axes = tuple(a for a in range(1, tensor.ndim) if a != channel)
    use_mask = (
        mask is not None and channel != 1 and mask.ndim == 2 and tuple(mask.shape) == tuple(tensor.shape[:2])
    )
    if not use_mask:
        return tensor.mean(dim=axes) if reduce == "mean" else tensor.amax(dim=axes)
    weights = (mask != 0).reshape(n, tensor.shape[1], *([1] * (tensor.ndim - 2)))
    counts = weights.expand(*tensor.shape[:channel], 1, *tensor.shape[channel + 1 :]).sum(dim=axes)
    if reduce == "mean":
        pooled = (tensor * weights.to(tensor.dtype)).sum(dim=axes) / counts.clamp_min(1).to(tensor.dtype)
        return pooled
    filled = tensor.masked_fill(~weights, float("-inf")).amax(dim=axes)
    return torch.where(counts > 0, filled, torch.zeros_like(filled))


def to_numpy(tensor: torch.Tensor, dtype: np.dtype) -> np.ndarray:
    """Detach, copy to CPU and convert to a numpy array of ``dtype`` (a float dtype)."""
    wide = torch.float64 if np.dtype(dtype).itemsize > 4 else torch.float32
    return tensor.detach().to(dtype=wide).cpu().numpy().astype(dtype, copy=False)
