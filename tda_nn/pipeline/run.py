"""``tda-nn run SPEC --out RUN_DIR``: train → capture → persistence → features → tables → figures.

Every phase resumes (training from the latest checkpoint, persistence from the finished units),
so re-running the same command after a kill completes the job and gives the same tables as an
uninterrupted run (bit for bit at the same torch thread count). The run directory's layout and
what the manifest records: ``docs/pipelines-and-scale-out.md``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import write_json
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
from tda_nn.names import check_identifier
from tda_nn.pipeline.data import PipelineData, prepare_data


def spec_digest(spec: dict[str, Any]) -> str:
    """Hash of the parts of a spec that determine training (not execution, outputs or threads).

    ``training.threads`` is left out: it changes speed, not what is trained (at most the last bits
    of float sums; see :mod:`tda_nn.training.seeding`), and digests of specs written before it
    existed stay valid.
    """
    training = {k: v for k, v in spec["training"].items() if k != "threads"}
    # ``data.shuffle_labels`` enters only when set: digests of earlier specs stay valid
    data = {k: v for k, v in spec["data"].items() if k != "shuffle_labels" or v}
    keep = ({k: spec[k] for k in ("seeds", "models", "capture")}
            | {"data": data, "training": training})
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]


def topology_params(spec: dict[str, Any]) -> TopologyParams:
    """The persistence parameters of a spec's ``topology`` section."""
    return TopologyParams.from_dict(spec["topology"])


