"""Checks of the arrays a training loop or a tracker is given: samples and class labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from tda_nn.errors import InputError


def _numpy(value: Any) -> Any:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


def float32_samples(X: Any, name: str) -> np.ndarray:
    """``X`` (array or tensor) as a finite C-contiguous float32 array of shape ``(n_samples, ...)``."""
    try:
        arr = np.asarray(_numpy(X), dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric array: {exc}") from exc
    if arr.ndim < 2 or arr.shape[0] == 0:
        raise InputError(f"{name} must have shape (n_samples, ...) with n_samples >= 1, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite values")
    return np.ascontiguousarray(arr)


def integer_labels(y: Any, n: int, name: str, *, allow_bool: bool = False) -> np.ndarray:
    """``y`` (array or tensor) as int64 class labels of shape ``(n,)``; integral floats are accepted."""
    arr = np.asarray(_numpy(y))
    if arr.ndim != 1 or len(arr) != n:
        raise InputError(f"{name} must have shape ({n},), got {arr.shape}")
    if arr.dtype.kind not in ("iub" if allow_bool else "iu"):
        if arr.dtype.kind != "f" or not np.isfinite(arr).all() or np.any(arr != np.round(arr)):
            raise InputError(f"{name} must hold integer class labels")
    return arr.astype(np.int64)
