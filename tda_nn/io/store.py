"""``RunStore``: the project's own activation store (many training steps x layers on disk).

``ROOT/manifest.json``, optional ``ROOT/labels.npy``, and one ``ROOT/step_NNNNNNNN/`` folder per
step with one ``.npy`` per layer, optional ``predictions.npy`` and ``COMPLETE`` (written last).
Every file is written atomically; one writer and any number of readers may use a store at once.
The layout and the manifest's keys: ``docs/pipelines-and-scale-out.md`` (The run store).
"""

from __future__ import annotations

import json
import operator
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn._atomic import _json_default, write_json, write_npy
from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import (
    as_features,
    as_labels,
    check_layer_meta,
    corrupt,
    safe_file_names,
    select_layers,
    to_numpy,
    unknown_layer,
)
from tda_nn.io._npy import NpyHeader, NpyLoader, inspect_npy, load_small_npy, open_npy
from tda_nn.io.activation_set import ActivationSet, assemble
from tda_nn.versions import library_versions

FORMAT = "tda-nn-run-store"
VERSION = 1
MANIFEST = "manifest.json"
LABELS_FILE = "labels.npy"
PREDICTIONS_FILE = "predictions.npy"
COMPLETE = "COMPLETE"
_STEP_DIR = re.compile(r"step_(\d{8,})")
_RESERVED = ("labels", "predictions", "manifest", "COMPLETE")


def check_step(step: Any) -> int:
    """A capture step: a non-negative integer (bool and non-integers are an :class:`InputError`)."""
    if isinstance(step, bool):
        raise InputError(f"step must be a non-negative integer, got {step!r}")
    try:
        value = operator.index(step)
    except TypeError:
        raise InputError(f"step must be a non-negative integer, got {step!r}") from None
    if value < 0:
        raise InputError(f"step must be a non-negative integer, got {value}")
    return value


def _json_dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{what} must be a dict describing it, got {type(value).__name__}")
    try:
        return json.loads(json.dumps(dict(value), default=_json_default))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} is not JSON-serialisable ({exc})") from None


