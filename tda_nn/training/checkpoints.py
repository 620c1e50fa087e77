"""Model checkpoints at capture steps: ``RUN_DIR/checkpoints/step_XXXXXXXX.pt``.

One file per step holds a dict::

    {"format": 1, "step": int, "model": state_dict, "optimizer": state_dict | None,
     "rng": get_rng_state(), "extra": dict}

Files are written atomically (temporary file + rename) and read with ``weights_only=True``, so
``extra`` may only hold tensors and plain Python values (no NumPy scalars or arrays). A later
analysis reloads one into a fresh model with :func:`load_model_state` and extracts other layers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from tda_nn._atomic import atomic_path
from tda_nn.errors import InputError, StoreError
from tda_nn.training.seeding import get_rng_state

CHECKPOINT_DIR = "checkpoints"
FORMAT = 1
_NAME = re.compile(r"^step_(\d{8,})\.pt$")


def checkpoint_path(run_dir: str | os.PathLike[str], step: int) -> Path:
    """Path of the checkpoint of ``step`` in ``run_dir``.

    Parameters
    ----------
    run_dir : str or PathLike
        The run directory (checkpoints live in ``run_dir/checkpoints/``).
    step : int
        Training step (``>= 0``).
    """
    if step < 0:
        raise InputError(f"step must be >= 0, got {step}")
    return Path(run_dir) / CHECKPOINT_DIR / f"step_{int(step):08d}.pt"


def list_checkpoints(run_dir: str | os.PathLike[str]) -> list[int]:
    """Steps that have a checkpoint in ``run_dir``, sorted (temporary files are ignored).

    Parameters
    ----------
    run_dir : str or PathLike
        The run directory (checkpoints live in ``run_dir/checkpoints/``).
    """
    folder = Path(run_dir) / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    steps = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match and entry.is_file():
            steps.append(int(match.group(1)))
    return sorted(steps)


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: Any,
    step: int,
    optimizer: Any = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write model (and optimizer) state, global RNG states and ``extra`` atomically to ``path``.

    Parameters
    ----------
    path : str or PathLike
        The checkpoint file (see :func:`checkpoint_path`).
    model : torch.nn.Module
        Its ``state_dict()`` is saved.
    step : int
        Training step recorded in the checkpoint.
    optimizer : torch.optim.Optimizer or None
        Its ``state_dict()`` is saved too when given.
    extra : dict or None
        Anything else to keep (``torch.save``-able, loadable with ``weights_only=True``).
    """
    import torch

    payload = {
        "format": FORMAT,
        "step": int(step),
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "rng": get_rng_state(),
        "extra": dict(extra or {}),
    }
    path = Path(path)
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | os.PathLike[str], map_location: Any = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Parameters
    ----------
    path : str or PathLike
        The checkpoint file.
    map_location : str, torch.device or callable
        Passed to ``torch.load``: where tensors are loaded (default ``"cpu"``).

    Raises
    ------
    StoreError
        The file is missing, truncated, or not a tda-nn checkpoint.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise StoreError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise StoreError(f"checkpoint {path} cannot be read: {type(exc).__name__}: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or "model" not in payload:
        raise StoreError(f"checkpoint {path} is not a tda-nn checkpoint (format {FORMAT})")
    return payload


def load_model_state(
    model: Any, run_dir: str | os.PathLike[str], step: int, map_location: Any = "cpu"
) -> Any:
    """Load the weights saved at ``step`` in ``run_dir`` into ``model``; returns ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        A model of the architecture that was saved.
    run_dir : str or PathLike
        The run directory (checkpoints live in ``run_dir/checkpoints/``).
    step : int
        Training step of the checkpoint.
    map_location : str, torch.device or callable
        Passed to ``torch.load`` (default ``"cpu"``).
    """
    payload = load_checkpoint(checkpoint_path(run_dir, step), map_location=map_location)
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"checkpoint {checkpoint_path(run_dir, step)} does not fit model "
            f"{type(model).__name__}: {first}"
        ) from exc
    return model
