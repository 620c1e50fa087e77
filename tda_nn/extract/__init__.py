"""Activations of named layers of torch models, as point clouds.

``ActivationExtractor`` and ``extract_activations`` are loaded on first access, so importing this
package does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ActivationExtractor", "extract_activations"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("tda_nn.extract.extractor"), name)
    raise AttributeError(f"module 'tda_nn.extract' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
