"""Data sets: synthetic manifolds with known Betti numbers and offline real data.

Names are imported lazily so that ``import tda_nn.datasets`` stays cheap. The shapes registry
(``SHAPES``, ``embed`` and the shape generators) lives in :mod:`tda_nn.datasets.shapes`; any
public name of that module is reachable from here too.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# public name -> module that defines it
_EXPORTS = {
    "d1": "tda_nn.datasets.naitzat",
    "d2": "tda_nn.datasets.naitzat",
    "d3": "tda_nn.datasets.naitzat",
    "fibonacci_sphere": "tda_nn.datasets.naitzat",
    "NAITZAT_DATASETS": "tda_nn.datasets.naitzat",
    "DATASETS": "tda_nn.datasets.real",
    "Dataset": "tda_nn.datasets.real",
    "TrainTestSplit": "tda_nn.datasets.real",
    "available_datasets": "tda_nn.datasets.real",
    "digits": "tda_nn.datasets.real",
    "load_dataset": "tda_nn.datasets.real",
    "mnist1d": "tda_nn.datasets.real",
    "SHAPES": "tda_nn.datasets.shapes",
    "embed": "tda_nn.datasets.shapes",
}
_SHAPES_MODULE = "tda_nn.datasets.shapes"


def _shapes_names() -> list[str]:
    """Public names of the shapes module, if it exists (imports it)."""
    if importlib.util.find_spec(_SHAPES_MODULE) is None:
        return []
    module = importlib.import_module(_SHAPES_MODULE)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return list(names)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if name.startswith("_") or name not in _shapes_names():
            raise AttributeError(f"module 'tda_nn.datasets' has no attribute {name!r}")
        module = _SHAPES_MODULE
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


# names whose module is missing (written by another part of the project) stay out of ``import *``
__all__ = sorted(
    name for name, module in _EXPORTS.items() if importlib.util.find_spec(module) is not None
)


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
