"""A point cloud read by blocks of rows: layers bigger than memory.

:class:`ChunkedCloud` wraps anything that can hand out a block of rows without loading the rest:
a zarr array, an HDF5 dataset, a memory map (``.npy`` in a run store, safetensors, contiguous
HDF5) or an in-memory array. It holds no data itself, only a picklable *row source* (a file path
and a layer name, reopened where the block is read), so the same cloud can be sent to Dask workers.
:func:`tda_nn.homology.unit.compute_persistence` computes landmarks over it out of core
(:mod:`tda_nn.homology.outofcore`).

Blocks follow the storage: whole zarr/HDF5 chunks along the first axis (as many as fit in
``block_bytes``), so that every stored chunk is decompressed once per pass.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from tda_nn.errors import InputError, StoreError

#: default bytes of one block of rows (float32 after conversion)
BLOCK_BYTES = 32 * 2**20


class ArrayRows:
    """Rows of an array held by this process (an ndarray, or anything ``np.asarray`` slices)."""

    def __init__(self, array: Any, where: str = "<memory>") -> None:
        self.array, self.where = array, where
        self.shape = tuple(int(s) for s in array.shape)
        self.dtype = np.dtype(array.dtype)
        chunks = getattr(array, "chunks", None)
        self.chunk_rows = int(chunks[0]) if isinstance(chunks, tuple) and chunks else None

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` as an ndarray of shape ``(stop - start, ...)``."""
        return np.asarray(self.array[start:stop])


class MemmapRows:
    """Rows of a raw array in a file (what ``np.memmap`` maps), reopened where they are read."""

    def __init__(self, filename: str, dtype: np.dtype, offset: int, shape: tuple[int, ...]) -> None:
        self.filename, self.dtype, self.offset = str(filename), np.dtype(dtype), int(offset)
        self.shape = tuple(int(s) for s in shape)
        self.where = self.filename
        self.chunk_rows = None

    def read(self, start: int, stop: int) -> np.ndarray:
        row = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        mm = np.memmap(self.filename, dtype=self.dtype, mode="r",
                       offset=self.offset + start * row, shape=(stop - start, *self.shape[1:]))
        return np.array(mm)


class ZarrRows:
    """Rows of one array of a zarr group, reopened where they are read."""

    def __init__(self, path: str, name: str) -> None:
        self.path, self.name = str(path), str(name)
        self.where = f"{self.path}: layer {self.name!r}"
        array = self._array()
        self.shape = tuple(int(s) for s in array.shape)
        self.dtype = np.dtype(array.dtype)
        self.chunk_rows = int(array.chunks[0])

    def _array(self) -> Any:
        from tda_nn.io._zarr import _open

        try:
            return _open(self.path)[self.name]
        except KeyError:
            raise StoreError(f"{self.path}: no array {self.name!r}") from None

    def read(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self._array()[start:stop])


class Hdf5Rows:
    """Rows of one HDF5 dataset, reopened where they are read."""

    def __init__(self, path: str, name: str) -> None:
        from tda_nn.io._hdf5 import _open

        self.path, self.name = str(path), str(name)
        self.where = f"{self.path}: layer {self.name!r}"
        with _open(self.path) as fh:
            ds = fh.get(self.name)
            if ds is None:
                raise StoreError(f"{self.path}: no dataset {self.name!r}")
            self.shape = tuple(int(s) for s in ds.shape)
            self.dtype = np.dtype(ds.dtype)
            self.chunk_rows = int(ds.chunks[0]) if ds.chunks else None

    def read(self, start: int, stop: int) -> np.ndarray:
        from tda_nn.io._hdf5 import _open

        with _open(self.path) as fh:
            return np.asarray(fh[self.name][start:stop])


def row_source(array: Any, where: str = "<memory>") -> Any:
    """The picklable row source of ``array``: a memory map becomes its file, others stay."""
    if isinstance(array, np.memmap) and array.filename and array.base is not None:
        return MemmapRows(array.filename, array.dtype, array.offset, array.shape)
    return ArrayRows(array, where)


