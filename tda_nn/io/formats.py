"""The registry of saved-activation formats that :func:`~tda_nn.io.load_activations` reads.

A format is a reader ``read(path, layers) -> ActivationSet`` with the file suffixes it owns
(``.npz``) or, for a directory format, a test ``is_dir(path) -> bool``; :func:`register_format`
adds one, and :func:`~tda_nn.io.detect_format`, the suffix table and the "supported: ..." error
message read the registry. Built-in readers are imported only when their format is used (they
pull in torch, h5py, safetensors or zarr).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tda_nn.registry import Registry

__all__ = ["Format", "get_format", "register_format", "suffixes", "supported"]

#: ``read(path, layers) -> ActivationSet``; ``layers`` is None (all) or names, kept in that order
Reader = Callable[[Path, Any], Any]


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
    """

    name: str
    read: Reader
    suffixes: tuple[str, ...] = ()
    is_dir: Callable[[Path], bool] | None = None
    description: str = ""


_REGISTRY: Registry[Format] = Registry("activation format")


def register_format(
    name: str,
    read: Reader,
    *,
    suffixes: tuple[str, ...] = (),
    is_dir: Callable[[Path], bool] | None = None,
    description: str = "",
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
    replace : bool
        Allow replacing a registered format (or taking over its suffixes).
    """
    suffixes = tuple(s.lower() for s in suffixes)
    taken = {s: f for s, f in _suffix_table().items() if s in suffixes and f != name}
    if taken and not replace:
        from tda_nn.errors import InputError

        raise InputError(f"suffix(es) {sorted(taken)} already belong to format(s) "
                         f"{sorted(set(taken.values()))} (pass replace=True)")
    entry = Format(name, read, suffixes, is_dir, description or "/".join(suffixes))
    return _REGISTRY.register(name, entry, replace=replace)


def get_format(name: str) -> Format:
    """The registered format ``name`` (InputError listing the formats otherwise)."""
    return _REGISTRY.get(name)


def directory_formats() -> list[Format]:
    """Formats that are directories, in registration order."""
    return [_REGISTRY.get(n) for n in _REGISTRY.names(lambda f: f.is_dir is not None)]


def _suffix_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in _REGISTRY.names():
        for suffix in _REGISTRY.get(name).suffixes:
            table[suffix] = name  # later registrations (replace=True) win
    return table


def suffixes() -> dict[str, str]:
    """Suffix -> format name, for every registered format."""
    return _suffix_table()


def supported() -> str:
    """The formats, as the "supported: ..." part of an unknown-file error."""
    names = [_REGISTRY.get(n).description for n in _REGISTRY.names()]
    return ", ".join([*names, "a tda-nn run store directory"])


def _lazy(module: str, function: str) -> Callable[..., Any]:
    """``module.function``, imported on first call (keeps heavy readers out of ``import``)."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(module), function)(*args)

    call.__name__ = function
    return call


register_format("npz", _lazy("tda_nn.io._npz", "read_npz"), suffixes=(".npz",))
register_format("zarr", _lazy("tda_nn.io._zarr", "read_zarr"), suffixes=(".zarr",),
                is_dir=_lazy("tda_nn.io._zarr", "is_zarr"), description="a zarr group")
register_format("npy-dir", _lazy("tda_nn.io._npy", "read_npy_dir"),
                is_dir=_lazy("tda_nn.io._npy", "is_npy_dir"),
                description="a directory of .npy files")
register_format("npy", _lazy("tda_nn.io._npy", "read_single_npy"), suffixes=(".npy",))
register_format("torch", _lazy("tda_nn.io._torch", "read_torch"), suffixes=(".pt", ".pth"))
register_format("safetensors", _lazy("tda_nn.io._safetensors", "read_safetensors"),
                suffixes=(".safetensors",))
register_format("hdf5", _lazy("tda_nn.io._hdf5", "read_hdf5"), suffixes=(".h5", ".hdf5", ".hdf"))
