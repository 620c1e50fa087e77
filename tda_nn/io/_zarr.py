"""Zarr stores (a ``.zarr`` directory, or one holding ``zarr.json`` / ``.zgroup``): every array at
any depth is a layer named by its path (``encoder/0``); a root ``labels`` array is optional.
Integer labels with a root attribute ``label_names`` (a list) are read as those names. A root group
``_tokens`` (token-level extraction: which text and position each row is) is not a layer.

Layer order is the group attribute ``layer_order`` (written by :func:`write_zarr`) where present,
else the natural sort of the names. Arrays are chunked, so a layer is read (not memory-mapped)
when accessed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import LABELS_KEY, corrupt, natural_sorted, walk_tree

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet

ORDER_ATTR = "layer_order"
#: root attribute: the names of integer label codes (``labels == i`` means ``label_names[i]``)
LABEL_NAMES_ATTR = "label_names"
#: root group of per-row metadata that is not a layer
TOKENS_GROUP = "_tokens"
_ERRORS = (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError)


def is_zarr(path: Path) -> bool:
    """Whether ``path`` looks like a zarr group directory."""
    return path.is_dir() and any(
        (path / marker).is_file() for marker in ("zarr.json", ".zgroup", ".zattrs")
    )


def _zarr() -> Any:
    """The zarr module, imported when a zarr group is first read or written."""
    import zarr

    return zarr


def array_creator(group: Any) -> Any:
    """``create(name, **kwargs)`` of ``group`` (zarr 3 ``create_array``, zarr 2
    ``create_dataset``) that stores floating-point arrays as raw chunks.

    An out-of-core pass reads the whole layer, and activations are high-entropy floats: zstd
    (zarr 3's default) saves about a tenth of the bytes and makes an out-of-core selection about
    1.6x slower (``bench_outofcore.py --codec``). Integers and labels keep the default codec.
    """
    create = getattr(group, "create_array", None)
    no_codec = "compressors" if create is not None else "compressor"
    create = create or group.create_dataset

    def make(name: str, *, dtype: Any = None, data: Any = None, **kwargs: Any) -> Any:
        if np.dtype(dtype if dtype is not None else np.asarray(data).dtype).kind == "f":
            kwargs[no_codec] = None
        if data is not None:
            kwargs["data"] = data
        if dtype is not None:
            kwargs["dtype"] = dtype
        return create(name, **kwargs)

    return make


def _open(path: str) -> Any:
    zarr = _zarr()
    if not Path(path).exists():
        raise StoreError(f"{path}: no such file or directory")
    try:
        return zarr.open_group(path, mode="r")
    except _ERRORS as exc:
        raise corrupt(path, "zarr", exc) from None


def _members(group: Any, prefix: str) -> Iterator[tuple[str, Any, bool]]:
    for name, array in group.arrays():
        yield name, array, False
    for name, child in group.groups():
        if not (prefix == "" and name == TOKENS_GROUP):
            yield name, child, True


def read_zarr(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read a zarr group as an :class:`ActivationSet`."""
    from tda_nn.io.activation_set import assemble

    src = str(path)
    group = _open(src)
    arrays = walk_tree(group, _members, source=src, fmt="zarr", errors=_ERRORS)
    labels = _read(arrays.pop(LABELS_KEY), src, LABELS_KEY) if LABELS_KEY in arrays else None
    attrs = dict(group.attrs)
    if labels is not None and LABEL_NAMES_ATTR in attrs:
        labels = _named_labels(labels, attrs[LABEL_NAMES_ATTR], src)
    order = attrs.get(ORDER_ATTR)
    names = list(arrays)
    if isinstance(order, list) and sorted(map(str, order)) == sorted(names):
        names = [str(n) for n in order]
    else:
        names = natural_sorted(names)
    return assemble(
        src, names, layers, lambda name: (tuple(arrays[name].shape), np.dtype(arrays[name].dtype)),
        lambda name: ZarrLoader(src, name, tuple(arrays[name].shape)),
        labels=labels,
    )


def _named_labels(codes: np.ndarray, names: Any, path: str) -> np.ndarray:
    """Integer codes mapped to their names (``label_names``)."""
    if not isinstance(names, list) or codes.dtype.kind not in "iu":
        raise corrupt(path, "zarr", f"attribute {LABEL_NAMES_ATTR!r} needs integer labels and a list")
    if codes.size and (codes.min() < 0 or codes.max() >= len(names)):
        raise corrupt(path, "zarr", f"labels hold codes outside {LABEL_NAMES_ATTR!r} (0..{len(names) - 1})")
    return np.asarray([str(n) for n in names])[codes]


def _read(array: Any, path: str, name: str) -> np.ndarray:
    try:
        return np.asarray(array[...])
    except Exception as exc:  # codecs raise their own error types
        raise corrupt(path, "zarr", f"array {name!r}: {type(exc).__name__}: {exc}") from None


class ZarrLoader:
    """Picklable loader of one array of a zarr group."""

    __slots__ = ("path", "name", "shape")

    def __init__(self, path: str, name: str, shape: tuple[int, ...]) -> None:
        self.path, self.name, self.shape = path, name, tuple(shape)

    def __call__(self) -> np.ndarray:
        group = _open(self.path)
        try:
            array = group[self.name]
        except _ERRORS:
            raise StoreError(f"{self.path}: array {self.name!r} is gone") from None
        if tuple(array.shape) != self.shape:
            raise StoreError(f"{self.path}: array {self.name!r} changed since it was opened")
        return _read(array, self.path, self.name)


def write_zarr(path: Path, arrays: Mapping[str, np.ndarray], labels: np.ndarray | None) -> None:
    """Write layers (and numeric labels) as a zarr group, in a temporary directory renamed into place."""
    from tda_nn.io._npy import swap_in

    zarr = _zarr()
    path = Path(path)
    if path.exists() and not is_zarr(path):
        raise InputError(f"{path}: exists and is not a zarr group; choose a new path")
    if labels is not None and labels.dtype.kind == "U":
        raise InputError(f"{path}: text labels are not supported in zarr; use .npz or .h5")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        group = zarr.open_group(str(tmp), mode="w")
        create = array_creator(group)
        for name, array in arrays.items():
            create(name, data=np.asarray(array))
        if labels is not None:
            create(LABELS_KEY, data=labels)
        group.attrs[ORDER_ATTR] = list(arrays)
        swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