@dataclass
class ChunkedCloud:
    """A cloud ``(n_points, n_features)`` read by blocks of rows.

    Parameters
    ----------
    source : row source
        An object with ``shape``, ``dtype``, ``chunk_rows`` (rows of one stored chunk or None),
        ``where`` (for messages) and ``read(start, stop)``; see :func:`open_chunked`.
    block_bytes : int
        Bytes (float32) of one block of rows held at a time.
    """

    source: Any
    block_bytes: int = BLOCK_BYTES

    def __post_init__(self) -> None:
        shape = self.source.shape
        if len(shape) < 1 or shape[0] < 1 or int(np.prod(shape[1:], dtype=np.int64)) < 1:
            raise InputError(f"{self.where}: expected a 2-D array (n_points, n_features), "
                             f"got shape {tuple(shape)}")
        if np.dtype(self.source.dtype).kind not in "fiub":
            raise InputError(f"{self.where}: has non-numeric dtype {self.source.dtype}")

    @property
    def where(self) -> str:
        return str(getattr(self.source, "where", "<memory>"))

    @property
    def shape(self) -> tuple[int, int]:
        s = self.source.shape
        return (int(s[0]), int(np.prod(s[1:], dtype=np.int64)))

    @property
    def n(self) -> int:
        return self.shape[0]

    def blocks(self) -> list[tuple[int, int]]:
        """``(start, stop)`` of every block: whole stored chunks, at most ``block_bytes`` each."""
        n, d = self.shape
        rows = max(1, int(self.block_bytes) // (4 * d))
        chunk = self.source.chunk_rows
        if chunk:
            rows = max(chunk, (rows // chunk) * chunk)
        return [(s, min(s + rows, n)) for s in range(0, n, rows)]

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` as float (float32 kept, else float64), shape ``(rows, n_features)``.

        Raises InputError naming the source and the first bad row for NaN or infinite values.
        """
        try:
            block = self.source.read(start, stop)
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"{self.where}: rows {start}:{stop} unreadable ({exc})") from None
        block = block.reshape(block.shape[0], -1)
        if block.dtype not in (np.float32, np.float64):
            block = block.astype(np.float32 if block.dtype.itemsize <= 2 and block.dtype.kind == "f"
                                 else np.float64)
        if not np.isfinite(block).all():
            bad = start + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise InputError(f"{self.where}: row {bad} contains NaN or infinite values")
        return block

    def rows(self, index: np.ndarray) -> np.ndarray:
        """The rows ``index`` (any order), read block by block, shape ``(len(index), n_features)``."""
        index = np.asarray(index, dtype=np.int64)
        out: np.ndarray | None = None
        for start, stop in self.blocks():
            hit = np.flatnonzero((index >= start) & (index < stop))
            if not len(hit):
                continue
            block = self.read(start, stop)
            if out is None:
                out = np.empty((len(index), block.shape[1]), dtype=block.dtype)
            out[hit] = block[index[hit] - start]
        assert out is not None
        return out


def open_chunked(path: str | os.PathLike[str], layer: str, *, step: int | None = None,
                 block_bytes: int = BLOCK_BYTES) -> ChunkedCloud:
    """A :class:`ChunkedCloud` over one stored layer, without loading it.

    Parameters
    ----------
    path : path
        A zarr group, an HDF5 file, a ``.safetensors`` file, a directory of ``.npy`` files or a
        run store (then ``step`` is the training step; default: the last complete one).
    layer : str
        The layer's name in that file.
    """
    from tda_nn.io import RunStore, load_activations
    from tda_nn.io.readers import detect_format

    path = str(path)
    if RunStore.is_store(path):
        store = RunStore(path)
        steps = store.steps
        if step is None:
            if not steps:
                raise StoreError(f"{path}: no complete step in this run store")
            step = steps[-1]
        return ChunkedCloud(row_source(store.read_activations(step, layer), path), block_bytes)
    fmt = detect_format(path)
    if fmt == "zarr":
        return ChunkedCloud(ZarrRows(path, layer), block_bytes)
    if fmt == "hdf5":
        load_activations(path).shape(layer)  # checks the layer exists and is numeric
        return ChunkedCloud(Hdf5Rows(path, layer), block_bytes)
    acts = load_activations(path)
    array = acts._loaders[acts.subset(layer).layer_names[0]]()
    if not isinstance(array, np.memmap):
        raise InputError(f"{path}: {fmt} layers cannot be read by blocks; "
                         "save them as zarr, HDF5, safetensors or .npy")
    return ChunkedCloud(row_source(array, path), block_bytes)
