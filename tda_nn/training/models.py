"""Reference models: the fully connected nets of Naitzat et al. (JMLR 2020) and a small CNN.

Every model is an ``nn.Sequential`` whose modules have readable names, so layer paths are stable
and mean something (they are what ``ActivationExtractor(layers=...)`` and the run store use).

MLP of depth ``D`` (``D`` hidden layers of width ``W``; the paper's "N_by_W" net is ``depth=N-1``)::

    fc1 -> act1 -> fc2 -> act2 -> ... -> fcD -> actD -> out

The representation of hidden layer ``k`` is the output of its activation module ``"actk"``;
``"out"`` gives the logits. CNN (2-D for inputs ``(C, H, W)``, 1-D for inputs ``(C, L)``)::

    reshape -> conv1 -> act1 -> pool1 -> conv2 -> act2 -> pool2 -> ... -> flatten -> out

``reshape`` accepts flat inputs ``(n, C*H*W)`` as well as shaped ones, so the same probe arrays
work for MLPs and CNNs. :func:`default_layers` lists what is tracked by default: ``act1, ...,
out`` for an MLP, ``pool1, ..., out`` (the end of each conv block) for a CNN.
"""

from __future__ import annotations

import math
import numbers
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from tda_nn.errors import InputError

ACTIVATIONS = ("relu", "leaky_relu", "tanh")
MODEL_TYPES = ("mlp", "cnn")

_SPEC_KEYS = frozenset({
    "type", "in_features", "in_shape", "n_classes", "depth", "width", "channels", "kernel_size",
    "activation", "leaky_slope", "seed",
})


