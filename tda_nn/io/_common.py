"""Shared checks for every activation format: dtypes, shapes, labels, names and one-line errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from tda_nn.errors import InputError, StoreError, TdaNnError

MEMORY = "<memory>"
LABELS_KEY = "labels"


class LayerNotFoundError(InputError, KeyError):
    """An unknown layer name. Also a ``KeyError``, so ``Mapping`` helpers (``in``, ``get``) work."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def natural_key(name: str) -> list[Any]:
    """Sort key that compares digit runs as numbers: ``layer2`` before ``layer10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def natural_sorted(names: Iterable[str]) -> list[str]:
    """Names sorted with :func:`natural_key` (ties broken by the plain string)."""
    return sorted(names, key=lambda n: (natural_key(n), n))


def short(exc: BaseException, limit: int = 160) -> str:
    """One short line describing ``exc`` (first line of its message, ANSI codes removed)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = first or type(exc).__name__
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return f"{type(exc).__name__}: {first}"


def corrupt(path: object, fmt: str, detail: str | BaseException) -> StoreError:
    """The standard error for a truncated or corrupt file."""
    if isinstance(detail, BaseException):
        detail = short(detail)
    detail = " ".join(str(detail).split())
    return StoreError(f"{path}: truncated or corrupt {fmt} file ({detail})")


def walk_tree(
    root: Any,
    members: Callable[[Any, str], Iterable[tuple[str, Any, bool]]],
    *,
    source: str,
    fmt: str,
    errors: tuple[type[Exception], ...],
    identity: Callable[[Any], Hashable] | None = None,
) -> dict[str, Any]:
    """Every leaf (dataset, array) below ``root``, named by its ``/``-joined path, in walk order.

    Parameters
    ----------
    root : group
        The file's root group (HDF5, zarr, ...).
    members : callable ``(group, prefix) -> iterable of (key, node, is_group)``
        The children of ``group`` to visit; ``prefix`` is the group's path with a trailing ``/``
        (``""`` at the root), for error messages.
    source, fmt : str
        File and format named in the error for a corrupt file.
    errors : tuple of exception types
        What the format's library raises on a corrupt file.
    identity : callable ``node -> hashable``, optional
        Visit a node reached twice (hard links, cycles) only the first time.

    Returns
    -------
    dict str -> leaf
    """
    found: dict[str, Any] = {}
    seen: set[Hashable] = set()

    def walk(group: Any, prefix: str) -> None:
        for key, node, is_group in members(group, prefix):
            if identity is not None:
                ident = identity(node)
                if ident in seen:
                    continue
                seen.add(ident)
            if is_group:
                walk(node, prefix + key + "/")
            else:
                found[prefix + key] = node

    try:
        walk(root, "")
    except TdaNnError:
        raise
    except errors as exc:
        raise corrupt(source, fmt, exc) from None
    return found


def unknown_layer(source: str, layer: object, known: Sequence[str]) -> LayerNotFoundError:
    """The error for a layer name that is not there, with close matches."""
    hint = difflib.get_close_matches(str(layer), list(known), n=3, cutoff=0.5)
    if hint:
        tail = "did you mean " + ", ".join(repr(h) for h in hint) + "?"
    else:
        shown = ", ".join(repr(k) for k in list(known)[:8])
        more = f", ... ({len(known)} in all)" if len(known) > 8 else ""
        tail = f"known layers: {shown}{more}"
    return LayerNotFoundError(f"{source}: no layer {layer!r}; {tail}")


def select_layers(
    source: str, known: Sequence[str], layers: str | Iterable[str] | None
) -> list[str]:
    """Validate a layer selection against ``known``; ``None`` keeps all, a string selects one."""
    if layers is None:
        return list(known)
    wanted = [layers] if isinstance(layers, str) else list(layers)
    if not wanted:
        raise InputError(f"{source}: layers= selects no layer")
    seen: set[str] = set()
    known_set = set(known)
    for name in wanted:
        if not isinstance(name, str):
            raise InputError(f"{source}: layer names must be strings, got {name!r}")
        if name in seen:
            raise InputError(f"{source}: layer {name!r} selected twice")
        if name not in known_set:
            raise unknown_layer(source, name, known)
        seen.add(name)
    return wanted


