"""tda-nn: measure the shape of what neural networks compute.

Heavy dependencies (torch, giotto-ph, ...) are imported lazily: ``import tda_nn`` is cheap, and
``from tda_nn import ActivationExtractor`` imports torch only then.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "ActivationExtractor": "tda_nn.extract",
    "ActivationSet": "tda_nn.io",
    "RunStore": "tda_nn.io",
    "load_activations": "tda_nn.io",
    "save_activations": "tda_nn.io",
    "VietorisRipsPersistence": "tda_nn.homology",
    "TdaNnError": "tda_nn.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tda_nn' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
