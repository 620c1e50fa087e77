"""Reading saved activations and the project's own run store.

- :class:`ActivationSet`: ordered, lazy mapping ``layer name -> (n_samples, n_features)`` array,
  with optional labels, built in memory or by :func:`load_activations`.
- :func:`load_activations`: ``.npz``, a directory of ``.npy`` files, ``.pt``/``.pth``,
  ``.safetensors``, HDF5, or a :class:`RunStore`; truncated or corrupt files give one-line
  :class:`~tda_nn.errors.StoreError` messages naming the file.
- :func:`save_activations`: the same formats, written atomically.
- :class:`RunStore`: many training steps x layers on disk, manifest, atomic writes, memory-mapped
  reads (layout in :mod:`tda_nn.io.store`).

- :func:`register_format`: a new saved-activation format, read everywhere activations are read
  (:mod:`tda_nn.io.formats`).

Heavy libraries (torch, h5py, safetensors) are imported only when their format is used.
"""

from __future__ import annotations

from tda_nn.io._common import LayerNotFoundError
from tda_nn.io.activation_set import ActivationSet
from tda_nn.io.formats import register_format
from tda_nn.io.labels import read_labels
from tda_nn.io.readers import detect_format, load_activations
from tda_nn.io.store import RunStore
from tda_nn.io.writers import save_activations

__all__ = [
    "ActivationSet",
    "LayerNotFoundError",
    "RunStore",
    "detect_format",
    "load_activations",
    "read_labels",
    "register_format",
    "save_activations",
]