class RunStore:
    """Activations of many training steps x layers, one memory-mappable ``.npy`` per pair.

    Open an existing store with ``RunStore(root)``; make one with :meth:`RunStore.create`.
    The layout on disk: docs/pipelines-and-scale-out.md (The run store).

    Parameters
    ----------
    root : path-like
        The store directory (holding ``manifest.json``).

    Attributes
    ----------
    root : Path
    manifest : dict
        The parsed ``manifest.json``.
    layer_names : list of str
        Layer order.
    n_samples : int
        Number of probe samples (rows of every activation matrix).
    labels : ndarray of shape (n_samples,) or None
        True labels of the probe samples.

    Raises
    ------
    StoreError
        No manifest, or a manifest that is not valid (naming the file and what is wrong).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._load_manifest()

    # -- opening and creating --------------------------------------------------------------------
    def _load_manifest(self) -> None:
        path = self.root / MANIFEST
        if not path.is_file():
            what = "no such directory" if not self.root.exists() else "no manifest.json"
            raise StoreError(f"{self.root}: not a tda-nn run store ({what})")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise corrupt(path, "JSON manifest", exc) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise StoreError(f"{path}: not a tda-nn run store manifest (format {found!r})")
        version = manifest.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise StoreError(
                f"{path}: store version {version!r} is not supported (this tda-nn reads up to "
                f"{VERSION})"
            )
        for key in ("layer_names", "layer_files", "layers", "n_samples"):
            if key not in manifest:
                raise StoreError(f"{path}: manifest lacks {key!r}")
        names, files, layers = manifest["layer_names"], manifest["layer_files"], manifest["layers"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise StoreError(f"{path}: 'layer_names' must be a list of strings")
        if not isinstance(files, dict) or not isinstance(layers, dict):
            raise StoreError(f"{path}: 'layer_files' and 'layers' must be objects")
        for name in names:
            file = files.get(name)
            if not isinstance(file, str):
                raise StoreError(f"{path}: manifest has no file for layer {name!r}")
            if Path(file).name != file or not file.endswith(".npy") or file.startswith("."):
                raise StoreError(f"{path}: bad file name {file!r} for layer {name!r}")
            if not isinstance(layers.get(name), dict):
                raise StoreError(f"{path}: manifest has no shape entry for layer {name!r}")
        if len(set(names)) != len(names) or len({files[n].lower() for n in names}) != len(names):
            raise StoreError(f"{path}: layer names or file names are not unique")
        try:
            n_samples = operator.index(manifest["n_samples"])
        except TypeError:
            raise StoreError(f"{path}: 'n_samples' is not an integer") from None
        self.manifest = manifest
        self.layer_names = list(names)
        self.n_samples = int(n_samples)
        self._files = {name: files[name] for name in names}
        self.labels = None
        if manifest.get("labels"):
            labels_path = self.root / LABELS_FILE
            if not labels_path.is_file():
                raise StoreError(f"{labels_path}: missing (the manifest says the store has labels)")
            labels = as_labels(load_small_npy(labels_path), str(labels_path))
            if labels.shape[0] != self.n_samples:
                raise StoreError(
                    f"{labels_path}: {labels.shape[0]} labels but the store has "
                    f"{self.n_samples} samples"
                )
            self.labels = labels

    def refresh(self) -> RunStore:
        """Re-read the manifest (a reader picks up shapes recorded by the writer since)."""
        self._load_manifest()
        return self

    @classmethod
    def create(
        cls,
        root: str | os.PathLike[str],
        *,
        layer_names: Sequence[str],
        n_samples: int,
        labels: Any = None,
        model: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        exist_ok: bool = False,
    ) -> RunStore:
        """Create a store at ``root`` (an absent or empty directory) and open it.

        Parameters
        ----------
        root : path-like
        layer_names : sequence of str
            The layers every step will hold, in order. Any strings (``/``, ``.``, ``:`` too).
        n_samples : int
            Number of probe samples.
        labels : array-like of shape (n_samples,), optional
            True labels of the probe samples.
        model, data, extra : dict, optional
            JSON-serialisable descriptions of the model, the probe data and anything else.
        exist_ok : bool, default False
            If a store already exists at ``root`` with the same ``layer_names`` and
            ``n_samples`` (and the same labels, when given), open it to resume writing.

        Raises
        ------
        StoreError
            A store exists and ``exist_ok`` is False, or it differs (naming what differs), or
            ``root`` is a non-empty directory that is not a store.
        InputError
            Bad layer names, ``n_samples``, labels or descriptions.
        """
        root = Path(root)
        if isinstance(layer_names, str):
            raise InputError(f"{root}: layer_names must be a list of names, not one string")
        names = list(layer_names)
        if not names:
            raise InputError(f"{root}: layer_names is empty")
        for name in names:
            if not isinstance(name, str) or not name:
                raise InputError(f"{root}: layer names must be non-empty strings, got {name!r}")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InputError(f"{root}: layer names repeat: {', '.join(map(repr, dupes))}")
        if isinstance(n_samples, bool):
            raise InputError(f"{root}: n_samples must be a positive integer, got {n_samples!r}")
        try:
            n = operator.index(n_samples)
        except TypeError:
            raise InputError(f"{root}: n_samples must be a positive integer, got {n_samples!r}") from None
        if n <= 0:
            raise InputError(f"{root}: n_samples must be a positive integer, got {n}")
        if labels is not None:
            labels = as_labels(labels, "labels")
            if labels.shape[0] != n:
                raise InputError(f"labels: {labels.shape[0]} labels but {root} has n_samples={n}")
        descriptions = {
            "model": _json_dict(model, "model"),
            "data": _json_dict(data, "data"),
            "extra": _json_dict(extra, "extra"),
        }
        if (root / MANIFEST).exists():
            if not exist_ok:
                raise StoreError(
                    f"{root}: a run store already exists here (pass exist_ok=True to resume it)"
                )
            return cls._resume(root, names, n, labels)
        if root.exists() and (
            not root.is_dir() or any(not p.name.startswith(".") for p in root.iterdir())
        ):
            raise StoreError(f"{root}: exists and is not an empty directory or a run store")
        root.mkdir(parents=True, exist_ok=True)
        if labels is not None:
            write_npy(root / LABELS_FILE, labels)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "layer_names": names,
            "layer_files": safe_file_names(names, reserved=_RESERVED),
            "layers": {name: {"n_features": None, "dtype": None} for name in names},
            "n_samples": n,
            "labels": LABELS_FILE if labels is not None else None,
            **descriptions,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "library_versions": library_versions(),
        }
        write_json(root / MANIFEST, manifest)
        return cls(root)

    @classmethod
    def _resume(cls, root: Path, names: list[str], n: int, labels: np.ndarray | None) -> RunStore:
        store = cls(root)
        diffs = []
        if store.layer_names != names:
            diffs.append(
                f"layer_names {_brief(store.layer_names)} in the store, {_brief(names)} asked"
            )
        if store.n_samples != n:
            diffs.append(f"n_samples {store.n_samples} in the store, {n} asked")
        if labels is not None and (
            store.labels is None
            or store.labels.shape != labels.shape
            or not np.array_equal(store.labels, labels)
        ):
            diffs.append("labels differ" if store.labels is not None else "the store has no labels")
        if diffs:
            raise StoreError(f"{root}: existing run store does not match: {'; '.join(diffs)}")
        return store

    @staticmethod
    def is_store(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is a directory with a run-store ``manifest.json`` (cheap check).

        Parameters
        ----------
        path : str or PathLike
            Any path.
        """
        manifest = Path(path) / MANIFEST
        try:
            with open(manifest, encoding="utf-8") as fh:
                return json.load(fh).get("format") == FORMAT
        except (OSError, ValueError, AttributeError):
            return False

    # -- paths -----------------------------------------------------------------------------------
    def step_dir(self, step: int) -> Path:
        """Directory of ``step`` (``ROOT/step_00000010``).

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        """
        return self.root / f"step_{check_step(step):08d}"

    @staticmethod
    def step_of_dir(path: str | os.PathLike[str]) -> int:
        """The step a ``step_*`` directory holds.

        Parameters
        ----------
        path : str or PathLike
            A ``step_NNNNNNNN`` directory.
        """
        match = _STEP_DIR.fullmatch(Path(path).name)
        if match is None:
            raise InputError(f"{path}: not a run-store step directory (step_NNNNNNNN)")
        return int(match.group(1))

    def _file(self, step: int, layer: str) -> Path:
        if layer not in self._files:
            raise unknown_layer(str(self.root), layer, self.layer_names)
        return self.step_dir(step) / self._files[layer]

    # -- writing ---------------------------------------------------------------------------------
    def write_activations(self, step: int, layer: str, array: Any) -> None:
        """Write the activations of ``layer`` at ``step``, atomically.

        Parameters
        ----------
        step : int
        layer : str
            One of :attr:`layer_names`.
        array : array-like of shape (n_samples, ...)
            NumPy array or torch tensor; more than two axes are flattened per sample. float32 and
            float64 are kept (later steps take the dtype of the first), others become float.

        Raises
        ------
        InputError
            Unknown layer, wrong number of samples or features, NaN or infinite values.
        StoreError
            The step is already complete.
        """
        step = check_step(step)
        file = self._file(step, layer)
        where = f"{self.root}: step {step}"
        arr = to_numpy(array)
        check_layer_meta(where, layer, arr.shape, arr.dtype, InputError)
        arr = as_features(arr, where, layer)
        if arr.shape[0] != self.n_samples:
            raise InputError(
                f"{where}, layer {layer!r}: {arr.shape[0]} samples, the store has {self.n_samples}"
            )
        if not np.isfinite(arr).all():
            raise InputError(f"{where}, layer {layer!r}: activations contain NaN or infinite values")
        info = self.manifest["layers"][layer]
        if info.get("n_features") is not None and info["n_features"] != arr.shape[1]:
            raise InputError(
                f"{where}, layer {layer!r}: {arr.shape[1]} features, earlier steps have "
                f"{info['n_features']}"
            )
        if info.get("dtype"):
            arr = arr.astype(np.dtype(info["dtype"]), copy=False)
        if self.is_complete(step):
            raise StoreError(f"{where} is already complete; its activations cannot change")
        write_npy(file, np.ascontiguousarray(arr))
        if info.get("n_features") is None:
            info["n_features"] = int(arr.shape[1])
            info["dtype"] = arr.dtype.name
            write_json(self.root / MANIFEST, self.manifest)

    def write_predictions(self, step: int, y_pred: Any) -> None:
        """Write the model's predicted labels for the probe samples at ``step``, atomically.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        y_pred : array-like of shape (n_samples,)
            Predicted labels, one per probe sample.
        """
        step = check_step(step)
        pred = as_labels(y_pred, f"{self.root}: step {step} predictions")
        if pred.shape[0] != self.n_samples:
            raise InputError(
                f"{self.root}: step {step}: {pred.shape[0]} predictions, the store has "
                f"{self.n_samples} samples"
            )
        if self.is_complete(step):
            raise StoreError(f"{self.root}: step {step} is already complete; it cannot change")
        write_npy(self.step_dir(step) / PREDICTIONS_FILE, pred)

    def mark_complete(self, step: int) -> None:
        """Mark ``step`` complete (after all its layers are written); idempotent.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).

        Raises
        ------
        StoreError
            Some layer of the step has not been written.
        """
        step = check_step(step)
        if self.is_complete(step):
            return
        missing = [name for name in self.layer_names if not self.has_activations(step, name)]
        if missing:
            raise StoreError(
                f"{self.root}: step {step} cannot be marked complete; missing layers "
                f"{_brief(missing)}"
            )
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        write_json(self.step_dir(step) / COMPLETE, {"step": step, "completed": stamp})

    # -- state -----------------------------------------------------------------------------------
    def has_activations(self, step: int, layer: str) -> bool:
        """Whether the activations of ``layer`` at ``step`` have been written (whole).

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        layer : str
            Layer name.
        """
        return self._file(check_step(step), layer).is_file()

    def is_complete(self, step: int) -> bool:
        """Whether ``step`` has been marked complete.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        """
        return (self.step_dir(step) / COMPLETE).is_file()

    def _step_dirs(self) -> dict[int, Path]:
        if not self.root.is_dir():
            return {}
        found = {}
        for path in self.root.iterdir():
            match = _STEP_DIR.fullmatch(path.name)
            if match and path.is_dir():
                found[int(match.group(1))] = path
        return found

    @property
    def steps(self) -> list[int]:
        """Complete steps, sorted."""
        return sorted(s for s, p in self._step_dirs().items() if (p / COMPLETE).is_file())

    @property
    def partial_steps(self) -> list[int]:
        """Steps with a directory but no ``COMPLETE`` marker (interrupted or in progress), sorted."""
        return sorted(s for s, p in self._step_dirs().items() if not (p / COMPLETE).is_file())

    # -- reading ---------------------------------------------------------------------------------
    def _checked_header(self, file: Path, layer: str) -> NpyHeader:
        header = inspect_npy(file)
        shape = header.shape
        expected = self.manifest["layers"][layer].get("n_features")
        if len(shape) != 2 or shape[0] != self.n_samples or (
            expected is not None and shape[1] != expected
        ):
            want = f"({self.n_samples}, {expected if expected is not None else 'n_features'})"
            raise StoreError(f"{file}: layer {layer!r} has shape {shape}, the manifest says {want}")
        return header

    def read_activations(self, step: int, layer: str, *, mmap: bool = True) -> np.ndarray:
        """Activations of ``layer`` at ``step``, shape ``(n_samples, n_features)``.

        Memory-mapped read-only (``np.memmap``) unless ``mmap=False``.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        layer : str
            Layer name.
        mmap : bool
            Return a read-only memory map instead of an array in memory.

        Raises
        ------
        StoreError
            Not written yet, truncated or corrupt (naming the file).
        InputError
            Unknown layer.
        """
        step = check_step(step)
        file = self._file(step, layer)
        if not file.is_file():
            raise StoreError(f"{file}: no activations for layer {layer!r} at step {step}")
        self._checked_header(file, layer)
        return open_npy(file, mmap=mmap)

    def read_predictions(self, step: int) -> np.ndarray | None:
        """Predicted labels at ``step``, or ``None`` if none were written.

        Parameters
        ----------
        step : int
            Training step (``>= 0``).
        """
        file = self.step_dir(step) / PREDICTIONS_FILE
        if not file.is_file():
            return None
        return as_labels(load_small_npy(file), str(file))

    def activation_set(
        self, step: int | None = None, *, layers: str | Iterable[str] | None = None
    ) -> ActivationSet:
        """The activations of a complete ``step`` (default: the last) as a lazy ActivationSet.

        ``labels`` are the store's true labels, ``predictions`` the step's predictions (if
        written), ``step`` the step and ``metadata`` the model / data / extra descriptions.

        Parameters
        ----------
        step : int or None
            A complete step; None: the last complete step.
        layers : str, iterable of str or None
            Layers to include; None: all.
        """
        if step is None:
            steps = self.steps
            if not steps:
                raise StoreError(f"{self.root}: the run store has no complete step yet")
            step = steps[-1]
        step = check_step(step)
        if not self.is_complete(step):
            done = self.steps
            have = f"complete steps: {_brief(done)}" if done else "no step is complete yet"
            raise StoreError(f"{self.root}: step {step} is missing or not complete ({have})")
        select_layers(str(self.root), self.layer_names, layers)
        shapes: dict[str, tuple[int, ...]] = {}

        def meta(name: str) -> tuple[tuple[int, ...], np.dtype]:
            file = self._file(step, name)
            if not file.is_file():
                raise StoreError(f"{file}: missing though step {step} is marked complete")
            header = self._checked_header(file, name)
            shapes[name] = header.shape
            return header.shape, header.dtype

        metadata = {key: self.manifest.get(key, {}) for key in ("model", "data", "extra")}
        metadata["store"] = str(self.root)
        return assemble(
            str(self.step_dir(step)), self.layer_names, layers, meta,
            lambda name: NpyLoader(self._file(step, name), shapes[name]),
            labels=self.labels, step=step, predictions=self.read_predictions(step),
            metadata=metadata,
        )

    def __repr__(self) -> str:
        return (
            f"RunStore({str(self.root)!r}, layers={len(self.layer_names)}, "
            f"n_samples={self.n_samples}, steps={len(self.steps)})"
        )


def _brief(names: Sequence[Any], limit: int = 6) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return f"[{shown}{more}]"
