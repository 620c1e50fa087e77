"""Planning: which (run, step, layer, class) units a source of activations yields.

Class-conditional clouds follow Naitzat et al. (2020): the points of one class (true or predicted
label) in one layer. A plan also holds the whole-probe cloud of each layer (``class == "all"``) unless
``include_all=False`` (class clouds only; then there must be class labels). Classes with fewer than
``min_class_points`` points are not measured and are listed in ``skipped``.

Whether the whole cloud is planned changes which units exist, never a unit's result: unit files
stay keyed by (run, step, layer, class) and the parameter digest, and every job rebuilds its table
and ``diagrams.npz`` from the units of its own plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tda_nn.analysis.units import Unit
from tda_nn.errors import InputError

CLASS_MODES = ("none", "true", "predicted")


@dataclass
class Plan:
    """Units to run plus what was left out and why."""

    units: list[Unit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


#: The ``class`` of each layer's whole cloud; no class label may take it.
ALL = "all"


def class_indices(
    labels: np.ndarray, min_points: int, where: str = "labels"
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Row indices per class label (sorted by label), and the classes too small to measure.

    Class names are the labels as text (``1.0`` becomes ``"1"``), kept verbatim in the tables.

    Returns
    -------
    kept : dict str(label) -> (n_c,) int64 indices, for classes with at least ``min_points`` rows
    small : dict str(label) -> n_c, for the others

    Raises
    ------
    InputError
        Continuous labels (floats that are not whole numbers, NaN), a label named ``"all"`` (the
        whole cloud's class), or labels that are neither integers nor text.
    """
    labels = check_class_labels(labels, where)
    kept: dict[str, np.ndarray] = {}
    small: dict[str, int] = {}
    values = np.unique(labels)
    names = [_label_name(value) for value in values]
    if ALL in names:
        raise InputError(
            f"{where}: class label {ALL!r} is reserved for each layer's whole cloud; rename it"
        )
    for value, name in zip(values, names, strict=True):
        idx = np.flatnonzero(labels == value)
        if len(idx) >= min_points:
            kept[name] = idx
        else:
            small[name] = len(idx)
    return kept, small


def check_class_labels(labels: object, where: str) -> np.ndarray:
    """``labels`` as a 1-D array of integers, booleans or text; a clear error for anything else."""
    arr = np.asarray(labels)
    if arr.ndim != 1:
        arr = arr.ravel() if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise InputError(f"{where}: class labels must be 1-D, got shape {arr.shape}")
    if arr.dtype.kind == "O":
        items = arr.tolist()
        if not all(isinstance(v, str | int | np.integer | bool) for v in items):
            bad = next(v for v in items if not isinstance(v, str | int | np.integer | bool))
            raise InputError(
                f"{where}: class labels must be integers or text, got {type(bad).__name__} {bad!r}"
            )
        arr = np.asarray([str(v) for v in items]) if any(isinstance(v, str) for v in items) else (
            np.asarray(items, dtype=np.int64))
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not whole.all():
            example = float(arr[~whole][0])
            raise InputError(
                f"{where}: labels are continuous ({example!r} is not a whole number); class "
                "labels must be integers or text (round or bin them, or leave them out)"
            )
    elif arr.dtype.kind not in "biuU":
        raise InputError(f"{where}: class labels must be integers or text, got dtype {arr.dtype}")
    return arr


def plan_units(
    *,
    run: str,
    source: str,
    kind: str,
    step: int,
    layer_names: Sequence[str],
    class_labels: np.ndarray | None,
    probe_labels: np.ndarray | None,
    min_class_points: int = 20,
    plan: Plan | None = None,
    include_all: bool = True,
) -> Plan:
    """Add the units of one (run, step) to ``plan``.

    Parameters
    ----------
    class_labels : (n_samples,) array or None
        Labels that split clouds into classes (true or predicted); None: only ``class == "all"``.
    probe_labels : (n_samples,) array or None
        True labels, carried by the ``"all"`` units for label-dependent features (linear probe).
    include_all : bool
        Plan the whole cloud of each layer (``class == "all"``). False: class clouds only, which
        needs ``class_labels``; the linear probe (a feature of the whole cloud) is then not measured.
    """
    plan = plan if plan is not None else Plan()
    where = f"run {run} step {step}" if step >= 0 else source
    if not include_all and class_labels is None:
        raise InputError(
            f"{where}: include_all=False needs class labels to split by; without them the whole "
            "cloud is the only cloud"
        )
    kept: dict[str, np.ndarray] = {}
    if class_labels is not None:
        kept, small = class_indices(class_labels, min_class_points, where)
        plan.skipped += [
            f"{where}: class {name} has {n} point(s) (< min_class_points={min_class_points})"
            for name, n in small.items()
        ]
    if probe_labels is not None and include_all:
        probe_labels = check_class_labels(probe_labels, where)
    for index, layer in enumerate(layer_names):
        common = dict(run=run, step=step, layer=layer, layer_index=index, source=source, kind=kind)
        if include_all:
            plan.units.append(Unit(cls=ALL, labels=probe_labels, **common))
        for name, idx in kept.items():
            plan.units.append(Unit(cls=name, indices=idx, **common))
    return plan


def check_class_mode(mode: str) -> str:
    if mode not in CLASS_MODES:
        raise InputError(f"classes must be one of {', '.join(CLASS_MODES)}, got {mode!r}")
    return mode


def _label_name(value: object) -> str:
    if isinstance(value, np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value.item() if isinstance(value, np.generic) else value)
