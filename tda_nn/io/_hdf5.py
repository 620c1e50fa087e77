"""HDF5 files (``.h5``/``.hdf5``): every dataset at any depth is a layer named by its HDF5 path
without the leading ``/`` (``encoder/layer.0``); a root ``labels`` dataset is optional.

Layer order is the group iteration order: creation order where the file tracks it (files written
by :func:`write_hdf5` do), otherwise HDF5's name order. Contiguous uncompressed datasets are
memory-mapped; chunked or compressed ones are read when accessed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tda_nn._atomic import atomic_path
from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import LABELS_KEY, corrupt, walk_tree

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet

_ERRORS = (OSError, ValueError, RuntimeError, KeyError, TypeError)


def _open(path: str) -> Any:
    import h5py

    if not os.path.exists(path):
        raise StoreError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except _ERRORS as exc:
        raise corrupt(path, "HDF5", exc) from None


def _datasets(root: Any, path: str) -> dict[str, Any]:
    """``{name: dataset}`` for every dataset below ``root``, in iteration order (no cycles)."""
    import h5py

    def members(group: Any, prefix: str) -> Iterator[tuple[str, Any, bool]]:
        for key in group:
            try:
                link = group.get(key, getlink=True)
                obj = None if isinstance(link, h5py.ExternalLink) else group.get(key)
            except _ERRORS as exc:
                raise corrupt(path, "HDF5", f"object {prefix + key!r}: {exc}") from None
            if obj is None:
                raise InputError(
                    f"{path}: object {prefix + key!r} is an external link to "
                    f"{link.filename}:{link.path}; tda-nn reads only inside the named file"
                )
            if isinstance(obj, h5py.Dataset):
                _check_storage_inside(obj, path, prefix + key)
            if isinstance(obj, h5py.Dataset | h5py.Group):
                yield key, obj, isinstance(obj, h5py.Group)

    return walk_tree(
        root, members, source=path, fmt="HDF5", errors=_ERRORS, identity=lambda obj: obj.id
    )


def _check_storage_inside(ds: Any, path: str, name: str) -> None:
    """Refuse a dataset whose data lives in other files (external raw storage, virtual dataset)."""
    if ds.external:
        files = sorted({str(entry[0]) for entry in ds.external})
        raise InputError(
            f"{path}: dataset {name!r} keeps its data in other file(s) ({', '.join(files)}); "
            "tda-nn reads only inside the named file"
        )
    if ds.is_virtual:
        raise InputError(
            f"{path}: dataset {name!r} is a virtual dataset mapped from other files; "
            "tda-nn reads only inside the named file"
        )


def read_hdf5(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read an HDF5 file as an :class:`ActivationSet`."""
    from tda_nn.io.activation_set import assemble

    src = str(path)
    with _open(src) as fh:
        datasets = _datasets(fh, src)
        labels = None
        if LABELS_KEY in datasets:
            labels = _read(datasets.pop(LABELS_KEY), src, LABELS_KEY)
            if labels.dtype.kind == "O":
                labels = np.array([v.decode() if isinstance(v, bytes) else v for v in labels])

        def meta(name: str) -> tuple[tuple[int, ...], np.dtype]:
            return tuple(datasets[name].shape or ()), datasets[name].dtype

        return assemble(
            src, list(datasets), layers, meta,
            lambda name: Hdf5Loader(src, name, tuple(datasets[name].shape)),
            labels=labels,
        )


def _read(ds: Any, path: str, name: str) -> np.ndarray:
    try:
        return np.asarray(ds[()])
    except _ERRORS as exc:
        raise corrupt(path, "HDF5", f"dataset {name!r}: {type(exc).__name__}: {exc}") from None


class Hdf5Loader:
    """Picklable loader of one HDF5 dataset (memory-mapped when contiguous and uncompressed)."""

    __slots__ = ("path", "name", "shape")

    def __init__(self, path: str, name: str, shape: tuple[int, ...]) -> None:
        self.path, self.name, self.shape = path, name, tuple(shape)

    def __call__(self) -> np.ndarray:
        with _open(self.path) as fh:
            ds = fh.get(self.name)
            if ds is None or tuple(ds.shape or ()) != self.shape:
                raise StoreError(f"{self.path}: dataset {self.name!r} changed since it was opened")
            offset = _contiguous_offset(ds)
            if offset is None:
                return _read(ds, self.path, self.name)
            dtype = ds.dtype
        if offset + int(np.prod(self.shape)) * dtype.itemsize > os.path.getsize(self.path):
            raise corrupt(self.path, "HDF5", f"data of {self.name!r} runs past the end of the file")
        try:
            return np.memmap(self.path, dtype=dtype, mode="r", offset=offset, shape=self.shape)
        except (OSError, ValueError) as exc:
            raise corrupt(self.path, "HDF5", exc) from None


def _contiguous_offset(ds: Any) -> int | None:
    """File offset of a plain contiguous dataset, or ``None`` if it cannot be memory-mapped."""
    if ds.chunks is not None or ds.compression is not None or ds.external:
        return None
    if ds.dtype.kind not in "biuf" or ds.dtype.fields is not None:
        return None
    try:
        offset = ds.id.get_offset()
    except _ERRORS:
        return None
    return None if offset is None else int(offset)


def write_hdf5(
    path: Path, arrays: Mapping[str, np.ndarray], labels: np.ndarray | None, *,
    compress: bool = False,
) -> None:
    """Write one dataset per layer (``/`` in a name makes groups), in order, atomically."""
    import h5py

    names = list(arrays)
    for name in names:
        parts = name.split("/")
        if name.startswith("/") or any(not p for p in parts):
            raise InputError(f"{path}: layer name {name!r} is not a valid HDF5 path")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in arrays:
                raise InputError(
                    f"{path}: layer {'/'.join(parts[:i])!r} cannot also be the group of {name!r}"
                )
    options = {"compression": "gzip", "shuffle": True} if compress else {}
    with atomic_path(path, suffix=Path(path).suffix) as tmp:
        with h5py.File(tmp, "w", track_order=True) as fh:
            for name, array in arrays.items():
                group = fh
                *parents, leaf = name.split("/")
                for part in parents:
                    group = group[part] if part in group else group.create_group(
                        part, track_order=True
                    )
                group.create_dataset(leaf, data=np.asarray(array), **options)
            if labels is not None:
                data = labels.astype(object) if labels.dtype.kind == "U" else labels
                dtype = h5py.string_dtype() if labels.dtype.kind == "U" else None
                fh.create_dataset(LABELS_KEY, data=data, dtype=dtype)
