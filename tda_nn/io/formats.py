"""The registry of saved-activation formats that :func:`~tda_nn.io.load_activations` reads.

A format is a reader ``read(path, layers) -> ActivationSet`` with the file suffixes it owns
(``.npz``) or, for a directory format, a test ``is_dir(path) -> bool``, and optionally a writer
``write(path, arrays, labels, compress)``; :func:`register_format` adds one, and
:func:`~tda_nn.io.detect_format`, :func:`~tda_nn.io.save_activations`, the suffix tables and the
"supported: ..." error messages read the registry. Built-in readers are imported only when their format is used (they
pull in torch, h5py, safetensors or zarr).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tda_nn.registry import Registry

__all__ = ["Format", "get_format", "register_format", "suffixes", "supported", "write_suffixes"]

#: ``read(path, layers) -> ActivationSet``; ``layers`` is None (all) or names, kept in that order
Reader = Callable[[Path, Any], Any]
#: ``write(path, arrays, labels, compress)``: ``arrays`` name -> (n_samples, ...) in order,
#: ``labels`` (n_samples,) or None; must write atomically (``tda_nn._atomic``)
Writer = Callable[[Path, Any, Any, bool], None]


@dataclass(frozen=True)
class Format:
    """A registered activation format.

    Attributes
    ----------
    name : str
    read : callable
        ``read(path, layers) -> ActivationSet``.
    suffixes : tuple of str
        Lower-case file suffixes (with the dot) this format reads.
    is_dir : callable or None
        For a directory format: ``is_dir(path) -> bool`` recognises one (tried in registration
        order, after run stores); links leading out of it are refused.
    description : str
        How the "supported: ..." message names it (default: the suffixes).
    write : callable or None
        ``write(path, arrays, labels, compress)``; None: read only.
    """

    name: str
    read: Reader
    suffixes: tuple[str, ...] = ()
    is_dir: Callable[[Path], bool] | None = None
    description: str = ""
    write: Writer | None = None


_REGISTRY: Registry[Format] = Registry("activation format")


def register_format(
    name: str,
    read: Reader,
    *,
    suffixes: tuple[str, ...] = (),
    is_dir: Callable[[Path], bool] | None = None,
    description: str = "",
    write: Writer | None = None,
    replace: bool = False,
) -> Format:
    """Make ``load_activations`` (and everything built on it) read a new format.

    Parameters
    ----------
    name : str
    read : callable
        ``read(path, layers) -> ActivationSet``; build the set with
        ``ActivationSet({name: array_or_loader}, labels=..., source=str(path))`` and select
        ``layers`` with :meth:`ActivationSet.subset` (or ``tda_nn.io._common.select_layers``).
    suffixes : tuple of str
        File suffixes, e.g. ``(".csv",)``; matched case-insensitively.
    is_dir : callable, optional
        Recognises a directory of this format.
    description : str, optional
        Its name in the "supported: ..." message.
    write : callable, optional
        ``write(path, arrays, labels, compress)``: makes ``save_activations`` write the suffixes.
    replace : bool
        Allow replacing a registered format (or taking over its suffixes).
    """
    suffixes = tuple(s.lower() for s in suffixes)
    taken = {s: f for s, f in _suffix_table().items() if s in suffixes and f != name}
    if taken and not replace:
        from tda_nn.errors import InputError

        raise InputError(f"suffix(es) {sorted(taken)} already belong to format(s) "
                         f"{sorted(set(taken.values()))} (pass replace=True)")
    entry = Format(name, read, suffixes, is_dir, description or "/".join(suffixes), write)
    return _REGISTRY.register(name, entry, replace=replace)


def get_format(name: str) -> Format:
    """The registered format ``name`` (InputError listing the formats otherwise)."""
    return _REGISTRY.get(name)


def directory_formats() -> list[Format]:
    """Formats that are directories, in registration order."""
    return [_REGISTRY.get(n) for n in _REGISTRY.names(lambda f: f.is_dir is not None)]


def _suffix_table(writable: bool = False) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in _REGISTRY.names(lambda f: f.write is not None if writable else True):
        for suffix in _REGISTRY.get(name).suffixes:
            table[suffix] = name  # later registrations (replace=True) win
    return table


def suffixes() -> dict[str, str]:
    """Suffix -> format name, for every registered format."""
    return _suffix_table()


def write_suffixes() -> dict[str, str]:
    """Suffix -> format name, for the formats that can be written."""
    return _suffix_table(writable=True)


def supported() -> str:
    """The formats, as the "supported: ..." part of an unknown-file error."""
    names = [_REGISTRY.get(n).description for n in _REGISTRY.names()]
    return ", ".join([*names, "a tda-nn run store directory"])


def _lazy(module: str, function: str, compress: bool | None = None) -> Callable[..., Any]:
    """``module.function``, imported on first call (keeps heavy readers out of ``import``).

    ``compress``: a writer; True passes ``compress=`` on, False drops it (the format has none).
    """

    def call(*args: Any) -> Any:
        fn = getattr(importlib.import_module(module), function)
        if compress is None:
            return fn(*args)
        *head, flag = args
        return fn(*head, compress=flag) if compress else fn(*head)

    call.__name__ = function
    return call


register_format("npz", _lazy("tda_nn.io._npz", "read_npz"), suffixes=(".npz",),
                write=_lazy("tda_nn.io._npz", "write_npz", compress=True))
register_format("zarr", _lazy("tda_nn.io._zarr", "read_zarr"), suffixes=(".zarr",),
                is_dir=_lazy("tda_nn.io._zarr", "is_zarr"), description="a zarr group",
                write=_lazy("tda_nn.io._zarr", "write_zarr", compress=False))
register_format("npy-dir", _lazy("tda_nn.io._npy", "read_npy_dir"),
                is_dir=_lazy("tda_nn.io._npy", "is_npy_dir"),
                description="a directory of .npy files",
                write=_lazy("tda_nn.io._npy", "write_npy_dir", compress=False))
register_format("npy", _lazy("tda_nn.io._npy", "read_single_npy"), suffixes=(".npy",))
register_format("torch", _lazy("tda_nn.io._torch", "read_torch"), suffixes=(".pt", ".pth"),
                write=_lazy("tda_nn.io._torch", "write_torch", compress=False))
register_format("safetensors", _lazy("tda_nn.io._safetensors", "read_safetensors"),
                suffixes=(".safetensors",),
                write=_lazy("tda_nn.io._safetensors", "write_safetensors", compress=False))
register_format("hdf5", _lazy("tda_nn.io._hdf5", "read_hdf5"), suffixes=(".h5", ".hdf5", ".hdf"),
                write=_lazy("tda_nn.io._hdf5", "write_hdf5", compress=True))
