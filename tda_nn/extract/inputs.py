"""Turn what users pass (arrays, tensors, mappings of them, DataLoaders) into model-ready batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from tda_nn.errors import InputError

MASK_KEY = "attention_mask"


@dataclass
class Batch:
    """One forward pass worth of input.

    Attributes
    ----------
    args : tuple
        Positional arguments for the model (one tensor, or empty).
    kwargs : dict
        Keyword arguments for the model (a mapping input), else empty.
    n : int
        Number of samples in the batch.
    data : torch.Tensor, shape (n, ...)
        What the layer name ``"input"`` reads: the positional tensor, or the first batched entry
        of a mapping.
    mask : torch.Tensor of shape (n, seq) or None
        The ``attention_mask`` entry of a mapping input, if any.
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    n: int = 0
    data: torch.Tensor | None = None
    mask: torch.Tensor | None = None

    @property
    def keyword(self) -> bool:
        """Whether the model is called with keyword arguments (a mapping input)."""
        return bool(self.kwargs)


def _is_array(value: Any) -> bool:
    return isinstance(value, (np.ndarray, torch.Tensor)) and value.ndim >= 1


def _check_finite(value: np.ndarray | torch.Tensor, name: str) -> None:
    if isinstance(value, torch.Tensor):
        bad = value.is_floating_point() and not bool(torch.isfinite(value).all())
    else:
        bad = value.dtype.kind in "fc" and not bool(np.isfinite(value).all())
    if bad:
        raise InputError(f"{name} contains NaN or infinite values")


def _as_array(value: Any, name: str) -> np.ndarray | torch.Tensor:
    if isinstance(value, (np.ndarray, torch.Tensor)):
        array = value
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{name} cannot be read as an array: {exc}") from None
    if isinstance(array, np.ndarray) and array.dtype.kind not in "biufc":
        raise InputError(f"{name} has dtype {array.dtype}; expected numbers")
    if array.ndim == 0:
        raise InputError(f"{name} is a scalar; expected an array with samples along axis 0")
    if array.shape[0] == 0:
        raise InputError(f"{name} has no samples (length 0 along axis 0)")
    _check_finite(array, name)
    return array


def to_device(value: Any, device: torch.device, float_dtype: torch.dtype) -> Any:
    """Move a tensor/array (numpy becomes torch) to ``device``; floats take ``float_dtype``."""
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, torch.Tensor):
        if value.is_floating_point():
            return value.to(device=device, dtype=float_dtype)
        return value.to(device=device)
    return value


def _batch_from_parts(
    part: Any, device: torch.device, float_dtype: torch.dtype, where: str
) -> Batch:
    """A Batch from one tensor/array (positional) or one mapping (keyword arguments)."""
    if isinstance(part, Mapping):
        kwargs = {str(k): to_device(v, device, float_dtype) for k, v in part.items()}
        batched = [v for v in kwargs.values() if isinstance(v, torch.Tensor) and v.ndim >= 1]
        if not batched:
            raise InputError(f"{where} is a mapping without any array entry to batch")
        mask = kwargs.get(MASK_KEY)
        mask = mask if isinstance(mask, torch.Tensor) and mask.ndim == 2 else None
        return Batch((), kwargs, int(batched[0].shape[0]), batched[0], mask)
    if isinstance(part, (np.ndarray, torch.Tensor)) and part.ndim >= 1:
        tensor = to_device(part, device, float_dtype)
        return Batch((tensor,), {}, int(tensor.shape[0]), tensor, None)
    raise InputError(
        f"{where} is a {type(part).__name__}; expected a tensor, an array, a mapping of them, "
        "or a tuple/list whose first element is one of those"
    )


class ArraySource:
    """An array or tensor, batched along axis 0."""

    def __init__(self, X: Any) -> None:
        self.array = _as_array(X, "X")
        self.n_samples: int | None = int(self.array.shape[0])

    def batches(
        self, batch_size: int, device: torch.device, float_dtype: torch.dtype
    ) -> Iterator[Batch]:
        for start in range(0, self.n_samples or 0, batch_size):
            part = self.array[start : start + batch_size]
            yield _batch_from_parts(part, device, float_dtype, "X")


class MappingSource:
    """Keyword arguments for the model: array entries batched along axis 0, others passed as is."""

    def __init__(self, X: Mapping[str, Any]) -> None:
        self.entries: dict[str, Any] = {}
        lengths: dict[str, int] = {}
        for key, value in X.items():
            if not isinstance(key, str):
                raise InputError(f"X keys must be argument names (str); got {key!r}")
            if isinstance(value, (list, tuple)):
                value = _as_array(value, f"X[{key!r}]")
            if _is_array(value):
                value = _as_array(value, f"X[{key!r}]")
                lengths[key] = int(value.shape[0])
            self.entries[key] = value
        if not lengths:
            raise InputError("X is a mapping without any array entry to batch along axis 0")
        if len(set(lengths.values())) > 1:
            sizes = ", ".join(f"{k}: {v}" for k, v in lengths.items())
            raise InputError(f"X entries differ in length along axis 0 ({sizes})")
        self.batched = set(lengths)
        self.n_samples: int | None = next(iter(lengths.values()))

    def batches(
        self, batch_size: int, device: torch.device, float_dtype: torch.dtype
    ) -> Iterator[Batch]:
        for start in range(0, self.n_samples or 0, batch_size):
            part = {
                k: (v[start : start + batch_size] if k in self.batched else v)
                for k, v in self.entries.items()
            }
            yield _batch_from_parts(part, device, float_dtype, "X")


class LoaderSource:
    """A DataLoader (or other re-iterable of batches); its own batching is kept."""

    def __init__(self, X: Iterable[Any]) -> None:
        self.loader = X
        self.n_samples: int | None = None

    def batches(
        self, batch_size: int, device: torch.device, float_dtype: torch.dtype
    ) -> Iterator[Batch]:
        for i, item in enumerate(self.loader):
            part = item[0] if isinstance(item, (tuple, list)) and item else item
            batch = _batch_from_parts(part, device, float_dtype, f"batch {i} of X")
            if batch.n == 0:
                continue
            yield batch


Source = ArraySource | MappingSource | LoaderSource


def as_source(X: Any) -> Source:
    """Validate ``X`` and wrap it so that it can be cut into batches.

    Parameters
    ----------
    X : array-like, torch.Tensor, mapping or iterable of batches
        * numpy array / tensor / nested list: samples along axis 0, passed positionally;
        * mapping ``{argument name: array}`` (e.g. ``input_ids``, ``attention_mask``): passed as
          keyword arguments, entries with a batch axis sliced along axis 0, others (flags,
          scalars) passed unchanged in every call;
        * a ``torch.utils.data.DataLoader`` or other iterable that is not a list/tuple: its
          batches are used as they come; a tuple/list batch such as ``(x, y)`` gives its first
          element, a dict batch is passed as keyword arguments.

    Returns
    -------
    source : ArraySource, MappingSource or LoaderSource
        ``source.n_samples`` is the number of samples, or None for a loader.
    """
    if isinstance(X, (np.ndarray, torch.Tensor, list, tuple)):
        return ArraySource(X)
    if isinstance(X, Mapping):
        return MappingSource(X)
    if isinstance(X, Iterable) and not isinstance(X, (str, bytes)):
        if isinstance(X, Iterator):
            raise InputError(
                "X is a one-shot iterator; pass a DataLoader or another re-iterable collection"
            )
        return LoaderSource(X)
    return ArraySource(X)
