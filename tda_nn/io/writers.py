"""``save_activations``: write named layers (and labels) in any supported format, atomically."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.errors import InputError
from tda_nn.io._common import (
    LABELS_KEY,
    as_labels,
    check_layer_meta,
    check_same_n_samples,
    to_numpy,
)


def __getattr__(name: str) -> Any:
    """``WRITE_SUFFIXES``: the suffixes of the registered formats that can be written."""
    if name == "WRITE_SUFFIXES":
        from tda_nn.io.formats import write_suffixes

        return tuple(write_suffixes())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def save_activations(
    path: str | os.PathLike[str],
    layers: Mapping[str, Any],
    labels: Any = None,
    *,
    compress: bool = False,
) -> None:
    """Save activations so that :func:`load_activations` reads them back unchanged.

    Parameters
    ----------
    path : path-like
        The format follows the suffix: ``.npz`` (default choice), ``.safetensors``,
        ``.h5``/``.hdf5``, ``.pt``/``.pth``, ``.zarr`` (needs ``zarr``), or that of a registered
        format with a writer (:mod:`tda_nn.io.formats`); a path without suffix (or an existing
        directory) becomes a directory of ``.npy`` files with a ``layers.json`` ordering file.
    layers : mapping of str to array-like
        ``name -> (n_samples, ...)`` arrays (NumPy, torch tensors), written in mapping order.
        An :class:`ActivationSet` is streamed layer by layer, and its labels are used when
        ``labels`` is not given.
    labels : array-like of shape (n_samples,), optional
        Numbers or text.
    compress : bool, default False
        Compress ``.npz`` members / HDF5 datasets. Uncompressed data can be memory-mapped.

    Raises
    ------
    InputError
        Non-numeric, empty or 0-d arrays, different numbers of samples, a layer called
        ``labels``, labels of the wrong length, or an unknown suffix. Nothing is written then.
    """
    from tda_nn.io.activation_set import ActivationSet

    path = Path(path)
    kind = _kind(path)
    where = str(path)
    if not isinstance(layers, Mapping) or not layers:
        raise InputError(f"{where}: layers must be a non-empty mapping of name -> array")
    if LABELS_KEY in layers:
        raise InputError(f"{where}: a layer may not be called {LABELS_KEY!r} (pass labels=)")
    if isinstance(layers, ActivationSet):
        arrays: Mapping[str, Any] = layers
        n_samples = layers.n_samples
        if labels is None:
            labels = layers.labels
    else:
        arrays, shapes = {}, {}
        for name, value in layers.items():
            if not isinstance(name, str) or not name:
                raise InputError(f"{where}: layer names must be non-empty strings, got {name!r}")
            array = to_numpy(value)
            shapes[name] = check_layer_meta(where, name, array.shape, array.dtype, InputError)
            arrays[name] = array
        n_samples = check_same_n_samples(where, shapes, InputError)
    if labels is not None:
        labels = as_labels(labels, "labels")
        if labels.shape[0] != n_samples:
            raise InputError(f"labels: {labels.shape[0]} labels but {where} has {n_samples} samples")
    _write(kind, path, arrays, labels, compress)


def _kind(path: Path) -> str:
    """The name of the registered format that writes ``path``."""
    from tda_nn.io.formats import write_suffixes

    suffix = path.suffix.lower()
    writable = write_suffixes()
    if suffix == ".zarr":
        return writable[suffix]
    if path.is_dir() or not suffix:
        return "npy-dir"
    if suffix not in writable:
        raise InputError(
            f"{path}: unknown activation file type {suffix!r}; use {', '.join(writable)} "
            "or a directory (no suffix)"
        )
    return writable[suffix]


def _write(
    kind: str, path: Path, arrays: Mapping[str, Any], labels: np.ndarray | None, compress: bool
) -> None:
    from tda_nn.io.formats import get_format

    get_format(kind).write(path, arrays, labels, compress)
