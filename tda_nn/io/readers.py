"""``load_activations``: one entry point for every saved-activation format."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import MEMORY

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet


def __getattr__(name: str) -> Any:
    """``SUFFIXES`` (suffix -> format) and ``SUPPORTED`` (the message), read from the registry."""
    from tda_nn.io import formats

    if name == "SUFFIXES":
        return formats.suffixes()
    if name == "SUPPORTED":
        return formats.supported()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of ``path``: ``store``, ``store-step`` or a registered format's name
    (:mod:`tda_nn.io.formats`: ``npz``, ``npy``, ``npy-dir``, ``torch``, ``zarr``, ...).

    Parameters
    ----------
    path : str or PathLike
        A file or directory of saved activations, or a run store.

    Raises
    ------
    StoreError
        ``path`` does not exist, or is a directory holding no activations.
    InputError
        Unknown file suffix; a FIFO, socket or device; a folder with a link leading out of it.
    """
    from tda_nn.io import formats
    from tda_nn.io.paths import check_tree_inside, regular_file
    from tda_nn.io.store import RunStore

    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such file or directory")
    if path.is_dir():
        if RunStore.is_store(path):
            return "store"
        if path.name.startswith("step_") and RunStore.is_store(path.parent):
            return "store-step"
        for fmt in formats.directory_formats():
            if fmt.is_dir(path):
                check_tree_inside(path, fmt.name)
                return fmt.name
        inner = sorted(p.name for p in path.iterdir() if RunStore.is_store(p))
        hint = f"; run stores inside: {', '.join(inner)}" if inner else ""
        raise StoreError(
            f"{path}: directory holds neither a run store (manifest.json) nor "
            f"{' nor '.join(f.description for f in formats.directory_formats())}{hint}"
        )
    regular_file(path, "activations file")
    kind = formats.suffixes().get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: unknown activation file type; supported: {formats.supported()}")
    return kind


def load_activations(
    path: str | os.PathLike[str] | Mapping[str, Any],
    *,
    layers: str | Iterable[str] | None = None,
    labels: Any = None,
    step: int | None = None,
) -> ActivationSet:
    """Load saved activations as an :class:`~tda_nn.io.ActivationSet` (lazily).

    Parameters
    ----------
    path : path-like or mapping
        A ``.npz`` (one array per layer, optional ``labels``), a directory of ``.npy`` files
        (optional ``labels.npy``), a single ``.npy`` (one layer named after the file), ``.pt`` /
        ``.pth`` (dict name -> tensor/array), ``.safetensors``, ``.h5`` / ``.hdf5`` (datasets at
        any depth, named by their HDF5 path), a zarr group (arrays at any depth), or a
        :class:`~tda_nn.io.RunStore` directory (or one of its ``step_*`` directories). An
        :class:`ActivationSet` or an in-memory mapping ``name -> array`` is accepted too.
    layers : str or iterable of str, optional
        Layers to keep, in the order given. Default: all, in stored order. Only the chosen
        layers are checked, so a file with unrelated non-numeric entries can still be read.
    labels : array-like or path-like, optional
        Labels replacing those stored with the activations: an array, or a ``.npy`` / ``.npz``
        / ``.txt`` / ``.csv`` file (see :func:`~tda_nn.io.labels.read_labels`).
    step : int, optional
        For a run store: the step to read. Default: its last complete step.

    Returns
    -------
    ActivationSet

    Raises
    ------
    StoreError
        Missing, truncated or corrupt file; layers with different numbers of samples;
        non-numeric, empty or 0-d layers; a store step that is missing or incomplete.
    InputError
        Unknown suffix, unknown layer, labels whose length differs from the activations.
    """
    from tda_nn.io.activation_set import ActivationSet
    from tda_nn.io.store import RunStore

    if isinstance(path, ActivationSet):
        result = path.subset(layers if layers is not None else path.layer_names)
    elif isinstance(path, Mapping):
        result = ActivationSet(path, source=MEMORY)
        if layers is not None:
            result = result.subset(layers)
    else:
        kind = detect_format(path)
        if step is not None and kind != "store":
            raise InputError(f"{path}: step= applies only to a run store directory")
        if kind == "store":
            result = RunStore(path).activation_set(step, layers=layers)
        elif kind == "store-step":
            store = RunStore(Path(path).parent)
            result = store.activation_set(store.step_of_dir(Path(path)), layers=layers)
        else:
            from tda_nn.io.formats import get_format

            result = get_format(kind).read(Path(path), layers)
    if labels is None:
        return result
    return _with_labels(result, labels)


def _with_labels(result: ActivationSet, labels: Any) -> ActivationSet:
    from tda_nn.io.labels import read_labels

    if isinstance(labels, str | os.PathLike):
        name = str(labels)
        values = read_labels(labels)
    else:
        name = "labels"
        values = np.asarray(labels) if isinstance(labels, list | tuple) else labels
    return result.with_labels(values, labels_source=name)
