"""Seeds and random-number-generator state, so that runs repeat and resumed runs continue exactly.

On CPU, same seed, versions, hardware and torch thread count give bit-identical runs, resumed or
not; other thread counts may change the last bits. :func:`seed_everything` with
``deterministic=True`` also sets the GPU switches for reproducible kernels. What is and is not
deterministic, on CPU and on GPU: ``docs/pipelines-and-scale-out.md`` (Threads and determinism).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from tda_nn.checks import check_int
from tda_nn.errors import InputError, StoreError

_MAX_SEED = 2**32 - 1


def seed_everything(seed: int, *, deterministic: bool = True) -> int:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA device).

    Parameters
    ----------
    seed : int
        In ``[0, 2**32 - 1]``.
    deterministic : bool
        Also ask torch for deterministic algorithms (``warn_only=True``) and set the cuDNN / cuBLAS
        switches described in docs/pipelines-and-scale-out.md. This changes process-wide torch settings.

    Returns
    -------
    int
        The seed, as an ``int``.
    """
    import torch

    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= _MAX_SEED:
        raise InputError(f"seed must be an integer in [0, 2**32 - 1], got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator is what users' code draws from
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed


def check_threads(threads: Any) -> int | None:
    """A torch thread count: an integer >= 1, or None (torch's setting); else :class:`InputError`."""
    if threads is None:
        return None
    return check_int(threads, "threads", 1)


@contextmanager
def torch_threads(threads: int | None) -> Iterator[int]:
    """Run a block with ``torch.set_num_threads(threads)``; restore the previous count afterwards.

    Parameters
    ----------
    threads : int or None
        Torch intra-op threads (>= 1) inside the block; None leaves torch's setting as it is.

    Yields
    ------
    int
        ``torch.get_num_threads()`` inside the block.
    """
    import torch

    threads = check_threads(threads)
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        yield torch.get_num_threads()
    finally:
        if threads is not None:
            torch.set_num_threads(previous)


def get_rng_state() -> dict[str, Any]:
    """Snapshot of the global generators, in a form ``torch.load(weights_only=True)`` accepts.

    Returns
    -------
    dict
        ``{"python": ..., "numpy": {...}, "torch": ByteTensor, "cuda": [ByteTensor, ...]}``.
    """
    import torch

    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)  # noqa: NPY002
    state: dict[str, Any] = {
        "python": _to_lists(random.getstate()),
        "numpy": {
            "bit_generator": str(name),
            "key": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
        "cuda": [],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore generators saved by :func:`get_rng_state`.

    Parameters
    ----------
    state : dict
        The dict :func:`get_rng_state` returned (Python, NumPy and torch generators).
    """
    import torch

    try:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        npy = state["numpy"]
        np.random.set_state((  # noqa: NPY002
            npy["bit_generator"],
            npy["key"].numpy().astype(np.uint32),
            npy["pos"],
            npy["has_gauss"],
            npy["cached_gaussian"],
        ))
        torch.set_rng_state(state["torch"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise StoreError(f"checkpoint RNG state is malformed: {exc}") from exc
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def _to_lists(obj: Any) -> Any:
    if isinstance(obj, tuple):
        return [_to_lists(x) for x in obj]
    return obj
