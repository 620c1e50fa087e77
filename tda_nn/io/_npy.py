"""``.npy`` files: header inspection (with a truncation check), memory-mapped loading, and the
directory-of-``.npy`` format.

A directory of activations holds one ``<layer>.npy`` per layer and optionally ``labels.npy``.
Layer order is the natural sort of the file names (``l2`` before ``l10``) unless an ordering file
says otherwise: ``layers.json`` (written by :func:`write_npy_dir`: ``{"layer_order": [...],
"files": {name: file}}``, which also allows names that are not valid file names) or
``layers.txt`` (one layer name per line; the file is ``<name>.npy``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import (
    LABELS_KEY,
    corrupt,
    natural_sorted,
    safe_file_names,
    short,
)
from tda_nn.io.paths import regular_file, resolve_inside

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet

ORDER_JSON = "layers.json"
ORDER_TXT = "layers.txt"
LABELS_FILE = "labels.npy"
NPY_DIR_FORMAT = "tda-nn-npy-dir"


@dataclass(frozen=True)
class NpyHeader:
    """What an ``.npy`` header says: shape, dtype, memory order and where the data starts."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    header_len: int

    @property
    def nbytes(self) -> int | None:
        """Bytes of data the header promises (``None`` for object arrays)."""
        if self.dtype.hasobject:
            return None
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


def read_header(fh: IO[bytes]) -> NpyHeader:
    """Parse an ``.npy`` header from the current position of ``fh`` (raises on garbage)."""
    fmt = np.lib.format
    start = fh.tell()
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(fh)
        else:
            shape, fortran, dtype = fmt._read_array_header(fh, version)
    except (ValueError, EOFError):
        raise
    except Exception as exc:  # numpy parses the header with tokenize/ast: many error types
        raise ValueError(f"bad .npy header: {short(exc)}") from None
    return NpyHeader(tuple(int(s) for s in shape), np.dtype(dtype), bool(fortran), fh.tell() - start)


def inspect_npy(path: str | os.PathLike[str]) -> NpyHeader:
    """Header of the ``.npy`` file at ``path``, after checking the file holds all its data.

    Raises
    ------
    StoreError
        Missing, truncated or corrupt file (one line, naming the file).
    """
    try:
        with open(path, "rb") as fh:
            header = read_header(fh)
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file") from None
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise corrupt(path, "npy", exc) from None
    need = header.nbytes
    if need is not None and size < header.header_len + need:
        raise corrupt(
            path, "npy",
            f"header promises {need} bytes of data, file holds {size - header.header_len}",
        )
    return header


def open_npy(path: str | os.PathLike[str], *, mmap: bool = True) -> np.ndarray:
    """Load an ``.npy`` file, memory-mapped read-only by default (``np.memmap``)."""
    header = inspect_npy(path)
    if header.dtype.hasobject:
        raise StoreError(f"{path}: holds Python objects (dtype {header.dtype}), not numbers")
    try:
        if mmap:
            return np.memmap(
                path, dtype=header.dtype, mode="r", offset=header.header_len,
                shape=header.shape, order="F" if header.fortran else "C",
            )
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise corrupt(path, "npy", exc) from None


def load_small_npy(path: str | os.PathLike[str]) -> np.ndarray:
    """Load a small ``.npy`` (labels, predictions) fully into memory, with one-line errors."""
    header = inspect_npy(path)
    if header.dtype.hasobject:
        raise StoreError(f"{path}: holds Python objects (dtype {header.dtype}), not numbers or text")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise corrupt(path, "npy", exc) from None


class NpyLoader:
    """Picklable loader of one ``.npy`` file (memory-mapped)."""

    __slots__ = ("path", "shape")

    def __init__(self, path: str | os.PathLike[str], shape: Sequence[int] | None = None) -> None:
        self.path = str(path)
        self.shape = None if shape is None else tuple(int(s) for s in shape)

    def __call__(self) -> np.ndarray:
        array = open_npy(self.path)
        if self.shape is not None and array.shape != self.shape:
            raise StoreError(
                f"{self.path}: shape {array.shape}, expected {self.shape} (changed since opened?)"
            )
        return array


