"""``.npz`` archives: one ``.npy`` member per layer (key = layer name), optional ``labels``.

Members stored without compression (``np.savez``, and :func:`write_npz` by default) are
memory-mapped straight from the archive; compressed members are read when accessed.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tda_nn._atomic import atomic_path
from tda_nn.errors import StoreError
from tda_nn.io._common import LABELS_KEY, corrupt
from tda_nn.io._npy import NpyHeader, read_header

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet

_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, zlib.error,
           KeyError, SyntaxError, NotImplementedError, RuntimeError)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def _open_zip(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file") from None
    except _ERRORS as exc:
        raise corrupt(path, "npz", exc) from None


def _member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> NpyHeader:
    try:
        with zf.open(info) as fh:
            header = read_header(fh)
    except _ERRORS as exc:
        raise corrupt(path, "npz", f"member {info.filename!r}: {type(exc).__name__}: {exc}") from None
    need = header.nbytes
    if need is not None and info.file_size != header.header_len + need:
        raise corrupt(
            path, "npz",
            f"member {info.filename!r} holds {info.file_size - header.header_len} bytes of data, "
            f"its header promises {need}",
        )
    return header


def read_npz(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read a ``.npz`` file as an :class:`ActivationSet` (members in archive order)."""
    from tda_nn.io.activation_set import assemble

    src = str(path)
    with _open_zip(src) as zf:
        members = {
            info.filename[:-4]: info for info in zf.infolist() if info.filename.endswith(".npy")
        }
        headers: dict[str, NpyHeader] = {}

        def meta(name: str) -> tuple[tuple[int, ...], np.dtype]:
            headers[name] = _member_header(zf, members[name], src)
            return headers[name].shape, headers[name].dtype

        labels = None
        if LABELS_KEY in members:
            _member_header(zf, members[LABELS_KEY], src)
            labels = _read_member(zf, members[LABELS_KEY], src)
        names = [n for n in members if n != LABELS_KEY]
        return assemble(
            src, names, layers, meta,
            lambda name: NpzLoader(src, members[name].filename, headers[name].shape),
            labels=labels,
        )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> np.ndarray:
    try:
        with zf.open(info) as fh:
            return np.lib.format.read_array(fh, allow_pickle=False)
    except _ERRORS as exc:
        raise corrupt(path, "npz", f"member {info.filename!r}: {type(exc).__name__}: {exc}") from None


class NpzLoader:
    """Picklable loader of one member of a ``.npz`` archive (memory-mapped if uncompressed)."""

    __slots__ = ("path", "member", "shape")

    def __init__(self, path: str, member: str, shape: tuple[int, ...]) -> None:
        self.path, self.member, self.shape = path, member, shape


    def __call__(self) -> np.ndarray:
        with _open_zip(self.path) as zf:
            try:
                info = zf.getinfo(self.member)
            except KeyError:
                raise StoreError(f"{self.path}: member {self.member!r} is gone") from None
            header = _member_header(zf, info, self.path)
            if header.shape != self.shape:
                raise StoreError(
                    f"{self.path}: member {self.member!r} has shape {header.shape}, expected "
                    f"{self.shape} (changed since opened?)"
                )
            if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                return _read_member(zf, info, self.path)
        try:
            offset = _data_offset(self.path, info) + header.header_len
            return np.memmap(
                self.path, dtype=header.dtype, mode="r", offset=offset, shape=header.shape,
                order="F" if header.fortran else "C",
            )
        except _ERRORS as exc:
            raise corrupt(self.path, "npz", exc) from None


def _data_offset(path: str, info: zipfile.ZipInfo) -> int:
    """Byte offset of a stored member's data (after its local file header)."""
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        raw = fh.read(_LOCAL_HEADER.size)
    if len(raw) != _LOCAL_HEADER.size:
        raise ValueError(f"local header of {info.filename!r} is cut off")
    fields = _LOCAL_HEADER.unpack(raw)
    if fields[0] != b"PK\x03\x04":
        raise ValueError(f"bad local header signature for {info.filename!r}")
    start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
    if start + info.file_size > os.path.getsize(path):
        raise ValueError(f"data of {info.filename!r} runs past the end of the file")
    return start


def write_npz(
    path: Path, arrays: Mapping[str, np.ndarray], labels: np.ndarray | None, *,
    compress: bool = False,
) -> None:
    """Write layers (and ``labels``) as ``.npz`` members in order, atomically.

    Uncompressed by default so that readers can memory-map each layer.
    """
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    items = list(arrays.items())
    if labels is not None:
        items.append((LABELS_KEY, labels))
    with atomic_path(path, suffix=".npz") as tmp, zipfile.ZipFile(
        tmp, "w", compression=method, allowZip64=True
    ) as zf:
        for name, array in items:
            with zf.open(name + ".npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asarray(array), allow_pickle=False)
