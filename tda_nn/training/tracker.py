"""Persistence over training: capture a probe set's activations from inside any PyTorch loop.

A :class:`TopologyTracker` is called at chosen steps (or epochs); each capture stores every
layer's activations and the predicted labels in a :class:`tda_nn.io.RunStore`, checkpoints the
model and marks the step complete, so a re-run resumes. A full example loop:
``docs/pipelines-and-scale-out.md``.
"""

from __future__ import annotations

import hashlib
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.errors import InputError
from tda_nn.io.store import check_step
from tda_nn.training._inputs import float32_samples, integer_labels
from tda_nn.training.checkpoints import (
    checkpoint_path,
    list_checkpoints,
    load_checkpoint,
    save_checkpoint,
)
from tda_nn.training.seeding import set_rng_state

UNITS = ("step", "epoch")


class TopologyTracker:
    """Capture probe activations, predictions and checkpoints at scheduled training steps.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained (the same object the loop updates).
    layers : list of str or None
        Module paths to capture; ``None`` takes the extractor's default layers (for the reference
        models of :mod:`tda_nn.training.models`: the activation modules, or the end of each conv
        block, and ``"out"``).
    probe_X : array-like, shape (n_samples, ...)
        Probe inputs, fixed for the whole run.
    probe_y : array-like of int, shape (n_samples,), optional
        True labels of the probe points (stored in the manifest).
    every : int or iterable of int
        Capture when ``step % every == 0``, or at exactly the listed steps. Step 0 is always on
        the schedule (call the tracker once before training to record the initial state).
    store : str, os.PathLike or RunStore
        Run directory (created, or reopened when it already holds this probe set) or an open
        store. Checkpoints go to ``<store root>/checkpoints/step_XXXXXXXX.pt``.
    unit : {"step", "epoch"}
        What a step number counts; recorded in the manifest.
    save_checkpoints : bool
        Save model (and optimizer) state at each capture.
    optimizer : torch.optim.Optimizer, optional
        Saved in checkpoints too, so :meth:`resume` can restore it.
    batch_size : int
        Probe batch size for the extraction.
    device : str or torch.device, optional
        Where the extraction runs; None: where the model is (see ``ActivationExtractor``).
    reduce : {"flatten", "mean", "max"}
        How the extractor makes multi-axis layer outputs 2-D.
    model_info, data_info : dict, optional
        Recorded in the manifest (``model`` and ``data`` fields) when the store is created.

    Attributes
    ----------
    store : RunStore
    layer_names : list of str
        Resolved layer paths, in capture order.
    run_dir : pathlib.Path
    """

    def __init__(
        self,
        model: Any,
        layers: list[str] | None,
        probe_X: Any,
        probe_y: Any = None,
        *,
        store: Any,
        every: int | Iterable[int] = 1,
        unit: str = "step",
        save_checkpoints: bool = True,
        optimizer: Any = None,
        batch_size: int = 256,
        device: Any = None,
        reduce: str = "flatten",
        model_info: dict[str, Any] | None = None,
        data_info: dict[str, Any] | None = None,
    ) -> None:
        from tda_nn.extract import ActivationExtractor

        if unit not in UNITS:
            raise InputError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
        self.model = model
        self.unit = unit
        self.save_checkpoints = bool(save_checkpoints)
        self.optimizer = optimizer
        self._every, self._steps = _schedule(every)
        self.probe_X = float32_samples(probe_X, "probe_X")
        self.probe_y = _labels(probe_y, len(self.probe_X))
        self._extractor = ActivationExtractor(
            model, layers=layers, batch_size=batch_size, device=device, reduce=reduce
        ).fit(self.probe_X)
        self.layer_names = list(self._extractor.layer_names_)
        self.store = self._open_store(store, model_info, data_info)
        self.run_dir = Path(self.store.root)

    # schedule -----------------------------------------------------------------------------
    def should_capture(self, step: int) -> bool:
        """Whether ``step`` is on the schedule (regardless of what is already stored).

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        """
        step = check_step(step)
        if step == 0:
            return True
        if self._every is not None:
            return step % self._every == 0
        return step in self._steps

    def is_complete(self, step: int) -> bool:
        """Whether ``step`` has been captured completely.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        """
        return bool(self.store.is_complete(step))

    @property
    def steps(self) -> list[int]:
        """Captured steps, sorted."""
        return list(self.store.steps)

    # capture ------------------------------------------------------------------------------
    def step(self, step: int, *, extra: dict[str, Any] | None = None) -> bool:
        """Capture ``step`` if it is on the schedule and not yet complete.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        extra : dict, optional
            Saved in the checkpoint under ``"extra"`` (plain Python values and tensors only).

        Returns
        -------
        bool
            True if a capture was made by this call.
        """
        if not self.should_capture(step) or self.is_complete(step):
            return False
        return self.capture(step, extra=extra)

    __call__ = step

    def capture(self, step: int, *, extra: dict[str, Any] | None = None) -> bool:
        """Capture ``step`` now, whatever the schedule says (a complete step is left as it is).

        Order: activations, predictions, checkpoint, then the completion mark; a crash before the
        mark leaves the step incomplete, and the next capture of it rewrites every file.

        Parameters
        ----------
        step : int
        extra : dict, optional
            Saved in the checkpoint under ``"extra"`` (plain Python values and tensors only).

        Returns
        -------
        bool
            False if the step was already complete.
        """
        step = check_step(step)
        if self.is_complete(step):
            return False
        was_training = self.model.training
        try:
            clouds, output = self._extractor.extract(self.probe_X)
        finally:
            self.model.train(was_training)
        for layer, cloud in zip(self.layer_names, clouds, strict=True):
            self.store.write_activations(step, layer, cloud)
        self.store.write_predictions(step, predictions_from_output(output))
        if self.save_checkpoints:
            save_checkpoint(
                checkpoint_path(self.run_dir, step),
                model=self.model,
                step=step,
                optimizer=self.optimizer,
                extra={"unit": self.unit, **(extra or {})},
            )
        self.store.mark_complete(step)
        return True

    # resume -------------------------------------------------------------------------------
    def latest_checkpoint(self) -> int | None:
        """The largest step with a checkpoint, or None."""
        steps = list_checkpoints(self.run_dir)
        return steps[-1] if steps else None

    def resume(self, *, restore_rng: bool = True) -> int | None:
        """Load model, optimizer and RNG state from the latest checkpoint.

        Parameters
        ----------
        restore_rng : bool
            Also restore the Python, NumPy and torch generators saved with it.

        Returns
        -------
        int or None
            The checkpoint's step (continue training after it), or None when there is none.
        """
        step = self.latest_checkpoint()
        if step is None:
            return None
        payload = self.load_checkpoint(step)
        if restore_rng:
            set_rng_state(payload["rng"])
        return step

    def load_checkpoint(self, step: int) -> dict[str, Any]:
        """Load the weights (and optimizer state, if any) saved at ``step``; return the payload.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        """
        path = checkpoint_path(self.run_dir, check_step(step))
        payload = load_checkpoint(path, map_location=_model_device(self.model))
        try:
            self.model.load_state_dict(payload["model"])
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0]
            raise InputError(f"checkpoint {path} does not fit the tracked model: {first}") from exc
        if self.optimizer is not None and payload.get("optimizer") is not None:
            self.optimizer.load_state_dict(payload["optimizer"])
        return payload

    # store --------------------------------------------------------------------------------
    def _open_store(
        self, store: Any, model_info: dict[str, Any] | None, data_info: dict[str, Any] | None
    ) -> Any:
        from tda_nn.io import RunStore

        digest = probe_digest(self.probe_X, self.probe_y)
        tracker_info = {
            "unit": self.unit,
            "every": self._every if self._every is not None else sorted(self._steps),
            "layers": self.layer_names,
            "probe_sha256": digest,
            "probe_shape": list(self.probe_X.shape),
        }
        if isinstance(store, RunStore):
            opened = store
        elif isinstance(store, str | os.PathLike):
            opened = RunStore.create(
                store,
                layer_names=self.layer_names,
                n_samples=len(self.probe_X),
                labels=self.probe_y,
                model=model_info if model_info is not None else describe_model(self.model),
                data=data_info,
                extra={"tracker": tracker_info},
                exist_ok=True,
            )
        else:
            raise InputError(f"store must be a run directory path or a RunStore, got {type(store).__name__}")
        self._check_store(opened, digest)
        return opened

    def _check_store(self, store: Any, digest: str) -> None:
        if list(store.layer_names) != self.layer_names:
            raise InputError(
                f"run store {store.root} holds layers {list(store.layer_names)}, the tracker captures "
                f"{self.layer_names}; use a new run directory or the same layers"
            )
        if int(store.n_samples) != len(self.probe_X):
            raise InputError(
                f"run store {store.root} holds {store.n_samples} probe points, probe_X has "
                f"{len(self.probe_X)}; use a new run directory"
            )
        saved = (store.manifest.get("extra") or {}).get("tracker") or {}
        if saved.get("unit", self.unit) != self.unit:
            raise InputError(
                f"run store {store.root} counts captures in {saved['unit']}s, the tracker in "
                f"{self.unit}s; use a new run directory or the same unit"
            )
        stored = saved.get("probe_sha256")
        if stored is not None and stored != digest:
            raise InputError(
                f"run store {store.root} was made with a different probe set; use a new run directory"
            )


