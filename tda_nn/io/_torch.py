"""PyTorch files (``.pt``/``.pth``): a dict ``layer name -> tensor or NumPy array``.

Loaded with ``torch.load(weights_only=True)`` (no arbitrary code runs; NumPy arrays are allowed
explicitly) and memory-mapped where the file format allows (``mmap=True``). Nested dicts are
flattened with ``/`` (``{"encoder": {"0": t}}`` -> layer ``encoder/0``); a top-level ``labels``
entry (tensor, array or list) is optional; plain numbers and strings become ``metadata``. A file
holding a single tensor is one layer named after the file.

Each access loads the file again: cheap for zip-format files of tensors (memory-mapped), a full
read for legacy-format files or NumPy arrays pickled inside (keep the array to reuse it).
"""

from __future__ import annotations

import contextlib
import pickle
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tda_nn._atomic import atomic_path
from tda_nn.errors import StoreError
from tda_nn.io._common import LABELS_KEY, corrupt, short, to_numpy

if TYPE_CHECKING:
    from tda_nn.io.activation_set import ActivationSet

_FORMAT = "PyTorch"


def _numpy_globals() -> list[Any]:
    """What ``weights_only`` unpickling needs to rebuild plain NumPy arrays."""
    dtypes = [type(np.dtype(code)) for code in "?bBhHiIlLqQefdgFD"]
    return [np.empty(0).__reduce__()[0], np.ndarray, np.dtype, *dtypes]


def torch_load(path: str) -> Any:
    """``torch.load`` with ``weights_only=True``, memory-mapped if possible, one-line errors."""
    import torch

    safe = getattr(torch.serialization, "safe_globals", None)

    def attempt(mmap: bool) -> Any:
        guard = safe(_numpy_globals()) if safe is not None else contextlib.nullcontext()
        with guard:
            return torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)

    if not Path(path).is_file():
        raise StoreError(f"{path}: no such file")
    _check_zip(path)
    with contextlib.suppress(Exception):
        return attempt(True)
    try:
        return attempt(False)
    except pickle.UnpicklingError as exc:
        detail = _unpickler_detail(str(exc))
        found = re.search(r"GLOBAL ([\w.]+)", detail)
        if found:
            raise StoreError(
                f"{path}: holds a {found.group(1)} object, not only tensors, arrays, numbers and "
                "strings; refusing to unpickle it (torch.load weights_only=True)"
            ) from None
        raise corrupt(path, _FORMAT, detail) from None
    except Exception as exc:  # torch raises RuntimeError, EOFError, zip and OS errors
        raise corrupt(path, _FORMAT, exc) from None


def _unpickler_detail(message: str) -> str:
    """The useful part of torch's long ``weights_only`` error message."""
    tail = message.split("WeightsUnpickler error:", 1)[-1]
    tail = tail.split("Check the documentation", 1)[0]
    return " ".join(tail.split())[:200] or "unpickling failed"


def _check_zip(path: str) -> None:
    """A zip-format checkpoint must have a readable zip directory (torch's own error is vague)."""
    try:
        with open(path, "rb") as fh:
            is_zip = fh.read(4) == b"PK\x03\x04"
        if is_zip:
            zipfile.ZipFile(path).close()
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise corrupt(path, _FORMAT, exc) from None


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or type(value).__module__.startswith("torch")


def _entries(obj: Any, path: str) -> tuple[dict[str, tuple[Any, ...]], Any, dict[str, Any]]:
    """``({layer: key path}, labels, metadata)`` of a loaded object."""
    if _is_array(obj):
        return {Path(path).stem: ()}, None, {}
    if not isinstance(obj, Mapping):
        raise StoreError(f"{path}: expected a dict of layer name -> tensor, got {type(obj).__name__}")
    layers: dict[str, tuple[Any, ...]] = {}
    metadata: dict[str, Any] = {}
    labels = obj.get(LABELS_KEY)

    def walk(mapping: Mapping[Any, Any], keys: tuple[Any, ...]) -> None:
        for key, value in mapping.items():
            name = "/".join(str(k) for k in (*keys, key))
            if not keys and key == LABELS_KEY:
                continue
            if _is_array(value):
                layers[name] = (*keys, key)
            elif isinstance(value, Mapping):
                walk(value, (*keys, key))
            elif value is None or isinstance(value, bool | int | float | str):
                metadata[name] = value
            else:
                raise StoreError(
                    f"{path}: entry {name!r} is a {type(value).__name__}, not a tensor or array"
                )

    walk(obj, ())
    return layers, labels, metadata


def _numpy_dtype(value: Any, path: str, name: str) -> np.dtype:
    if isinstance(value, np.ndarray):
        return value.dtype
    import torch

    if value.dtype in (torch.bfloat16, torch.float16):
        return np.dtype(np.float32)
    try:
        return torch.empty(0, dtype=value.dtype).numpy().dtype
    except (TypeError, RuntimeError):
        raise StoreError(f"{path}: layer {name!r} has unsupported torch dtype {value.dtype}") from None


def _get(obj: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        obj = obj[key]
    return obj


def read_torch(path: Path, layers: str | Iterable[str] | None) -> ActivationSet:
    """Read a ``.pt``/``.pth`` file as an :class:`ActivationSet`."""
    from tda_nn.io.activation_set import assemble

    src = str(path)
    obj = torch_load(src)
    entries, labels, metadata = _entries(obj, src)
    if labels is not None and not isinstance(labels, list | tuple):
        labels = np.array(to_numpy(labels))

    def meta(name: str) -> tuple[tuple[int, ...], np.dtype]:
        value = _get(obj, entries[name])
        return tuple(value.shape), _numpy_dtype(value, src, name)

    step = metadata.get("step") if isinstance(metadata.get("step"), int) else None
    return assemble(
        src, list(entries), layers, meta,
        lambda name: TorchLoader(src, entries[name], tuple(_get(obj, entries[name]).shape)),
        labels=labels, metadata=metadata, step=step,
    )


class TorchLoader:
    """Picklable loader of one tensor of a ``.pt`` file."""

    __slots__ = ("path", "keys", "shape")

    def __init__(self, path: str, keys: tuple[Any, ...], shape: tuple[int, ...]) -> None:
        self.path, self.keys, self.shape = path, tuple(keys), tuple(shape)


    def __call__(self) -> np.ndarray:
        name = "/".join(map(str, self.keys)) or Path(self.path).stem
        try:
            value = _get(torch_load(self.path), self.keys)
        except (KeyError, IndexError, TypeError):
            raise StoreError(f"{self.path}: entry {name!r} is gone") from None
        if not _is_array(value) or tuple(value.shape) != self.shape:
            raise StoreError(f"{self.path}: entry {name!r} changed since the file was opened")
        try:
            return to_numpy(value)
        except (TypeError, RuntimeError) as exc:
            raise StoreError(f"{self.path}: layer {name!r} cannot become an array ({short(exc)})") from None


def write_torch(path: Path, arrays: Mapping[str, np.ndarray], labels: np.ndarray | None) -> None:
    """``torch.save`` a dict of tensors (plus ``labels``), atomically, in layer order."""
    import torch

    obj: dict[str, Any] = {name: torch.from_numpy(np.array(arr)) for name, arr in arrays.items()}
    if labels is not None:
        obj[LABELS_KEY] = labels.tolist() if labels.dtype.kind == "U" else torch.from_numpy(
            np.array(labels)
        )
    with atomic_path(path, suffix=Path(path).suffix) as tmp:
        torch.save(obj, tmp)
