"""Shared plumbing of the torch-based measures: inputs as tensors, layer tensors through hooks.

Used by :mod:`tda_nn.features.jacobian_rank` and :mod:`tda_nn.features.linear_regions`; each
measure calls the model as a plain function of its input, so ``torch.func`` transforms
(``jacrev``, ``jvp``, ``vmap``) see through the hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from tda_nn.errors import InputError
from tda_nn.extract.layers import find_modules, resolve_layers
from tda_nn.extract.outputs import first_tensor


def model_dtype(model: nn.Module) -> torch.dtype:
    """The floating dtype of the model's first parameter (float32 for a model without any)."""
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without any)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def as_points(X: Any, model: nn.Module, name: str = "X",
              dtype: torch.dtype | None = None) -> torch.Tensor:
    """``X`` as a finite tensor ``(n_points, *input_shape)`` on the model's device and dtype."""
    t = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X)
    if t.ndim < 2 or t.shape[0] == 0:
        raise InputError(f"{name}: expected a non-empty array (n_points, ...), got {tuple(t.shape)}")
    t = t.to(device=model_device(model), dtype=dtype or model_dtype(model))
    if not torch.isfinite(t).all():
        raise InputError(f"{name}: contains NaN or infinite values")
    return t


def layer_names(model: nn.Module, layers: str | Sequence[str] | None) -> list[str]:
    """Validated module paths (``"input"`` not allowed: these measures differentiate layers)."""
    names = resolve_layers(model, layers)
    if "input" in names:
        raise InputError("layers: 'input' has no Jacobian or activation pattern; leave it out")
    return names


@contextmanager
def capture(model: nn.Module, names: Sequence[str], *,
            inputs: bool = False) -> Iterator[dict[str, torch.Tensor]]:
    """Forward hooks that store each named module's output (or first input) while open.

    Yields
    ------
    dict name -> tensor of the last forward pass, shape ``(batch, ...)``.
    """
    store: dict[str, torch.Tensor] = {}
    handles = []
    for name, module in find_modules(model, list(names)).items():
        def hook(_m: nn.Module, args: tuple[Any, ...], out: Any, name: str = name) -> None:
            tensor = first_tensor(args) if inputs else first_tensor(out)
            if tensor is None:
                raise InputError(f"layer {name!r} produced no tensor")
            store[name] = tensor
        handles.append(module.register_forward_hook(hook))
    try:
        yield store
    finally:
        for h in handles:
            h.remove()


def layer_function(model: nn.Module, names: Sequence[str], *,
                   inputs: bool = False) -> Callable[[torch.Tensor], tuple[torch.Tensor, ...]]:
    """``f(x) -> tuple`` of the named layers' tensors, flattened per point, for a batch ``x``.

    Returns
    -------
    callable mapping ``(batch, *input_shape)`` to a tuple of ``(batch, n_units_l)`` tensors.
    """
    def f(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        with capture(model, names, inputs=inputs) as store:
            model(x)
        missing = [n for n in names if n not in store]
        if missing:
            raise InputError(f"layers {missing} were not called by the model's forward pass")
        return tuple(store[n].reshape(store[n].shape[0], -1) for n in names)
    return f
