"""Linear regions of a ReLU net crossed along input paths (Hanin & Rolnick, ICML 2019).

A ReLU (or leaky-ReLU) net is affine on each region of input space where its activation pattern
-- which units are on -- is constant. Along the straight segment from ``a`` to ``b`` the pattern
changes a finite number of times; per layer ``l`` we count the changes of the pattern of all
units *up to* layer ``l`` (so the counts never decrease with depth), and ``regions = changes + 1``.
A unit is on where the input of its activation module (its pre-activation) is ``> 0``.

Two methods:

- ``"exact"``: walk each segment from breakpoint to breakpoint. Inside a region every
  pre-activation is affine in the segment parameter ``t``, so ``z(t) = z(t0) + (t - t0) z'(t0)``
  (``z'`` from one forward pass with the pattern frozen, see :func:`_region_affine`); the next
  breakpoint is the smallest ``t > t0`` where some ``z`` reaches 0, and the walk steps
  :data:`T_STEP` past it. The walk follows every ReLU and leaky-ReLU unit of the net, whichever
  layers are counted. Exact for nets whose every activation is piecewise linear and that have no
  max-pooling (checked), up to breakpoints closer than :data:`T_STEP` (in ``t``), which count
  once. Computed in float64 on a copy of the model.
- ``"sample"``: the pattern at points ``step`` apart (input-space distance) along each segment;
  any net, but regions narrower than ``step`` are missed (a lower bound that converges to the
  exact count as ``step`` shrinks), and a sample that lands exactly on a boundary (pre-activation
  exactly 0) can count one crossing twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from tda_nn.errors import InputError
from tda_nn.extract.layers import find_modules
from tda_nn.features._torch_layers import as_points, layer_function, layer_names

__all__ = ["METHODS", "T_STEP", "activation_patterns", "pattern_changes", "region_counts",
           "segment_pairs"]

METHODS = ("exact", "sample")
#: piecewise-linear activations whose pre-activation sign is the pattern
PIECEWISE_LINEAR = (nn.ReLU, nn.LeakyReLU)
#: how far (in segment parameter t in [0, 1]) the exact walk steps past a breakpoint
T_STEP = 1e-9


def _pattern_layers(model: nn.Module, layers: str | Sequence[str] | None) -> list[str]:
    if layers is None:
        names = [n for n, m in model.named_modules() if n and isinstance(m, PIECEWISE_LINEAR)]
        if not names:
            raise InputError(f"{type(model).__name__} has no ReLU or LeakyReLU module")
        return names
    return layer_names(model, layers)


def activation_patterns(model: nn.Module, X: Any,
                        layers: str | Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Which units are on (pre-activation ``> 0``) at every point, per activation layer.

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like (n_points, *input_shape)
    layers : activation modules (their *input* is read); ``None``: every ReLU and LeakyReLU
        module, in module order

    Returns
    -------
    dict layer -> (n_points, n_units_l) bool array.
    """
    names = _pattern_layers(model, layers)
    with torch.no_grad():
        z = layer_function(model, names, inputs=True)(as_points(X, model))
    return {n: (t > 0).cpu().numpy() for n, t in zip(names, z, strict=True)}


def _cumulative_changes(changed: np.ndarray) -> np.ndarray:
    """(..., n_layers) bool "layer l changed" -> "some layer <= l changed"."""
    return np.logical_or.accumulate(changed, axis=-1)


def pattern_changes(patterns: dict[str, np.ndarray]) -> np.ndarray:
    """Changes between consecutive rows of a sequence of patterns, per layer (cumulative).

    Parameters
    ----------
    patterns : layer -> (n_points, n_units_l) bool, rows in path order

    Returns
    -------
    (n_points - 1, n_layers) bool: whether the pattern of the units up to each layer differs
    between row ``i`` and row ``i + 1``.
    """
    changed = np.stack([(p[1:] != p[:-1]).any(axis=1) for p in patterns.values()], axis=-1)
    return _cumulative_changes(changed)


