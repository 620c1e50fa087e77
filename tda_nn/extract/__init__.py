"""Activations of named layers of torch models, as point clouds.

``ActivationExtractor`` and ``extract_activations`` are loaded on first access, so importing this
package does not import torch.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "ActivationExtractor": "tda_nn.extract.extractor",
    "extract_activations": "tda_nn.extract.extractor",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