def predictions_from_output(output: Any) -> np.ndarray:
    """Predicted labels from model outputs: argmax over columns, or ``> 0`` for one logit.

    Parameters
    ----------
    output : array-like, shape (n,) or (n, k)
        Model output: logits ``(n, k)``, or one logit per sample.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    out = np.asarray(output)
    if out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        return (out.reshape(-1) > 0).astype(np.int64)
    if out.ndim == 2:
        return np.argmax(out, axis=1).astype(np.int64)
    raise InputError(f"model output must be (n,) or (n, k) to give predictions, got shape {out.shape}")


def probe_digest(X: np.ndarray, y: np.ndarray | None) -> str:
    """SHA-256 of the probe inputs (shape, float32 bytes) and labels; identifies a probe set."""
    h = hashlib.sha256()
    h.update(repr(tuple(X.shape)).encode())
    h.update(np.ascontiguousarray(X, dtype=np.float32).tobytes())
    if y is not None:
        h.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return h.hexdigest()


def describe_model(model: Any) -> dict[str, Any]:
    """A small JSON-able description of a torch model for manifests."""
    n_params = sum(int(p.numel()) for p in model.parameters())
    return {"class": type(model).__name__, "n_parameters": n_params, "repr": repr(model)}


def _schedule(every: Any) -> tuple[int | None, frozenset[int]]:
    if isinstance(every, numbers.Integral) and not isinstance(every, bool):
        if every < 1:
            raise InputError(f"every must be a positive integer or a list of steps, got {every!r}")
        return int(every), frozenset()
    if isinstance(every, str) or not isinstance(every, Iterable):
        raise InputError(f"every must be a positive integer or a list of steps, got {every!r}")
    steps = list(every)
    for s in steps:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise InputError(f"every: steps must be non-negative integers, got {s!r}")
    return None, frozenset(int(s) for s in steps)


def _labels(y: Any, n: int) -> np.ndarray | None:
    return None if y is None else integer_labels(y, n, "probe_y", allow_bool=True)


def _model_device(model: Any) -> Any:
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return "cpu"
