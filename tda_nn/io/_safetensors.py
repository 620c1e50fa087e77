"""``.safetensors`` files: read by parsing the header directly, so every tensor is memory-mapped.

Layout (https://huggingface.co/docs/safetensors): 8 bytes little-endian header length ``N``, ``N``
bytes of JSON ``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``,
then the data. Layer order is the one recorded under ``__metadata__["tda_nn.layer_order"]`` (JSON
list, written by :func:`write_safetensors`), else the natural sort of the names. A ``labels``
tensor, or text labels as a JSON list under ``__metadata__["tda_nn.labels"]``, are optional.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tda_nn._atomic import atomic_path
from tda_nn.errors import StoreError
from tda_nn.io._common import LABELS_KEY, corrupt, natural_sorted

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet

ORDER_KEY = "tda_nn.layer_order"
TEXT_LABELS_KEY = "tda_nn.labels"
_MAX_HEADER = 100_000_000
_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}


def read_header(path: str) -> tuple[dict[str, dict[str, Any]], dict[str, str], int]:
    """Entries, metadata and data start of a safetensors file, checked against the file size."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise ValueError(f"file has {len(head)} bytes, fewer than the 8-byte header length")
            (n,) = struct.unpack("<Q", head)
            if n > min(size - 8, _MAX_HEADER):
                raise ValueError(f"header length {n} does not fit in a file of {size} bytes")
            raw = fh.read(n)
        header = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file") from None
    except (OSError, ValueError, struct.error) as exc:
        raise corrupt(path, "safetensors", exc) from None
    if not isinstance(header, dict):
        raise corrupt(path, "safetensors", "header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise corrupt(path, "safetensors", "__metadata__ is not a JSON object")
    start = 8 + n
    for name, entry in header.items():
        _check_entry(path, name, entry, start, size)
    return header, {str(k): str(v) for k, v in metadata.items()}, start


def _check_entry(path: str, name: str, entry: Any, start: int, size: int) -> None:
    try:
        dtype = entry["dtype"]
        shape = [int(s) for s in entry["shape"]]
        begin, end = (int(v) for v in entry["data_offsets"])
    except (KeyError, TypeError, ValueError):
        raise corrupt(path, "safetensors", f"bad header entry for {name!r}") from None
    if min(shape, default=0) < 0 or not 0 <= begin <= end:
        raise corrupt(path, "safetensors", f"bad shape or offsets for {name!r}")
    if dtype in _DTYPES:
        need = int(np.prod(shape, dtype=np.int64)) * np.dtype(_DTYPES[dtype]).itemsize
        if end - begin != need:
            raise corrupt(
                path, "safetensors",
                f"{name!r} spans {end - begin} bytes, its shape and dtype need {need}",
            )
    if start + end > size:
        raise corrupt(
            path, "safetensors", f"data of {name!r} ends at byte {start + end}, file has {size}"
        )


def _layer_order(names: list[str], metadata: Mapping[str, str]) -> list[str]:
    try:
        order = json.loads(metadata[ORDER_KEY])
    except (KeyError, ValueError):
        return natural_sorted(names)
    if isinstance(order, list) and sorted(map(str, order)) == sorted(names):
        return [str(n) for n in order]
    return natural_sorted(names)


def read_safetensors(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read a ``.safetensors`` file as an :class:`ActivationSet` (memory-mapped)."""
    from tda_nn.io.activation_set import assemble

    src = str(path)
    header, metadata, start = read_header(src)
    labels: Any = None
    if LABELS_KEY in header:
        labels = np.array(SafetensorsLoader(src, LABELS_KEY, header[LABELS_KEY], start)())
    elif TEXT_LABELS_KEY in metadata:
        try:
            labels = [str(v) for v in json.loads(metadata[TEXT_LABELS_KEY])]
        except (ValueError, TypeError):
            raise corrupt(src, "safetensors", f"bad {TEXT_LABELS_KEY!r} metadata") from None
    names = _layer_order([n for n in header if n != LABELS_KEY], metadata)

    def meta(name: str) -> tuple[tuple[int, ...], np.dtype]:
        dtype = header[name]["dtype"]
        if dtype not in _DTYPES:
            raise StoreError(f"{src}: layer {name!r} has unsupported safetensors dtype {dtype}")
        shown = np.float32 if dtype == "BF16" else _DTYPES[dtype]
        return tuple(header[name]["shape"]), np.dtype(shown)

    shown_meta = {k: v for k, v in metadata.items() if k not in (ORDER_KEY, TEXT_LABELS_KEY)}
    return assemble(
        src, names, layers, meta,
        lambda name: SafetensorsLoader(src, name, header[name], start),
        labels=labels, metadata=shown_meta,
    )


class SafetensorsLoader:
    """Picklable loader of one tensor of a safetensors file (memory-mapped; BF16 -> float32)."""

    __slots__ = ("path", "name", "entry", "start")

    def __init__(self, path: str, name: str, entry: dict[str, Any], start: int) -> None:
        self.path, self.name, self.entry, self.start = path, name, dict(entry), int(start)


    def __call__(self) -> np.ndarray:
        header, _, start = read_header(self.path)
        if header.get(self.name) != self.entry or start != self.start:
            raise StoreError(f"{self.path}: tensor {self.name!r} changed since the file was opened")
        dtype = self.entry["dtype"]
        shape = tuple(self.entry["shape"])
        offset = self.start + int(self.entry["data_offsets"][0])
        try:
            if 0 in shape:
                return np.zeros(shape, dtype=_DTYPES[dtype])
            array = np.memmap(self.path, dtype=_DTYPES[dtype], mode="r", offset=offset, shape=shape)
        except (OSError, ValueError) as exc:
            raise corrupt(self.path, "safetensors", exc) from None
        if dtype == "BF16":
            return (array.astype(np.uint32) << 16).view(np.float32)
        return array


def write_safetensors(
    path: Path, arrays: Mapping[str, np.ndarray], labels: np.ndarray | None
) -> None:
    """Write layers (and labels) with the ``safetensors`` library, recording the layer order."""
    from safetensors.numpy import save_file

    tensors = {name: np.ascontiguousarray(arr) for name, arr in arrays.items()}
    metadata = {ORDER_KEY: json.dumps(list(arrays))}
    if labels is not None:
        if labels.dtype.kind == "U":
            metadata[TEXT_LABELS_KEY] = json.dumps(labels.tolist())
        else:
            tensors[LABELS_KEY] = np.ascontiguousarray(labels)
    with atomic_path(path, suffix=".safetensors") as tmp:
        save_file(tensors, str(tmp), metadata=metadata)
