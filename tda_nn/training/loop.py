"""Train a reference model the way Naitzat et al. (JMLR 2020) do, resumably.

:func:`train_reference` runs full-batch (or mini-batch) Adam/SGD with cross-entropy, optional step
decay of the learning rate, and stops once the training accuracy reaches a target (the paper only
analyses nets with 100% training accuracy). At each capture step it records a metrics row, lets
the tracker store the probe activations, and saves a checkpoint holding the model, the optimizer,
the RNG states, the step and the metrics so far.

Re-running the same call on the same run directory after a crash or ``kill -9`` continues from the
latest checkpoint. Mini-batch order is a pure function of ``(seed, epoch)`` and the learning rate a
pure function of the epoch, so the continued run computes exactly what an uninterrupted run would:
activations, checkpoints and ``metrics.csv`` are bit-identical (on CPU, at the same torch thread
count; see :mod:`tda_nn.training.seeding` for what holds across thread counts and on GPU).

Steps and epochs: a step is one optimizer update; an epoch is ``ceil(n_train / batch_size)`` steps
(one step when full batch). Step ``s`` means "after ``s`` updates", so step 0 is the untrained model.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import atomic_open
from tda_nn.checks import check_int
from tda_nn.errors import InputError, StoreError
from tda_nn.training._inputs import float32_samples, integer_labels
from tda_nn.training.checkpoints import (
    checkpoint_path,
    list_checkpoints,
    load_checkpoint,
    save_checkpoint,
)
from tda_nn.training.seeding import (
    check_threads,
    seed_everything,
    set_rng_state,
    torch_threads,
)

METRIC_COLUMNS = ("step", "epoch", "loss", "train_accuracy", "test_accuracy")
OPTIMIZERS = ("adam", "sgd")


@dataclass
class TrainResult:
    """What :func:`train_reference` did.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Columns ``step, epoch, loss, train_accuracy, test_accuracy``; one row per logged step
        (step 0, every capture step, every ``metrics_every`` step, the last step).
        ``loss`` and ``train_accuracy`` are over the whole training set, in eval mode.
    steps : int
        Optimizer steps taken in all (including those of earlier, interrupted runs).
    epochs : float
        ``steps / steps_per_epoch``.
    final_loss, final_train_accuracy, final_test_accuracy : float
        At the last step (test accuracy is NaN without test data).
    reached_target : bool
        Whether ``target_train_accuracy`` was reached (False when it is None).
    stop_reason : {"target", "epochs"}
    resumed_from : int or None
        Optimizer step of the checkpoint this call continued from.
    captured : list of int
        Steps (or epochs, for an epoch-unit tracker) with complete captures / checkpoints.
    run_dir : pathlib.Path or None
    thread_history : list of [int, int or None]
        ``[first_step, torch_threads]`` for each stretch of training: the torch intra-op thread
        count that computed the steps after ``first_step`` (and their captures and metrics). More
        than one entry means a resume changed the count, so the last bits may differ from an
        uninterrupted run; None: the stretch was written by a version that did not record it.
    """

    metrics: pd.DataFrame
    steps: int
    epochs: float
    final_loss: float
    final_train_accuracy: float
    final_test_accuracy: float
    reached_target: bool
    stop_reason: str
    resumed_from: int | None = None
    captured: list[int] = field(default_factory=list)
    run_dir: Path | None = None
    thread_history: list[list[int | None]] = field(default_factory=list)


def train_reference(
    model: Any,
    X_train: Any,
    y_train: Any,
    X_test: Any = None,
    y_test: Any = None,
    *,
    epochs: int,
    optimizer: str | Callable[..., Any] = "adam",
    lr: float = 1e-3,
    batch_size: int | None = None,
    seed: int = 0,
    lr_decay: tuple[float, int] | None = None,
    weight_decay: float = 0.0,
    target_train_accuracy: float | None = 1.0,
    tracker: Any = None,
    capture_every: int | None = None,
    metrics_every: int | None = None,
    run_dir: str | Path | None = None,
    metrics_path: str | Path | None = None,
    resume: bool = True,
    device: Any = None,
    progress: bool | None = None,
    deterministic: bool = True,
    eval_batch_size: int = 8192,
    callback: Callable[[int, Any], None] | None = None,
    threads: int | None = None,
) -> TrainResult:
    """Train ``model`` with cross-entropy; capture, checkpoint and log along the way; resumable.

    Seed before building the model (or give ``build_model`` a ``seed``) so that the initial
    weights repeat too; this function seeds everything else with ``seed``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(n, ...)`` inputs to logits ``(n, n_classes)``, ``n_classes >= 2``.
    X_train : array-like, shape (n_train, ...)
        Training inputs.
    y_train : array-like of int, shape (n_train,)
        Labels in ``[0, n_classes)``.
    X_test, y_test : array-like, optional
        Held-out set for ``test_accuracy`` (NaN without it).
    epochs : int
        Maximum number of epochs (with full batch: of steps).
    optimizer : {"adam", "sgd"} or callable
        A name, or ``callable(params, lr=..., weight_decay=...) -> torch.optim.Optimizer``.
    lr : float
        Initial learning rate.
    batch_size : int or None
        None: full batch, as the paper. Otherwise mini-batches in an order drawn from
        ``(seed, epoch)``; the last batch of an epoch may be smaller.
    seed : int
        Seeds Python, NumPy and torch at the start (see ``seed_everything``) and the batch order.
    lr_decay : (factor, every_epochs), optional
        Multiply the learning rate by ``factor`` every ``every_epochs`` epochs (the paper: 0.5
        every 2,500 full-batch steps).
    weight_decay : float
        Passed to the optimizer (``>= 0``).
    target_train_accuracy : float or None
        Stop at the first epoch end where the training accuracy is at least this (1.0 = 100%);
        None trains for ``epochs``.
    tracker : TopologyTracker, optional
        Tracks ``model``; its schedule decides the capture steps (in epochs for ``unit="epoch"``,
        captured at epoch ends), its run directory holds checkpoints and ``metrics.csv``. If it
        has no optimizer, this call's optimizer is attached to it. The last step is always
        captured.
    capture_every : int, optional
        Without a tracker: log a metrics row and save a checkpoint (if ``run_dir``) every this many
        steps. Give either this or a tracker.
    metrics_every : int, optional
        Also log a metrics row every this many steps (rows are written at the next capture).
    run_dir : path, optional
        Without a tracker: where checkpoints and ``metrics.csv`` go. With one it must be None or
        the tracker's directory.
    metrics_path : path, optional
        Defaults to ``run_dir / "metrics.csv"``; written atomically at each capture and at the end.
    resume : bool
        Continue from the latest checkpoint in the run directory. With False the run directory
        must not hold checkpoints or captures yet.
    device : str or torch.device, optional
        Default: where the model's parameters are. Given, the model is moved there.
    progress : bool or None
        tqdm progress bar; None shows it only when stderr is a terminal.
    deterministic : bool
        Passed to ``seed_everything``.
    eval_batch_size : int
        Chunk size of the full-data evaluations.
    callback : callable(step, model), optional
        Called after each optimizer update with the new step number.
    threads : int or None
        ``torch.set_num_threads(threads)`` while training, evaluating and capturing; the previous
        count is restored on return. None leaves torch's setting. Bit-identical resumes hold at one
        thread count only: resuming with another count warns and is recorded in
        ``TrainResult.thread_history`` and the checkpoints (see :mod:`tda_nn.training.seeding`).

    Returns
    -------
    TrainResult
    """
    epochs = _int_at_least(epochs, 0, "epochs")
    lr = _positive_float(lr, "lr")
    weight_decay = _float_at_least(weight_decay, 0.0, "weight_decay")
    eval_batch_size = _int_at_least(eval_batch_size, 1, "eval_batch_size")
    threads = check_threads(threads)
    decay = _lr_decay(lr_decay)
    target_train_accuracy = _target_accuracy(target_train_accuracy)
    capture_every, metrics_every = _log_intervals(capture_every, metrics_every, tracker)

    data = _training_data(model, X_train, y_train, X_test, y_test, batch_size, device)
    opt = _make_optimizer(optimizer, model, lr, weight_decay)
    run_dir, unit = _run_directory(run_dir, tracker, model, opt)
    if metrics_path is None and run_dir is not None:
        metrics_path = run_dir / "metrics.csv"
    config = _run_config(optimizer, lr, data, seed, decay, weight_decay, model, unit)

    seed_everything(seed, deterministic=deterministic)
    state = _resume_state(run_dir, resume, tracker, config, model, opt)
    training = _Training(
        model=model,
        opt=opt,
        data=data,
        schedule=_Schedule(data.per_epoch, epochs * data.per_epoch, unit, tracker, capture_every,
                           metrics_every, target_train_accuracy),
        seed=int(seed),
        lr=lr,
        decay=decay,
        eval_batch_size=eval_batch_size,
        run_dir=run_dir,
        metrics_path=None if metrics_path is None else Path(metrics_path),
        config=config,
        state=state,
        callback=callback,
    )
    step, reached, metrics = training.run(threads, sys.stderr.isatty() if progress is None else progress)

    if metrics_path is not None:
        _write_metrics(metrics_path, state.rows)
    return TrainResult(
        metrics=_metrics_frame(state.rows),
        steps=step,
        epochs=step / data.per_epoch,
        final_loss=metrics["loss"],
        final_train_accuracy=metrics["train_accuracy"],
        final_test_accuracy=metrics["test_accuracy"],
        reached_target=reached,
        stop_reason="target" if reached else "epochs",
        resumed_from=state.resumed_from,
        captured=_captured(tracker, run_dir),
        run_dir=run_dir,
        thread_history=[list(entry) for entry in state.history],
    )


def read_metrics(path: str | Path) -> pd.DataFrame:
    """Read a ``metrics.csv`` written by :func:`train_reference` (columns ``METRIC_COLUMNS``).

    Parameters
    ----------
    path : str or Path
        The ``metrics.csv`` file.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"metrics table {path} does not exist")
    table = pd.read_csv(path)
    if tuple(table.columns) != METRIC_COLUMNS:
        raise StoreError(f"metrics table {path} has columns {list(table.columns)}, expected {list(METRIC_COLUMNS)}")
    return table