def segment_pairs(X: Any, n_segments: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random pairs of distinct points of ``X`` as segment ends.

    Parameters
    ----------
    X : array-like (n_points, *input_shape)
        At least 2 points.
    n_segments : int
        How many pairs to draw (with replacement across pairs).
    seed : int
        Seed of the draw.

    Returns
    -------
    starts, ends : two (n_segments, *input_shape) arrays.
    """
    A = np.asarray(X)
    if A.shape[0] < 2:
        raise InputError("segment_pairs needs at least 2 points")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, A.shape[0], size=int(n_segments))
    j = (i + rng.integers(1, A.shape[0], size=int(n_segments))) % A.shape[0]
    return A[i], A[j]


def region_counts(model: nn.Module, starts: Any, ends: Any,
                  layers: str | Sequence[str] | None = None, *, method: str = "exact",
                  step: float | None = None, max_breakpoints: int = 100_000) -> dict[str, np.ndarray]:
    """Pattern changes along each segment ``starts[i] -> ends[i]``, per layer (cumulative).

    Parameters
    ----------
    model : torch.nn.Module
    starts, ends : array-like (n_segments, *input_shape)
    layers : activation modules (see :func:`activation_patterns`)
    method : ``"exact"`` (breakpoint walk) or ``"sample"`` (points ``step`` apart)
    step : input-space spacing of the samples (``method="sample"`` only; required)
    max_breakpoints : the exact walk stops with an error after this many steps

    Returns
    -------
    dict layer -> (n_segments,) int array of pattern changes (regions crossed = changes + 1).
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    names = _pattern_layers(model, layers)
    a, b = as_points(starts, model, "starts"), as_points(ends, model, "ends")
    if a.shape != b.shape:
        raise InputError(f"starts and ends differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    if method == "sample":
        if step is None or not np.isfinite(step) or step <= 0:
            raise InputError(f"method='sample' needs a positive step, got {step!r}")
        counts = _sampled(model, names, a, b, float(step))
    else:
        if step is not None:
            raise InputError("step is for method='sample' only")
        counts = _walk(model, names, a, b, int(max_breakpoints))
    return {n: counts[:, k] for k, n in enumerate(names)}


def _sampled(model: nn.Module, names: list[str], a: torch.Tensor, b: torch.Tensor,
             step: float) -> np.ndarray:
    f = layer_function(model, names, inputs=True)
    lengths = torch.linalg.vector_norm((b - a).reshape(a.shape[0], -1), dim=1).cpu().numpy()
    counts = np.zeros((a.shape[0], len(names)), dtype=np.int64)
    with torch.no_grad():
        for i in range(a.shape[0]):
            t = torch.linspace(0, 1, max(2, int(np.ceil(lengths[i] / step)) + 1),
                               dtype=a.dtype, device=a.device)
            shape = (-1,) + (1,) * (a.ndim - 1)
            points = a[i] + t.reshape(shape) * (b[i] - a[i])
            patterns = {n: (z > 0).cpu().numpy() for n, z in zip(names, f(points), strict=True)}
            counts[i] = pattern_changes(patterns).sum(axis=0)
    return counts


def _check_piecewise_linear(model: nn.Module) -> None:
    from tda_nn.extract.layers import ACTIVATIONS, POOLINGS

    bad = sorted({type(m).__name__ for m in model.modules()
                  if (isinstance(m, ACTIVATIONS) and not isinstance(m, PIECEWISE_LINEAR))
                  or (isinstance(m, POOLINGS) and "Avg" not in type(m).__name__)})
    if bad:
        raise InputError(f"method='exact' needs a piecewise-linear net; this one has {bad} "
                         "(use method='sample')")


def _region_affine(net: nn.Module, tracked: list[str]) -> Callable[
        [torch.Tensor, torch.Tensor], tuple[list[torch.Tensor], list[torch.Tensor]]]:
    """``g(x, d) -> (z, dz)``: the pre-activations of the tracked modules at ``x`` and their
    derivative along ``d``, exact inside the region of ``x``.

    One forward pass of the stacked batch ``[x; x + d]`` in which every tracked activation
    applies the slopes of the pattern at ``x`` to both halves: the net with that pattern frozen
    is affine, so its pre-activations at ``x + d`` minus those at ``x`` are the derivative.
    """
    modules = find_modules(net, tracked)

    def g(x: torch.Tensor, d: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        half = x.shape[0]
        store: dict[str, torch.Tensor] = {}
        handles = []
        for name, module in modules.items():
            slope = float(getattr(module, "negative_slope", 0.0))

            def hook(_m: nn.Module, args: tuple[Any, ...], _out: Any, name: str = name,
                     slope: float = slope) -> torch.Tensor:
                pre = args[0]
                store[name] = pre
                gain = torch.where(pre[:half] > 0, 1.0, slope).to(pre.dtype)
                return pre * torch.cat([gain, gain])
            handles.append(module.register_forward_hook(hook))
        try:
            with torch.no_grad():
                net(torch.cat([x, x + d]))
        finally:
            for h in handles:
                h.remove()
        z = [store[n][:half].reshape(half, -1) for n in tracked]
        dz = [store[n][half:].reshape(half, -1) - zl for n, zl in zip(tracked, z, strict=True)]
        return z, dz
    return g


def _walk(model: nn.Module, names: list[str], a: torch.Tensor, b: torch.Tensor,
          max_breakpoints: int) -> np.ndarray:
    """The breakpoint walk; it follows every ReLU/LeakyReLU unit of the net (an untracked kink
    would bend the pre-activations it extrapolates) and counts the requested layers."""
    _check_piecewise_linear(model)
    tracked = _pattern_layers(model, None)
    outside = [n for n in names if n not in tracked]
    if outside:
        raise InputError(f"method='exact' counts ReLU/LeakyReLU modules only; not {outside}")
    net = copy.deepcopy(model).to(torch.float64)
    for module in net.modules():
        if isinstance(module, PIECEWISE_LINEAR):
            module.inplace = False          # the hooks read the pre-activation
    g = _region_affine(net, tracked)
    counted = [tracked.index(n) for n in names]
    a, b = a.to(torch.float64), b.to(torch.float64)
    d = b - a
    shape = (-1,) + (1,) * (a.ndim - 1)
    n = a.shape[0]
    counts = np.zeros((n, len(names)), dtype=np.int64)
    t = torch.zeros(n, dtype=torch.float64, device=a.device)
    active = torch.ones(n, dtype=torch.bool, device=a.device)
    previous: list[torch.Tensor] | None = None
    for _ in range(max_breakpoints + 1):
        idx = torch.nonzero(active).flatten()
        x = a[idx] + t[idx].reshape(shape) * d[idx]
        z, dz = g(x, d[idx])
        on = [z[k] > 0 for k in counted]
        if previous is not None:
            changed = np.stack([(p[idx] != o).any(dim=1).cpu().numpy()
                                for p, o in zip(previous, on, strict=True)], axis=-1)
            counts[idx.cpu().numpy()] += _cumulative_changes(changed)
        else:
            previous = [o.clone() for o in on]
        for p, o in zip(previous, on, strict=True):
            p[idx] = o
        zz, dd = torch.cat(z, dim=1), torch.cat(dz, dim=1)
        with torch.no_grad():
            hit = t[idx, None] - zz / torch.where(dd == 0, torch.ones_like(dd), dd)
            hit = torch.where((dd != 0) & (hit > t[idx, None]), hit, torch.full_like(hit, np.inf))
            nxt = hit.min(dim=1).values
        done = nxt >= 1
        t[idx] = torch.where(done, t[idx], torch.clamp(nxt + T_STEP, max=1.0))
        active[idx[done]] = False
        if not active.any():
            return counts
    raise InputError(f"exact walk: more than {max_breakpoints} breakpoints on a segment")