def run_pipeline(
    spec: dict[str, Any],
    out_dir: str | Path,
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
    log: Any = print,
) -> dict[str, Any]:
    """Run every phase of a validated spec into ``out_dir``; return the final manifest.

    ``n_jobs``, ``scheduler`` and ``threads`` override the spec's ``execution.n_jobs``,
    ``execution.scheduler`` and ``training.threads`` (torch intra-op threads during the training
    phase; torch's previous setting is restored afterwards). The effective ``training.threads`` is
    what ``spec.json`` and the manifest record.
    """
    out = Path(out_dir)
    if threads is not None:
        from tda_nn.training.seeding import check_threads

        spec = {**spec, "training": {**spec["training"], "threads": check_threads(threads)}}
    params = topology_params(spec)
    prepare_output(out, params, overwrite=overwrite, job="run")
    _check_same_spec(out, spec, overwrite)
    write_json(out / "spec.json", spec)
    times: dict[str, float] = {}
    manifest_extra: dict[str, Any] = {"spec": spec, "spec_digest": spec_digest(spec)}
    write_manifest(out, status="running", job="run", params=params, extra=manifest_extra)

    t0 = time.perf_counter()
    data = prepare_data(spec["data"], source=spec["name"])
    log(f"data: {data.name}: {len(data.X_train)} train, {len(data.X_test)} test, "
        f"{len(data.X_probe)} probe points, {data.n_classes} classes")
    runs = {}
    for model_name, model_spec in spec["models"].items():
        for seed in spec["seeds"]:
            run_id = check_identifier(f"{model_name}_seed{seed}", "models")
            runs[run_id] = _train_one(spec, data, model_name, model_spec, seed, out / "runs" / run_id,
                                      progress, log)
    times["training"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    plan = _plan(spec, runs)
    for message in plan.skipped:
        log(f"skipped: {message}")
    check_memory(plan.units, params, None)
    execution = spec["execution"]
    table, diagrams, summary = run_plan(
        plan,
        params,
        out,
        n_jobs=n_jobs if n_jobs is not None else execution["n_jobs"],
        scheduler=scheduler if scheduler is not None else execution["scheduler"],
        progress=progress,
    )
    info = {run_id: r["info"] for run_id, r in runs.items()}
    table.insert(1, "model", table["run"].map(lambda r: info[r]["model"]))
    table.insert(2, "seed", table["run"].map(lambda r: info[r]["seed"]))
    metrics = pd.concat([r["metrics"] for r in runs.values()], ignore_index=True)
    write_table(table, out / "topology.csv")
    write_table(metrics, out / "metrics.csv")
    write_diagrams(diagrams, out / "diagrams.npz")
    times["persistence"] = time.perf_counter() - t0
    log(f"persistence: {summary.n_units} units on {summary.engine} "
        f"({summary.n_workers} worker(s)) in {summary.seconds:.1f} s")

    t0 = time.perf_counter()
    figures: dict[str, list[str]] = {}
    if spec["outputs"]["figures"]:
        from tda_nn.plotting import write_standard_figures

        written = write_standard_figures(out / "figures", table, metrics)
        figures = {k: [str(p.relative_to(out)) for p in v] for k, v in written.items()}
    times["figures"] = time.perf_counter() - t0

    manifest_extra.update(
        runs={k: v["info"] for k, v in runs.items()},
        data=data.describe(),
        phases_seconds={k: round(v, 3) for k, v in times.items()},
        execution={"engine": summary.engine, "n_workers": summary.n_workers,
                   "n_units": summary.n_units},
        skipped=plan.skipped,
        figures=figures,
    )
    write_manifest(out, status="complete", job="run", params=params, extra=manifest_extra)
    if spec["outputs"]["report"]:
        from tda_nn.report import build_report

        t0 = time.perf_counter()
        path = build_report(out)
        manifest_extra["report"] = {"path": str(path), "seconds": round(time.perf_counter() - t0, 3)}
        write_manifest(out, status="complete", job="run", params=params, extra=manifest_extra)
    return read_manifest(out)


def _check_same_spec(out: Path, spec: dict[str, Any], overwrite: bool) -> None:
    old = read_manifest(out).get("spec_digest")
    if not overwrite and old is not None and old != spec_digest(spec):
        raise InputError(
            f"{out}: holds a run of a different spec (data, models, training or capture differ); "
            "choose another --out or pass --overwrite"
        )


def _train_one(
    spec: dict[str, Any],
    data: PipelineData,
    model_name: str,
    model_spec: dict[str, Any],
    seed: int,
    run_dir: Path,
    progress: bool,
    log: Any,
) -> dict[str, Any]:
    import math

    from tda_nn.training import TopologyTracker, build_model, train_reference
    from tda_nn.training.seeding import seed_everything

    seed_everything(seed)
    model = build_model(
        {k: v for k, v in model_spec.items() if v is not None} | {"seed": seed},
        in_features=int(data.X_train.shape[1]),
        in_shape=data.in_shape,
        n_classes=data.n_classes,
    )
    training = spec["training"]
    capture = spec["capture"]
    n = len(data.X_train)
    per_epoch = 1 if training["batch_size"] is None else math.ceil(n / min(training["batch_size"], n))
    epochs = capture["epochs"] or range(0, training["epochs"] + 1, capture["every"])
    schedule = sorted({int(e) * per_epoch for e in epochs})
    tracker = TopologyTracker(
        model,
        capture["layers"],
        data.X_probe,
        data.y_probe,
        store=run_dir,
        every=schedule,
        model_info={"name": model_name, **model_spec, "seed": seed},
        data_info=data.describe(),
    )
    result = train_reference(
        model,
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        epochs=training["epochs"],
        optimizer=training["optimizer"],
        lr=training["lr"],
        batch_size=training["batch_size"],
        seed=seed,
        lr_decay=tuple(training["lr_decay"]) if training["lr_decay"] else None,
        target_train_accuracy=training["target_train_accuracy"],
        tracker=tracker,
        progress=progress,
        threads=training.get("threads"),
    )
    history = result.thread_history
    log(f"trained {model_name} seed {seed}: {result.steps} steps, train accuracy "
        f"{result.final_train_accuracy:.3f}, test accuracy {result.final_test_accuracy:.3f}"
        + (" (resumed)" if result.resumed_from is not None else "")
        + (f"; torch threads by stretch [first_step, threads]: {history} (a changed count may "
           "change the last bits)" if len(history) > 1 else ""))
    metrics = result.metrics.copy()
    metrics.insert(0, "run", f"{model_name}_seed{seed}")
    metrics.insert(1, "model", model_name)
    metrics.insert(2, "seed", seed)
    info = {
        "model": model_name,
        "seed": seed,
        "store": str(run_dir),
        "layers": tracker.layer_names,
        "steps_captured": tracker.steps,
        "final_train_accuracy": result.final_train_accuracy,
        "final_test_accuracy": result.final_test_accuracy,
        "reached_target": result.reached_target,
        "stop_reason": result.stop_reason,
        "torch_threads": history,
    }
    return {"info": info, "metrics": metrics, "store": tracker.store}


def class_labels(store: Any, step: int, classes: str) -> np.ndarray | None:
    """The labels that split a run store's probe into class clouds at ``step``.

    ``classes``: ``"predicted"`` (the network's predictions at that step), ``"true"`` (the probe's
    labels) or ``"none"`` (no class clouds: None).
    """
    if classes == "predicted":
        return np.asarray(store.read_predictions(step))
    if classes == "true":
        return np.asarray(store.labels)
    return None


def _plan(spec: dict[str, Any], runs: dict[str, dict[str, Any]]) -> Plan:
    classes = spec["topology"]["classes"]
    plan = Plan()
    for run_id, run in runs.items():
        store = run["store"]
        for step in store.steps:
            plan_units(
                run=run_id,
                source=str(store.root),
                kind="store",
                step=step,
                layer_names=store.layer_names,
                class_labels=class_labels(store, step, classes),
                probe_labels=store.labels,
                min_class_points=spec["topology"]["min_class_points"],
                plan=plan,
            )
    return plan
