"""The persistence job behind ``tda-nn persistence``: saved activations, run stores and run directories.

- Saved activations (any format ``tda_nn.io.load_activations`` reads): one unit per (layer, class);
  writes ``OUT/betti.csv`` (+ ``.parquet``), ``OUT/diagrams.npz`` and ``OUT/manifest.json``.
- A run store (written by ``TopologyTracker`` in your own training loop) or a run directory of
  ``tda-nn run``: one unit per (run, step, layer, class); writes ``OUT/topology.csv`` instead of
  ``betti.csv``. For a run directory ``OUT`` defaults to the run directory itself.

Classes (``classes``): ``"auto"`` splits by predicted labels where a store recorded them, else by true
labels where there are any, else not at all. Every table also has the whole cloud (``class == "all"``)
unless ``include_all=False`` (CLI ``--no-all``): per-class clouds only, which needs class labels
(without them the whole cloud is the only cloud, and asking to skip it is an InputError). The whole
cloud is usually the costliest unit, and the only one with a linear-probe accuracy. The choice is
recorded in the manifest (``include_all``); unit result files do not depend on it, so a re-run with
the other choice reuses the class units, computes any missing whole-cloud units, and rewrites the
table and ``diagrams.npz`` from its own plan.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.analysis.job import (
    prepare_output,
    read_manifest,
    run_plan,
    write_diagrams,
    write_manifest,
    write_table,
)
from tda_nn.analysis.memory import check_memory
from tda_nn.analysis.plan import Plan, plan_units
from tda_nn.analysis.units import TopologyParams
from tda_nn.errors import InputError

CLASS_CHOICES = ("auto", "none", "true", "predicted")


def is_run_dir(path: Path) -> bool:
    """A directory written by ``tda-nn run``."""
    return (path / "spec.json").is_file() and (path / "runs").is_dir()


def persistence_job(
    input_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    params: TopologyParams | None = None,
    layers: Sequence[str] | None = None,
    labels: Any = None,
    classes: str = "auto",
    min_class_points: int = 20,
    include_all: bool = True,
    steps: Sequence[int] | None = None,
    n_jobs: int | None = 1,
    scheduler: Any = None,
    progress: bool = True,
    overwrite: bool = False,
    log: Any = print,
    max_memory: int | None = None,
) -> dict[str, Any]:
    """Measure every layer (and class, and step) of ``input_path``; write tables into ``out_dir``.

    Parameters
    ----------
    input_path : str or Path
        Saved activations (any format :func:`tda_nn.io.load_activations` reads), a run store
        written by :class:`~tda_nn.training.TopologyTracker`, or a run directory of ``tda-nn run``.
    out_dir : str, Path or None
        Where the table, ``diagrams.npz`` and ``manifest.json`` go. Required for saved
        activations and for a run store (a directory other than the store); for a run directory
        None writes into the run directory itself.
    params : TopologyParams or None
        Persistence and feature parameters; None: ``TopologyParams()``.
    layers : sequence of str or None
        Layers to measure; None: all of them.
    labels : array-like, str, Path or None
        Class labels (or a labels file) for saved activations that carry none; an error for
        stores and run directories, which carry their own.
    classes : {"auto", "none", "true", "predicted"}
        How clouds are split by class: ``"auto"`` splits by predicted labels where a store
        recorded them, else by true labels where there are any, else not at all.
    min_class_points : int
        Classes with fewer points are skipped (and listed under ``skipped``).
    include_all : bool
        Measure each layer's whole cloud (``class == "all"``) next to its class clouds. False
        (CLI ``--no-all``) measures the class clouds only and needs class labels.
    steps : sequence of int or None
        Steps of a store or run to measure; None: every captured step.
    n_jobs : int or None
        Local worker processes (``-1``: all cores).
    scheduler : str, distributed.Client or None
        A Dask scheduler address or client; the units then run on that cluster (workers must
        see the input and ``out_dir``).
    progress : bool
        Show a progress bar.
    overwrite : bool
        Replace results computed under other parameters in ``out_dir`` (tda-nn's own unit
        results only).
    log : callable
        Called with each one-line message (skipped classes, warnings); default ``print``.
    max_memory : int or None
        Bytes; a unit estimated to need more is refused before anything runs. None: this
        machine's memory.

    Returns
    -------
    dict
        ``table`` (the tidy DataFrame), ``path`` (its CSV), ``out_dir``, ``summary``
        (:class:`~tda_nn.execution.RunSummary`) and ``skipped`` (classes too small to measure).
    """
    from tda_nn.io import RunStore

    if classes not in CLASS_CHOICES:
        raise InputError(f"classes must be one of {', '.join(CLASS_CHOICES)}, got {classes!r}")
    if not isinstance(include_all, bool | np.bool_):
        raise InputError(f"include_all must be True or False, got {include_all!r}")
    include_all = bool(include_all)
    src = Path(input_path)
    if not src.exists():
        raise InputError(f"{src}: no such file or directory")
    params = params or TopologyParams()
    started = time.perf_counter()
    if is_run_dir(src):
        stores = {p.name: RunStore(p) for p in sorted((src / "runs").iterdir()) if RunStore.is_store(p)}
        if not stores:
            raise InputError(f"{src}: run directory holds no captured runs yet")
        out = Path(out_dir) if out_dir is not None else src
        kind, table_name = "run", "topology.csv"
    elif RunStore.is_store(src):
        if out_dir is None or Path(out_dir).resolve() == src.resolve():
            raise InputError(f"{src}: is a run store; give --out a separate directory for the results")
        stores = {src.name: RunStore(src)}
        out = Path(out_dir)
        kind, table_name = "store", "topology.csv"
    else:
        if out_dir is None:
            raise InputError("--out is required for saved activations")
        stores = {}
        out = Path(out_dir)
        kind, table_name = "activations", "betti.csv"

    if kind == "activations":
        plan, described = _plan_activations(src, layers, labels, classes, min_class_points,
                                            include_all)
    else:
        if labels is not None:
            raise InputError("--labels applies to saved activations; stores carry their own labels")
        plan, described = _plan_stores(stores, layers, classes, min_class_points, steps, include_all)
    if not plan.units and not include_all:
        raise InputError(
            f"{src}: every class has fewer than min_class_points={min_class_points} points and "
            "include_all=False (--no-all) skips the whole cloud: nothing to measure"
        )
    for message in plan.skipped:
        log(f"skipped: {message}")
    described["include_all"] = include_all

    check_memory(plan.units, params, max_memory, log=log)
    previous = _previous_manifest(out) if kind == "run" else {}
    prepare_output(out, params, overwrite=overwrite, job="persistence")
    extra = {**previous, "input": str(src), "input_kind": kind, **described}
    write_manifest(out, status="running", job=previous.get("job", "persistence"), params=params,
                   extra=extra)
    table, diagrams, summary = run_plan(
        plan, params, out, n_jobs=n_jobs, scheduler=scheduler, progress=progress
    )
    if kind == "activations":
        table = table.drop(columns=["run", "step"])
    path = out / table_name
    write_table(table, path)
    write_diagrams(diagrams, out / "diagrams.npz")
    extra.update(
        table=table_name,
        skipped=plan.skipped,
        execution={"engine": summary.engine, "n_workers": summary.n_workers,
                   "n_units": summary.n_units},
        persistence_seconds=round(time.perf_counter() - started, 3),
    )
    write_manifest(out, status="complete", job=previous.get("job", "persistence"), params=params,
                   extra=extra)
    return {"table": table, "path": path, "out_dir": out, "summary": summary,
            "skipped": plan.skipped}


def _plan_activations(
    src: Path,
    layers: Sequence[str] | None,
    labels: Any,
    classes: str,
    min_class_points: int,
    include_all: bool,
) -> tuple[Plan, dict[str, Any]]:
    from tda_nn.io import load_activations

    aset = load_activations(src, layers=list(layers) if layers else None, labels=labels)
    if classes == "predicted":
        raise InputError("classes 'predicted' needs a run store with predictions; use 'true' or 'none'")
    if classes == "true" and aset.labels is None:
        raise InputError(f"{src}: classes 'true' needs labels (a 'labels' array or --labels PATH)")
    split = aset.labels if classes in ("auto", "true") else None
    if split is None and not include_all:
        why = "classes 'none' splits nothing" if classes == "none" else (
            "it has no labels (a 'labels' array or --labels PATH)")
        raise InputError(
            f"{src}: include_all=False (--no-all) needs class clouds, but {why}; without labels "
            "the whole cloud is the only cloud"
        )
    plan = plan_units(
        run="activations",
        source=str(src),
        kind="activations",
        step=-1,
        layer_names=aset.layer_names,
        class_labels=None if split is None else np.asarray(split),
        probe_labels=None if aset.labels is None else np.asarray(aset.labels),
        min_class_points=min_class_points,
        include_all=include_all,
    )
    described = {"layers": aset.layer_names, "n_samples": aset.n_samples,
                 "classes": "true" if split is not None else "none"}
    return plan, described


def _plan_stores(
    stores: dict[str, Any],
    layers: Sequence[str] | None,
    classes: str,
    min_class_points: int,
    steps: Sequence[int] | None,
    include_all: bool,
) -> tuple[Plan, dict[str, Any]]:
    plan = Plan()
    used_classes = set()
    for run_id, store in stores.items():
        names = store.layer_names
        if layers:
            unknown = [name for name in layers if name not in names]
            if unknown:
                raise InputError(f"{store.root}: unknown layer(s) {unknown}; stored: {names}")
            names = [n for n in names if n in layers]
        chosen = store.steps if steps is None else [s for s in store.steps if s in set(steps)]
        if steps is not None and not chosen:
            raise InputError(f"{store.root}: none of steps {list(steps)} is stored; stored: {store.steps}")
        for step in chosen:
            mode, class_labels = _store_classes(store, step, classes)
            if class_labels is None and not include_all:
                why = "classes 'none' splits nothing" if classes == "none" else (
                    "it has no labels or predictions")
                raise InputError(
                    f"{store.root}: step {step}: include_all=False (--no-all) needs class clouds, "
                    f"but {why}; without labels the whole cloud is the only cloud"
                )
            used_classes.add(mode)
            plan_units(
                run=run_id,
                source=str(store.root),
                kind="store",
                step=step,
                layer_names=names,
                class_labels=class_labels,
                probe_labels=store.labels,
                min_class_points=min_class_points,
                plan=plan,
                include_all=include_all,
            )
    return plan, {"runs": list(stores), "classes": sorted(used_classes)}


def _store_classes(store: Any, step: int, classes: str) -> tuple[str, np.ndarray | None]:
    predictions = store.read_predictions(step)
    if classes == "predicted" or (classes == "auto" and predictions is not None):
        if predictions is None:
            raise InputError(f"{store.root}: step {step} has no predictions for classes 'predicted'")
        return "predicted", np.asarray(predictions)
    if classes in ("true", "auto") and store.labels is not None:
        return "true", np.asarray(store.labels)
    if classes == "true":
        raise InputError(f"{store.root}: store has no labels for classes 'true'")
    return "none", None


def _previous_manifest(out: Path) -> dict[str, Any]:
    managed = {"status", "updated", "topology", "library_versions"}
    return {k: v for k, v in read_manifest(out).items() if k not in managed}


def read_table(out_dir: str | Path) -> pd.DataFrame:
    """The table of a finished job (``topology.csv`` or ``betti.csv``).

    Parameters
    ----------
    out_dir : str or Path
        The job's output directory.

    Returns
    -------
    pandas.DataFrame
    """
    out = Path(out_dir)
    for name in ("topology.csv", "betti.csv"):
        if (out / name).is_file():
            return pd.read_csv(out / name)
    raise InputError(f"{out}: no topology.csv or betti.csv")