class Reshape(nn.Module):
    """Reshape ``(n, ...)`` to ``(n, *shape)``; flat and already-shaped inputs both work."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(int(s) for s in shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


def make_activation(activation: str = "relu", leaky_slope: float = 0.2) -> nn.Module:
    """Return a fresh activation module: ``"relu"``, ``"leaky_relu"`` (slope ``leaky_slope``) or ``"tanh"``."""
    if activation == "relu":
        return nn.ReLU()
    if activation == "leaky_relu":
        slope = float(leaky_slope)
        if not (math.isfinite(slope) and slope >= 0):
            raise InputError(f"leaky_slope must be a finite number >= 0, got {leaky_slope!r}")
        return nn.LeakyReLU(negative_slope=slope)
    if activation == "tanh":
        return nn.Tanh()
    raise InputError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")


def make_mlp(
    in_features: int,
    n_classes: int,
    depth: int,
    width: int,
    activation: str = "relu",
    leaky_slope: float = 0.2,
) -> nn.Sequential:
    """Fully connected net with ``depth`` hidden layers of ``width`` units.

    Parameters
    ----------
    in_features : int
        Input dimension ``d``; the model maps ``(n, d)`` to logits ``(n, n_classes)``.
    n_classes : int
        Number of output logits (2 for the paper's binary tasks).
    depth : int
        Number of hidden layers (each ``fck`` followed by ``actk``), at least 1.
    width : int
        Units per hidden layer.
    activation : {"relu", "leaky_relu", "tanh"}
        Nonlinearity of the hidden layers.
    leaky_slope : float
        Negative slope of leaky ReLU (the paper uses 0.2).

    Returns
    -------
    torch.nn.Sequential
        Modules ``fc1, act1, ..., fc{depth}, act{depth}, out``.
    """
    in_features = _positive_int(in_features, "in_features")
    n_classes = _positive_int(n_classes, "n_classes")
    depth = _positive_int(depth, "depth")
    width = _positive_int(width, "width")
    make_activation(activation, leaky_slope)  # validate before building
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    prev = in_features
    for k in range(1, depth + 1):
        modules[f"fc{k}"] = nn.Linear(prev, width)
        modules[f"act{k}"] = make_activation(activation, leaky_slope)
        prev = width
    modules["out"] = nn.Linear(prev, n_classes)
    return nn.Sequential(modules)


def make_cnn(
    in_shape: Sequence[int],
    n_classes: int,
    channels: Sequence[int] = (8, 16),
    activation: str = "relu",
    leaky_slope: float = 0.2,
    kernel_size: int = 3,
) -> nn.Sequential:
    """Small CNN: per block ``conv -> activation -> max-pool(2)``, then a linear read-out.

    Parameters
    ----------
    in_shape : sequence of int
        ``(C, H, W)`` for 2-D convolutions (digits: ``(1, 8, 8)``) or ``(C, L)`` for 1-D ones
        (MNIST-1D: ``(1, 40)``). Inputs may be given flat, ``(n, prod(in_shape))``.
    n_classes : int
        Width of the output layer.
    channels : sequence of int
        Output channels of each conv block; one block per entry. Each block halves the spatial
        size (floor), so it must stay >= 1.
    activation : {"relu", "leaky_relu", "tanh"}
        Nonlinearity of the network.
    leaky_slope : float
        Negative slope of ``"leaky_relu"``.
    kernel_size : int
        Odd kernel size; padding keeps the size before pooling.

    Returns
    -------
    torch.nn.Sequential
        Modules ``reshape, conv1, act1, pool1, ..., flatten, out``.
    """
    shape = _shape(in_shape)
    n_classes = _positive_int(n_classes, "n_classes")
    kernel_size = _positive_int(kernel_size, "kernel_size")
    if kernel_size % 2 == 0:
        raise InputError(f"kernel_size must be odd, got {kernel_size}")
    if isinstance(channels, int | str) or len(channels) == 0:
        raise InputError(f"channels must be a non-empty list of positive ints, got {channels!r}")
    chans = [_positive_int(c, "channels") for c in channels]
    make_activation(activation, leaky_slope)
    conv, pool = (nn.Conv2d, nn.MaxPool2d) if len(shape) == 3 else (nn.Conv1d, nn.MaxPool1d)
    spatial = list(shape[1:])
    modules: OrderedDict[str, nn.Module] = OrderedDict(reshape=Reshape(shape))
    prev = shape[0]
    for k, c in enumerate(chans, start=1):
        spatial = [s // 2 for s in spatial]
        if min(spatial) < 1:
            raise InputError(
                f"channels: {len(chans)} conv blocks halve in_shape {tuple(shape)} below size 1; "
                "use fewer blocks"
            )
        modules[f"conv{k}"] = conv(prev, c, kernel_size, padding=kernel_size // 2)
        modules[f"act{k}"] = make_activation(activation, leaky_slope)
        modules[f"pool{k}"] = pool(2)
        prev = c
    modules["flatten"] = nn.Flatten()
    modules["out"] = nn.Linear(prev * math.prod(spatial), n_classes)
    return nn.Sequential(modules)


def default_layers(model: nn.Module) -> list[str]:
    """Names of the layers whose topology is tracked by default.

    The same rule as ``ActivationExtractor(layers=None)``: every activation module plus the
    output module, except that in a model with convolutions an activation followed by pooling is
    read after the pooling (the end of the conv block). For the models of this module:

    - MLP of depth ``D``: ``["act1", ..., "actD", "out"]``;
    - CNN with ``B`` blocks: ``["pool1", ..., "poolB", "out"]``.

    Parameters
    ----------
    model : torch.nn.Module
        A model built by this module.

    Returns
    -------
    list of str
        Module paths, in forward order.
    """
    from tda_nn.extract.layers import default_layers as _extractor_default

    return _extractor_default(model)


def build_model(
    spec: Mapping[str, Any],
    *,
    in_features: int | None = None,
    in_shape: Sequence[int] | None = None,
    n_classes: int | None = None,
) -> nn.Sequential:
    """Build a reference model from a pipeline-spec dict.

    Parameters
    ----------
    spec : mapping
        ``{"type": "mlp", "depth": 4, "width": 25, "activation": "relu"}`` or
        ``{"type": "cnn", "in_shape": [1, 8, 8], "channels": [8, 16]}``. Keys: ``type``
        (``"mlp"`` default, or ``"cnn"``), ``in_features``, ``in_shape``, ``n_classes``,
        ``depth``, ``width``, ``channels``, ``kernel_size``, ``activation``, ``leaky_slope``,
        ``seed``. A ``None`` value means "not given". ``depth`` and ``width`` are ignored for a CNN
        (pipeline specs fill them in for every model); ``channels`` and ``kernel_size`` are an
        error for an MLP. With ``seed`` the weights are drawn from that seed without touching
        the global torch generator; without it, from the global generator.
    in_features, in_shape, n_classes : optional
        Taken from the data when the spec does not give them (an MLP uses ``prod(in_shape)`` if
        ``in_features`` is missing).

    Returns
    -------
    torch.nn.Sequential

    Raises
    ------
    InputError
        Unknown type, unknown or missing key, or a bad value; the message names the key.
    """
    if not isinstance(spec, Mapping):
        raise InputError(f"model spec must be a mapping, got {type(spec).__name__}")
    unknown = sorted(str(k) for k in spec if k not in _SPEC_KEYS)
    if unknown:
        raise InputError(
            f"model spec has unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_SPEC_KEYS))}"
        )
    given = {k: v for k, v in spec.items() if v is not None}
    kind = given.pop("type", "mlp")
    if kind not in MODEL_TYPES:
        raise InputError(f"model spec key 'type' must be one of {', '.join(MODEL_TYPES)}; got {kind!r}")
    seed = given.pop("seed", None)
    given.setdefault("n_classes", n_classes)
    if kind == "mlp":
        for key in ("channels", "kernel_size"):
            if key in given:
                raise InputError(f"model spec key {key!r} applies to type 'cnn', not 'mlp'")
        shape = given.pop("in_shape", in_shape)
        if in_features is None and shape is not None:
            in_features = math.prod(int(s) for s in shape)
        given.setdefault("in_features", in_features)
        required: tuple[str, ...] = ("in_features", "n_classes", "depth", "width")
        factory: Any = make_mlp
    else:
        given.pop("depth", None)
        given.pop("width", None)
        given.pop("in_features", None)
        given.setdefault("in_shape", in_shape)
        required = ("in_shape", "n_classes")
        factory = make_cnn
    for key in required:
        if given.get(key) is None:
            raise InputError(f"model spec is missing key {key!r} (type {kind!r})")
    if seed is None:
        return factory(**given)
    seed = _nonnegative_int(seed, "seed")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory(**given)


def _positive_int(value: Any, name: str) -> int:
    out = _as_int(value)
    if out is None or out < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return out


def _nonnegative_int(value: Any, name: str) -> int:
    out = _as_int(value)
    if out is None or out < 0:
        raise InputError(f"{name} must be a non-negative integer, got {value!r}")
    return out


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if not math.isfinite(float(value)) or int(value) != value:
        return None
    return int(value)


def _shape(in_shape: Any) -> list[int]:
    if isinstance(in_shape, int | str) or in_shape is None or len(in_shape) not in (2, 3):
        raise InputError(
            f"in_shape must be (C, L) for 1-D or (C, H, W) for 2-D convolutions, got {in_shape!r}"
        )
    return [_positive_int(s, "in_shape") for s in in_shape]
