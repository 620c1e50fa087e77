"""tda-nn: measure the shape of what neural networks compute.

Heavy dependencies (torch, giotto-ph, ...) are imported lazily: ``import tda_nn`` is cheap, and
``from tda_nn import ActivationExtractor`` imports torch only then.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

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

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
__all__ = [*__all__, "__version__"]