# -- directory of .npy files -----------------------------------------------------------------------
def npy_dir_layout(path: Path) -> dict[str, str]:
    """``{layer: file name}`` of a directory of ``.npy`` files, in layer order."""
    order_json = path / ORDER_JSON
    order_txt = path / ORDER_TXT
    if order_json.is_file():
        try:
            spec = json.loads(order_json.read_text(encoding="utf-8"))
            order = [str(n) for n in spec["layer_order"]]
            files = {str(k): str(v) for k, v in spec.get("files", {}).items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise corrupt(order_json, "layer-order JSON", exc) from None
        layout = {name: files.get(name, f"{name}.npy") for name in order}
        where = order_json
    elif order_txt.is_file():
        try:
            lines = order_txt.read_text(encoding="utf-8").splitlines()
        except (OSError, ValueError) as exc:
            raise corrupt(order_txt, "layer-order text", exc) from None
        layout = {name: f"{name}.npy" for name in (ln.strip() for ln in lines) if name}
        where = order_txt
    else:
        return _plain_layout(path)
    for name, file in layout.items():
        resolve_inside(path, file, f"{where}: layer {name!r}")
    return layout


def _plain_layout(path: Path) -> dict[str, str]:
    stems = [
        p.name[:-4] for p in path.iterdir()
        if p.name.endswith(".npy") and not p.name.startswith(".") and p.name != LABELS_FILE
    ]
    return {stem: f"{stem}.npy" for stem in natural_sorted(stems)}


def is_npy_dir(path: Path) -> bool:
    """Whether ``path`` is a directory holding ``.npy`` files or a layer-order file."""
    if not path.is_dir():
        return False
    if (path / ORDER_JSON).is_file() or (path / ORDER_TXT).is_file():
        return True
    return any(p.name.endswith(".npy") and not p.name.startswith(".") for p in path.iterdir())


def read_npy_dir(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read a directory of ``.npy`` files as an :class:`ActivationSet` (lazy, memory-mapped)."""
    from tda_nn.io.activation_set import assemble

    layout = npy_dir_layout(path)
    headers: dict[str, NpyHeader] = {}

    def meta(name: str) -> tuple[tuple[int, ...], np.dtype]:
        file = path / layout[name]
        if not file.exists():
            raise StoreError(f"{file}: missing (listed for layer {name!r})")
        regular_file(file, f"file of layer {name!r}")
        headers[name] = inspect_npy(file)
        return headers[name].shape, headers[name].dtype

    labels_file = path / LABELS_FILE
    labels = load_small_npy(regular_file(labels_file, "labels")) if labels_file.exists() else None
    return assemble(
        str(path), list(layout), layers, meta,
        lambda name: NpyLoader(path / layout[name], headers[name].shape),
        labels=labels,
    )


def write_npy_dir(
    path: Path, arrays: Mapping[str, np.ndarray], labels: np.ndarray | None
) -> None:
    """Write one ``.npy`` per layer plus ``layers.json`` (and ``labels.npy``) as one atomic step.

    Everything is written to a hidden temporary directory next to ``path`` that is then renamed
    onto it. An existing ``path`` is replaced only if it holds nothing but ``.npy`` files and
    layer-order files (a previous activation directory).
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise InputError(f"{path}: exists and is not a directory")
        foreign = [
            p.name for p in path.iterdir()
            if not (p.is_file() and (p.suffix == ".npy" or p.name in (ORDER_JSON, ORDER_TXT)))
        ]
        if foreign:
            raise InputError(
                f"{path}: exists and holds other things ({foreign[0]!r}); choose a new directory"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    files = safe_file_names(list(arrays), reserved=[LABELS_KEY, "layers"])
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        for name, array in arrays.items():
            _save_synced(tmp / files[name], array)
        if labels is not None:
            _save_synced(tmp / LABELS_FILE, labels)
        spec = {"format": NPY_DIR_FORMAT, "layer_order": list(arrays), "files": files}
        with open(tmp / ORDER_JSON, "w", encoding="utf-8") as fh:
            json.dump(spec, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    """The process umask, read without changing it (Linux); 0o022 where unknown."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    return 0o022


def _save_synced(file: Path, array: np.ndarray) -> None:
    with open(file, "wb") as fh:
        np.save(fh, np.asarray(array), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def swap_in(tmp: Path, path: Path) -> None:
    """Rename directory ``tmp`` onto ``path`` (old ``path`` moved aside, then removed).

    ``tmp`` (made by ``mkdtemp``, mode 0700) first gets the usual permissions for the umask.
    """
    os.chmod(tmp, 0o777 & ~_umask())
    if not path.exists():
        os.replace(tmp, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rmdir(old)
    os.replace(path, old)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)



def read_single_npy(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read one ``.npy`` file as a one-layer :class:`ActivationSet` named after the file."""
    from tda_nn.io.activation_set import assemble

    header = inspect_npy(path)
    name = path.name[:-4]
    return assemble(
        str(path), [name], layers, lambda _: (header.shape, header.dtype),
        lambda _: NpyLoader(path, header.shape),
    )
