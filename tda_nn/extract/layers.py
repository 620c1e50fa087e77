"""Layer names: the default choice per model family, and validation of the names users ask for.

A layer is named by its module path as in ``model.named_modules()`` (``"encoder.0"``,
``"bert.encoder.layer.3"``); the reserved name ``"input"`` stands for the model's input itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from torch import nn

from tda_nn.errors import InputError

INPUT = "input"

#: Block containers of transformer-style models: ``encoder.layer.3`` (BERT), ``model.layers.3``
#: (Llama), ``h.3`` (GPT-2), ``blocks.3`` (timm ViT).
_BLOCK_PATTERN = re.compile(r"(?:^|\.)(?:layer|layers|h|blocks)\.\d+$")


def _classes(*names: str) -> tuple[type[nn.Module], ...]:
    """The ``torch.nn`` classes among ``names`` that this torch version has."""
    return tuple(getattr(nn, name) for name in names if hasattr(nn, name))


ACTIVATIONS = _classes(
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Tanh", "Sigmoid", "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Tanhshrink",
    "LogSigmoid", "Threshold", "GLU", "Hardshrink", "Softshrink",
)
CONVOLUTIONS = _classes(
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
)
POOLINGS = _classes(
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "LPPool1d", "LPPool2d",
)


def _is_leaf(module: nn.Module) -> bool:
    return next(module.children(), None) is None


def _outermost(names: list[str]) -> list[str]:
    """Drop every name that lies inside another name of the list (``a.b.0`` inside ``a``)."""
    return [n for n in names if not any(n.startswith(other + ".") for other in names if other != n)]


def default_layers(model: nn.Module) -> list[str]:
    """The layers :class:`~tda_nn.extract.ActivationExtractor` picks when ``layers=None``.

    Rules, tried in this order (module order is ``model.named_modules()`` order, which is
    execution order for ``nn.Sequential`` and registration order otherwise):

    1. Transformer blocks: non-leaf modules whose path ends in ``layer.N``, ``layers.N``, ``h.N``
       or ``blocks.N`` (outermost ones only), i.e. each encoder/decoder block's output.
    2. Activation modules (ReLU, Tanh, LeakyReLU, GELU, ...) plus the last leaf module (the
       head). In a model that contains convolutions, an activation directly followed by a pooling
       module is replaced by that pooling module, so each conv block is taken at its end.
    3. Every leaf module.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    names : list of str
        Module paths, in module order.
    """
    named = [(name, module) for name, module in model.named_modules() if name]
    if not named:
        raise InputError(
            f"model {type(model).__name__} has no submodules to read; pass layers=['input'] or wrap it"
        )
    blocks = [n for n, m in named if _BLOCK_PATTERN.search(n) and not _is_leaf(m)]
    if blocks:
        return _outermost(blocks)
    leaves = [(n, m) for n, m in named if _is_leaf(m)]
    has_conv = any(isinstance(m, CONVOLUTIONS) for _, m in leaves)
    picks: list[str] = []
    for i, (name, module) in enumerate(leaves):
        if not isinstance(module, ACTIVATIONS):
            continue
        following = leaves[i + 1][1] if i + 1 < len(leaves) else None
        if has_conv and isinstance(following, POOLINGS):
            name = leaves[i + 1][0]
        if name not in picks:
            picks.append(name)
    if picks:
        if leaves[-1][0] not in picks:
            picks.append(leaves[-1][0])
        return picks
    return [n for n, _ in leaves]


def _unknown_layer_message(name: str, model: nn.Module, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=5, cutoff=0.6)
    where = f"unknown layer {name!r} in {type(model).__name__}"
    if close:
        return f"{where}; did you mean: {', '.join(repr(c) for c in close)}?"
    shown = ", ".join(repr(c) for c in candidates[:8])
    more = f", ... ({len(candidates)} in all)" if len(candidates) > 8 else ""
    return f"{where}; known layers: {shown}{more}"


def resolve_layers(model: nn.Module, layers: str | Iterable[str] | None) -> list[str]:
    """Validate the requested layer names against ``model`` (or pick the defaults).

    Parameters
    ----------
    model : torch.nn.Module
    layers : str, iterable of str or None
        Module paths and/or ``"input"``; ``None`` picks :func:`default_layers`.

    Returns
    -------
    names : list of str
        The names, in the order given.

    Raises
    ------
    InputError
        For an empty list, a non-string or repeated name, or a name that is not a module path of
        ``model`` (the message lists close matches).
    """
    if layers is None:
        return default_layers(model)
    names = [layers] if isinstance(layers, str) else list(layers)
    if not names:
        raise InputError("layers is empty; pass at least one layer name or layers=None")
    known = [n for n, _ in model.named_modules() if n]
    known_set = set(known)
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise InputError(f"layers must be strings (module paths); got {name!r}")
        if name in seen:
            raise InputError(f"layer {name!r} is requested twice in layers")
        seen.add(name)
        if name != INPUT and name not in known_set:
            raise InputError(_unknown_layer_message(name, model, [INPUT, *known]))
    return names


def find_modules(model: nn.Module, names: list[str]) -> dict[str, nn.Module]:
    """Map each name except ``"input"`` to its module; an InputError if one has disappeared."""
    table = dict(model.named_modules())
    found = {}
    for name in names:
        if name == INPUT:
            continue
        if not name or name not in table:
            raise InputError(f"layer {name!r} no longer exists in {type(model).__name__}; fit again")
        found[name] = table[name]
    return found