# ------------------------------------------------------------------------------------------------
# The steps of train_reference: check the arguments, prepare the data and the run directory,
# resume, then loop (evaluate, log, capture, stop or take one optimizer step).


@dataclass(frozen=True)
class _Data:
    """Training tensors on the model's device, the held-out pair, and the batching."""

    X: Any
    y: Any
    test: tuple[Any, Any] | None
    batch_size: int
    per_epoch: int


@dataclass(frozen=True)
class _Schedule:
    """Which steps are evaluated, logged, captured, and when training stops."""

    per_epoch: int
    total: int
    unit: str
    tracker: Any
    capture_every: int | None
    metrics_every: int | None
    target: float | None

    def captures(self, step: int) -> bool:
        if self.tracker is not None:
            if self.unit == "epoch":
                return step % self.per_epoch == 0 and self.tracker.should_capture(step // self.per_epoch)
            return self.tracker.should_capture(step)
        return step == 0 or (self.capture_every is not None and step % self.capture_every == 0)

    def logs(self, step: int, capture: bool) -> bool:
        return capture or step == 0 or (self.metrics_every is not None and step % self.metrics_every == 0)

    def reached(self, step: int, metrics: dict[str, float] | None) -> bool:
        """The target accuracy is checked at epoch ends only."""
        return (
            self.target is not None
            and step % self.per_epoch == 0
            and metrics is not None
            and metrics["train_accuracy"] >= self.target
        )

    def key(self, step: int) -> int:
        """The capture number of ``step``: the step itself, or its epoch."""
        return step if self.unit == "step" else step // self.per_epoch


@dataclass
class _State:
    """What a run carries from checkpoint to checkpoint: where it starts, the metrics rows so far
    and the thread-count history."""

    start: int = 0
    resumed_from: int | None = None
    rows: dict[int, dict[str, float]] = field(default_factory=dict)
    history: list[list[int | None]] = field(default_factory=list)


@dataclass
class _Training:
    """The loop of :func:`train_reference`, with everything it needs."""

    model: Any
    opt: Any
    data: _Data
    schedule: _Schedule
    seed: int
    lr: float
    decay: tuple[float, int] | None
    eval_batch_size: int
    run_dir: Path | None
    metrics_path: Path | None
    config: dict[str, Any]
    state: _State
    callback: Callable[[int, Any], None] | None

    def run(self, threads: int | None, progress: bool) -> tuple[int, bool, dict[str, float]]:
        """Train until the target or the last step; returns the last step, whether the target was
        reached, and the metrics of the last step."""
        from tqdm.auto import tqdm

        state = self.state
        bar = tqdm(total=self.schedule.total, initial=state.start, disable=not progress, unit="step",
                   desc="training", leave=False)
        was_training = self.model.training
        step = state.start
        try:
            with torch_threads(threads) as n_threads:
                if not state.history:
                    state.history.append([0, n_threads])
                while True:
                    metrics, reached, stop = self._observe(step, bar)
                    if stop:
                        assert metrics is not None  # the last step is always evaluated
                        return step, reached, metrics
                    if state.history[-1][1] != n_threads:
                        _note_thread_change(state.history, step, n_threads, self.run_dir)
                    _train_step(self.model, self.opt, self.data.X, self.data.y, step,
                                self.data.per_epoch, self.data.batch_size, self.seed, self.lr,
                                self.decay)
                    step += 1
                    bar.update(1)
                    if self.callback is not None:
                        self.callback(step, self.model)
        finally:
            bar.close()
            self.model.train(was_training)

    def _observe(self, step: int, bar: Any) -> tuple[dict[str, float] | None, bool, bool]:
        """Evaluate, log and capture at ``step`` as scheduled; returns its metrics (None when not
        evaluated), whether the target is reached and whether training stops here."""
        schedule = self.schedule
        capture = schedule.captures(step)
        log = schedule.logs(step, capture)
        evaluated = log or step % schedule.per_epoch == 0 or step >= schedule.total
        metrics = self._evaluate(step) if evaluated else None
        reached = schedule.reached(step, metrics)
        stop = reached or step >= schedule.total
        if metrics is not None and (log or stop):
            self.state.rows[step] = metrics
            bar.set_postfix(loss=f"{metrics['loss']:.4g}", acc=f"{metrics['train_accuracy']:.3f}")
        if capture or stop:
            _capture(self.model, self.opt, schedule.tracker, self.run_dir, schedule.key(step), step,
                     schedule.per_epoch, self.config, self.state.rows, self.state.history)
            if self.metrics_path is not None:
                _write_metrics(self.metrics_path, self.state.rows)
        return metrics, reached, stop

    def _evaluate(self, step: int) -> dict[str, float]:
        data = self.data
        loss, train_acc = _evaluate(self.model, data.X, data.y, self.eval_batch_size)
        test_acc = math.nan if data.test is None else _evaluate(self.model, *data.test, self.eval_batch_size)[1]
        return {
            "step": step,
            "epoch": step / data.per_epoch,
            "loss": loss,
            "train_accuracy": train_acc,
            "test_accuracy": test_acc,
        }


def _target_accuracy(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not 0 < value <= 1:
        raise InputError(f"target_train_accuracy must be in (0, 1], got {value!r}")
    return value


def _log_intervals(capture_every: Any, metrics_every: Any, tracker: Any) -> tuple[int | None, int | None]:
    """Checked ``capture_every`` (only without a tracker) and ``metrics_every``."""
    if capture_every is not None:
        if tracker is not None:
            raise InputError("capture_every: the tracker's `every` sets the capture schedule; give one of them")
        capture_every = _int_at_least(capture_every, 1, "capture_every")
    if metrics_every is not None:
        metrics_every = _int_at_least(metrics_every, 1, "metrics_every")
    return capture_every, metrics_every


def _training_data(
    model: Any, X_train: Any, y_train: Any, X_test: Any, y_test: Any, batch_size: Any, device: Any
) -> _Data:
    """Move the model to ``device`` (if given), check the data against it, and fix the batching."""
    import torch

    dev = torch.device(device) if device is not None else _model_device(model)
    if device is not None:
        model.to(dev)
    X, y = _tensors(X_train, y_train, "X_train", "y_train", dev)
    if (X_test is None) != (y_test is None):
        raise InputError("give both X_test and y_test, or neither")
    test = None if X_test is None else _tensors(X_test, y_test, "X_test", "y_test", dev)
    _check_outputs(model, X, y, test)
    n = int(X.shape[0])
    bs = n if batch_size is None else min(_int_at_least(batch_size, 1, "batch_size"), n)
    return _Data(X, y, test, bs, math.ceil(n / bs))


def _run_directory(
    run_dir: str | Path | None, tracker: Any, model: Any, opt: Any
) -> tuple[Path | None, str]:
    """The run directory (the tracker's, when there is one) and the capture unit; attaches ``opt``
    to a tracker that has no optimizer."""
    if tracker is None:
        return (None if run_dir is None else Path(run_dir)), "step"
    if tracker.model is not model:
        raise InputError("tracker follows a different model object than the one being trained")
    if tracker.optimizer is None:
        tracker.optimizer = opt
    elif tracker.optimizer is not opt:
        raise InputError("tracker has its own optimizer; train_reference makes one, so leave it unset")
    if run_dir is not None and Path(run_dir).resolve() != Path(tracker.run_dir).resolve():
        raise InputError(f"run_dir {run_dir} differs from the tracker's store {tracker.run_dir}")
    return Path(tracker.run_dir), tracker.unit


def _run_config(
    optimizer: Any,
    lr: float,
    data: _Data,
    seed: int,
    decay: tuple[float, int] | None,
    weight_decay: float,
    model: Any,
    unit: str,
) -> dict[str, Any]:
    """The settings a resumed run must share with the checkpoint it continues from."""
    return {
        "optimizer": optimizer if isinstance(optimizer, str) else getattr(optimizer, "__name__", "callable"),
        "lr": lr,
        "batch_size": data.batch_size,
        "seed": int(seed),
        "lr_decay": None if decay is None else [decay[0], decay[1]],
        "weight_decay": weight_decay,
        "n_train": int(data.X.shape[0]),
        "data_sha256": _digest(data.X, data.y),
        "model": repr(model),
        "unit": unit,
    }


def _resume_state(
    run_dir: Path | None, resume: bool, tracker: Any, config: dict[str, Any], model: Any, opt: Any
) -> _State:
    """Restore model, optimizer and RNG from the latest checkpoint of ``run_dir`` (when resuming
    and there is one); a fresh state otherwise."""
    if run_dir is None:
        return _State()
    found = _latest_state(run_dir) if resume else None
    if found is None:
        if not resume and (list_checkpoints(run_dir) or (tracker is not None and tracker.steps)):
            raise InputError(f"run directory {run_dir} already holds a run; use resume=True or a new directory")
        return _State()
    path, payload, train = found
    _compare_config(train["config"], config, path)
    model.load_state_dict(payload["model"])
    opt.load_state_dict(payload["optimizer"])
    set_rng_state(payload["rng"])
    step = int(train["step"])
    rows = {int(r["step"]): dict(r) for r in train["metrics"]}
    return _State(step, step, rows, _saved_thread_history(train))


def _captured(tracker: Any, run_dir: Path | None) -> list[int]:
    if tracker is not None:
        return tracker.steps
    return list_checkpoints(run_dir) if run_dir is not None else []


# ------------------------------------------------------------------------------------------------
def _train_step(
    model: Any,
    opt: Any,
    X: Any,
    y: Any,
    step: int,
    per_epoch: int,
    bs: int,
    seed: int,
    lr: float,
    decay: tuple[float, int] | None,
) -> None:
    import torch
    from torch.nn import functional as F

    epoch, index = divmod(step, per_epoch)
    current = lr if decay is None else lr * decay[0] ** (epoch // decay[1])
    for group in opt.param_groups:
        group["lr"] = current
    if per_epoch == 1 and bs == X.shape[0]:
        xb, yb = X, y
    else:
        order = np.random.default_rng([int(seed), epoch]).permutation(X.shape[0])
        idx = torch.from_numpy(order[index * bs : (index + 1) * bs]).to(X.device)
        xb, yb = X[idx], y[idx]
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()


def _evaluate(model: Any, X: Any, y: Any, chunk: int) -> tuple[float, float]:
    """Mean cross-entropy and accuracy over all of ``X`` in eval mode (the mode is restored)."""
    import torch
    from torch.nn import functional as F

    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    try:
        with torch.no_grad():
            for lo in range(0, X.shape[0], chunk):
                out = model(X[lo : lo + chunk])
                yb = y[lo : lo + chunk]
                total_loss += float(F.cross_entropy(out, yb, reduction="sum"))
                correct += int((out.argmax(dim=1) == yb).sum())
    finally:
        model.train(was_training)
    n = int(X.shape[0])
    return total_loss / n, correct / n


def _capture(
    model: Any,
    opt: Any,
    tracker: Any,
    run_dir: Path | None,
    key: int,
    step: int,
    per_epoch: int,
    config: dict[str, Any],
    rows: dict[int, dict[str, float]],
    history: list[list[int | None]],
) -> None:
    """Store activations (tracker) and the resume checkpoint for capture ``key`` at ``step``."""
    extra = {
        "train": {
            "step": step,
            "epoch": step / per_epoch,
            "config": config,
            "metrics": [dict(rows[s]) for s in sorted(rows)],
            "threads": [list(entry) for entry in history],
        }
    }
    tracker_saves = tracker is not None and tracker.save_checkpoints
    if tracker is not None:
        tracker.capture(key, extra=extra)
    if run_dir is not None and not tracker_saves:
        path = checkpoint_path(run_dir, key)
        if not path.exists():
            save_checkpoint(path, model=model, step=key, optimizer=opt, extra=extra)


def _latest_state(run_dir: Path) -> tuple[Path, dict[str, Any], dict[str, Any]] | None:
    steps = list_checkpoints(run_dir)
    if not steps:
        return None
    path = checkpoint_path(run_dir, steps[-1])
    payload = load_checkpoint(path)
    train = (payload.get("extra") or {}).get("train")
    if not isinstance(train, dict) or payload.get("optimizer") is None:
        raise StoreError(
            f"checkpoint {path} was not written by train_reference (no optimizer/training state); "
            "use a new run directory or resume=False"
        )
    return path, payload, train


def _saved_thread_history(train: dict[str, Any]) -> list[list[int | None]]:
    """The ``[first_step, threads]`` entries of a checkpoint; ``[[0, None]]`` when not recorded."""
    try:
        history = [[int(first), None if n is None else int(n)] for first, n in train["threads"]]
    except (KeyError, TypeError, ValueError):
        return [[0, None]]
    return history or [[0, None]]


def _note_thread_change(
    history: list[list[int | None]], step: int, n_threads: int, run_dir: Path | None
) -> None:
    """Record that training continues from ``step`` with ``n_threads``; warn if the count changed."""
    before = history[-1][1]
    history.append([step, n_threads])
    if before is not None:
        warnings.warn(
            f"{run_dir}: resuming at step {step} with {n_threads} torch thread(s), but steps "
            f"{history[-2][0]}..{step} ran with {before}; results may differ in the last bits from "
            "an uninterrupted run (see tda_nn.training.seeding)",
            RuntimeWarning,
            stacklevel=4,  # the caller of train_reference (via _Training.run)
        )


def _compare_config(saved: dict[str, Any], current: dict[str, Any], path: Path) -> None:
    for key, value in current.items():
        old = saved.get(key)
        if old != value:
            hidden = key in ("model", "data_sha256")
            raise InputError(
                f"checkpoint {path} was made with a different {key}"
                + ("" if hidden else f" ({old!r}, this run: {value!r})")
                + "; use a new run directory or the same settings"
            )


def _metrics_frame(rows: dict[int, dict[str, float]]) -> pd.DataFrame:
    table = pd.DataFrame([rows[s] for s in sorted(rows)], columns=list(METRIC_COLUMNS))
    return table.astype({"step": "int64", "epoch": "float64", "loss": "float64",
                         "train_accuracy": "float64", "test_accuracy": "float64"})


def _write_metrics(path: str | Path, rows: dict[int, dict[str, float]]) -> None:
    table = _metrics_frame(rows)
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        table.to_csv(fh, index=False)


def _make_optimizer(optimizer: Any, model: Any, lr: float, weight_decay: float) -> Any:
    import torch

    if callable(optimizer) and not isinstance(optimizer, str):
        return optimizer(model.parameters(), lr=lr, weight_decay=weight_decay)
    if optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    if optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    raise InputError(f"optimizer must be one of {', '.join(OPTIMIZERS)} or a callable; got {optimizer!r}")


def _tensors(X: Any, y: Any, xname: str, yname: str, device: Any) -> tuple[Any, Any]:
    import torch

    Xa = float32_samples(X, xname)
    ya = integer_labels(y, len(Xa), yname)
    if ya.min() < 0:
        raise InputError(f"{yname} has negative labels; use 0 .. n_classes - 1")
    return torch.from_numpy(Xa).to(device), torch.from_numpy(ya).to(device)


def _check_outputs(model: Any, X: Any, y: Any, test: tuple[Any, Any] | None) -> None:
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(X[:1])
    finally:
        model.train(was_training)
    if out.ndim != 2 or out.shape[1] < 2:
        raise InputError(
            f"model output must be logits of shape (n, n_classes >= 2), got {tuple(out.shape)}"
        )
    k = int(out.shape[1])
    for name, labels in (("y_train", y), ("y_test", None if test is None else test[1])):
        if labels is not None and int(labels.max()) >= k:
            raise InputError(f"{name} has label {int(labels.max())} but the model has {k} outputs")


def _digest(X: Any, y: Any) -> str:
    import hashlib

    h = hashlib.sha256()
    h.update(repr(tuple(X.shape)).encode())
    h.update(X.detach().cpu().numpy().tobytes())
    h.update(y.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def _model_device(model: Any) -> Any:
    import torch

    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def _lr_decay(value: Any) -> tuple[float, int] | None:
    if value is None:
        return None
    try:
        factor, every = value
        factor = float(factor)
    except (TypeError, ValueError) as exc:
        raise InputError(f"lr_decay must be (factor, every_epochs), got {value!r}") from exc
    if not 0 < factor <= 1:
        raise InputError(f"lr_decay factor must be in (0, 1], got {factor!r}")
    return factor, _int_at_least(every, 1, "lr_decay every_epochs")


def _int_at_least(value: Any, low: int, name: str) -> int:
    return check_int(value, name, low)


def _positive_float(value: Any, name: str) -> float:
    out = _float_at_least(value, 0.0, name)
    if out <= 0:
        raise InputError(f"{name} must be > 0, got {value!r}")
    return out


def _float_at_least(value: Any, low: float, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(out) or out < low:
        raise InputError(f"{name} must be a finite number >= {low}, got {value!r}")
    return out