def feature_dtype(dtype: np.dtype) -> np.dtype | None:
    """The float dtype activations of ``dtype`` are returned as; ``None`` if not numeric.

    float32 and float64 are kept, float16 becomes float32, integers and booleans become float64.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        if dtype.itemsize <= 2:
            return np.dtype(np.float32)
        if dtype.itemsize > 8:
            return np.dtype(np.float64)
        return dtype.newbyteorder("=")
    if dtype.kind in "iub":
        return np.dtype(np.float64)
    return None


def _dtype_problem(dtype: np.dtype) -> str:
    if dtype.kind == "c":
        return f"has complex dtype {dtype}; activations must be real numbers"
    return f"has non-numeric dtype {dtype}"


def flat_shape(shape: Sequence[int]) -> tuple[int, int]:
    """``(n_samples, n_features)`` of an array of ``shape`` once flattened per sample."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 1:
        return (shape[0], 1)
    return (shape[0], int(np.prod(shape[1:], dtype=np.int64)))


def check_layer_meta(
    source: str, layer: str, shape: Sequence[int], dtype: np.dtype, error: type[Exception]
) -> tuple[int, int]:
    """Check one layer's shape and dtype (without loading it); return its flattened 2-D shape."""
    shape = tuple(int(s) for s in shape)
    if feature_dtype(dtype) is None:
        raise error(f"{source}: layer {layer!r} {_dtype_problem(np.dtype(dtype))}")
    if len(shape) == 0:
        raise error(f"{source}: layer {layer!r} is a 0-d array (a scalar); expected (n_samples, ...)")
    if int(np.prod(shape, dtype=np.int64)) == 0:
        raise error(f"{source}: layer {layer!r} is empty (shape {shape})")
    return flat_shape(shape)


def check_same_n_samples(
    source: str, shapes: dict[str, tuple[int, int]], error: type[Exception]
) -> int:
    """Every layer must have the same first axis; return it."""
    names = list(shapes)
    first = names[0]
    n = shapes[first][0]
    for name in names[1:]:
        if shapes[name][0] != n:
            raise error(
                f"{source}: layer {name!r} has {shapes[name][0]} samples but layer {first!r} "
                f"has {n} (the first axis must match across layers)"
            )
    return n


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array for an array-like (torch tensors too, bfloat16 included); memmaps stay."""
    if type(array).__module__.startswith("torch"):
        tensor = array.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return tensor.numpy()
    if isinstance(array, np.ndarray):
        return array
    return np.asarray(array)


def as_features(array: np.ndarray, source: str, layer: str) -> np.ndarray:
    """Return ``array`` as ``(n_samples, n_features)`` float, flattened per sample.

    Memory maps stay memory maps where no dtype change or copy is needed.
    """
    target = feature_dtype(array.dtype)
    if target is None:
        raise InputError(f"{source}: layer {layer!r} {_dtype_problem(array.dtype)}")
    if array.ndim == 0:
        raise InputError(f"{source}: layer {layer!r} is a 0-d array (a scalar)")
    if array.ndim != 2:
        array = array.reshape(array.shape[0], -1)
    if array.dtype != target:
        array = np.asarray(array).astype(target)
    return array


def as_labels(values: Any, source: str) -> np.ndarray:
    """Labels as a 1-D array (numbers kept as numbers, text as ``str``)."""
    arr = to_numpy(values) if not isinstance(values, list | tuple) else np.asarray(values)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise InputError(f"{source}: labels must be 1-D, got shape {arr.shape}")
    if arr.dtype.kind == "S":
        arr = np.char.decode(arr, "utf-8")
    elif arr.dtype.kind == "O":
        items = [v.decode("utf-8") if isinstance(v, bytes) else v for v in arr.tolist()]
        arr = np.asarray(items)
        if arr.dtype.kind == "O":
            arr = arr.astype(str)
    if arr.dtype.kind not in "biufU":
        raise InputError(f"{source}: labels have unsupported dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise InputError(f"{source}: labels contain NaN or infinite values")
    return arr


def safe_file_names(names: Sequence[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """Map layer names to unique, portable ``.npy`` file names.

    A name made only of letters, digits, ``.``, ``_`` and ``-`` keeps itself; other characters
    (``/``, ``:``, spaces, ...) become ``_`` and a numeric suffix keeps the result unique, also on
    case-insensitive file systems. ``reserved`` stems (e.g. ``labels``) are never produced.
    """
    used = {r.lower() for r in reserved}
    out: dict[str, str] = {}
    for name in names:
        if _SAFE.fullmatch(name) and len(name) <= 120 and name.lower() not in used:
            out[name] = name
            used.add(name.lower())
    for name in names:
        if name in out:
            continue
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:100] or "layer"
        candidate, i = base, 1
        while candidate.lower() in used:
            candidate, i = f"{base}_{i}", i + 1
        out[name] = candidate
        used.add(candidate.lower())
    return {name: out[name] + ".npy" for name in names}


_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
