"""``run_experiment``: every pipeline of an experiment spec, both protocols, the analysis, the verdict.

Writes ``OUT/experiment.json``, one ``tda-nn run`` directory per pipeline entry (with the kNN
protocol under ``OUT/<entry>/protocols/``) and ``OUT/results/`` (tables, ``verdict.json``,
``verdict.md``, ``report.html``). Every phase resumes; the analysis is always redone. The layout:
``docs/experiments.md``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import atomic_path, write_json
from tda_nn.analysis.units import TopologyParams, Unit
from tda_nn.experiments.spec import load_experiment_spec
from tda_nn.experiments.tables import DEFAULT, KNN, PROTOCOL_DIR


def knn_params(knn: dict[str, Any]) -> TopologyParams:
    """The paper's protocol as ``TopologyParams``.

    Hop-count distances in the unweighted, symmetrised kNN graph of each class cloud (the graph
    is built on the cloud itself, which is the probe set: a random ~1/3.5 of the data, as the
    authors keep every 3rd-4th point); Vietoris–Rips up to ``scale + 0.5`` hops; Betti numbers
    at ``scale``. Hop counts are integers, so this is the clique complex of the graph joining
    points at most ``floor(scale)`` hops apart. No landmarks (``subsample="none"``).
    """
    scale = float(knn["scale"])
    options = tuple((key, True) for key in ("include_self", "deduplicate") if knn.get(key))
    return TopologyParams(
        homology_dimensions=tuple(int(d) for d in knn["homology_dimensions"]),
        metric="knn_geodesic",
        metric_params=(("n_neighbors", int(knn["n_neighbors"])), *options),
        subsample="none",
        max_edge_length=scale + 0.5,
        betti_method="scale",
        betti_scale=scale,
        intrinsic_dimension=False,
        linear_probe=False,
    )


def run_experiment(
    spec: str | Path | dict[str, Any],
    out: str | Path,
    *,
    n_jobs: int | None = None,
    scheduler: Any = None,
    only: list[str] | None = None,
    torch_threads: int | None = 1,
    overwrite: bool = False,
    progress: bool = False,
    log: Any = print,
) -> dict[str, Any]:
    """Run (or resume) an experiment and write its results and verdict.

    Parameters
    ----------
    spec : path or validated dict (see :mod:`tda_nn.experiments.spec`)
        The experiment's YAML file, or the dict :func:`load_experiment_spec` returns.
    out : path
        Experiment directory.
    n_jobs : int or None
        Processes for the persistence computations (None: each pipeline's own setting).
    scheduler : str, distributed.Client or None
        A Dask scheduler (e.g. ``"tcp://host:8786"``) for every persistence unit: the pipelines',
        the kNN protocol's and the input layer's (None: each pipeline's own setting). The results
        are the same as a local run's.
    only : list of str or None
        Run only these pipeline entries and their controls (the analysis still uses every
        finished one).
    overwrite : bool
        Passed to ``run_pipeline``: recompute the persistence of a pipeline whose topology
        parameters changed (finished training is still reused when the training spec is the same).
    torch_threads : int or None
        ``torch.set_num_threads`` for the experiment, restored afterwards (None: leave torch's
        setting). The reference nets are tiny; on a busy machine torch's intra-op threads spin
        against each other and a full-batch step of a 7x15 MLP on 3,000 points went from ~10 ms
        (one thread) to ~600 ms (two threads, 2 shared cores).
    progress : bool
        Show progress bars while the pipelines run.
    log : callable
        Called with each one-line progress message; default ``print``.

    Returns
    -------
    dict with ``findings`` (DataFrame), ``verdict`` (list of dicts) and ``seconds`` per phase.
    """
    from tda_nn.training.seeding import torch_threads as threads_for

    if not isinstance(spec, dict):
        spec = load_experiment_spec(spec)
    with threads_for(torch_threads):
        return _run_experiment(spec, Path(out), n_jobs=n_jobs, scheduler=scheduler, only=only,
                               overwrite=overwrite, progress=progress, log=log)


def _run_experiment(spec: dict[str, Any], out: Path, *, n_jobs: int | None, scheduler: Any,
                    only: list[str] | None, overwrite: bool, progress: bool,
                    log: Any) -> dict[str, Any]:
    from tda_nn.pipeline.run import run_pipeline

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "experiment.json", spec)
    seconds: dict[str, float] = {}
    for entry, item in spec["pipelines"].items():
        if only and entry not in only and item.get("base") not in only:
            continue
        run_dir = out / entry
        t0 = time.perf_counter()
        log(f"== {entry}: pipeline")
        run_pipeline(item["spec"], run_dir, n_jobs=n_jobs, scheduler=scheduler, progress=progress,
                     log=log, overwrite=overwrite)
        execution = item["spec"]["execution"]
        jobs = n_jobs if n_jobs is not None else execution["n_jobs"]
        where = scheduler if scheduler is not None else execution["scheduler"]
        knn = item["knn"]
        if knn["enabled"]:
            log(f"== {entry}: kNN protocol (k={knn['n_neighbors']}, scale {knn['scale']} hops)")
            knn_job(run_dir, knn, n_jobs=jobs, scheduler=where, progress=progress)
        if spec["input_layer"]:
            log(f"== {entry}: input layer")
            measure_inputs(run_dir, item, n_jobs=jobs, scheduler=where)
        if "embedding" in item.get("controls", []):
            from tda_nn.experiments.embedding import measure_embedding

            log(f"== {entry}: embedding control (invertible tanh layers, gain "
                f"{spec['embedding']['gain']:g})")
            measure_embedding(run_dir, item, spec["embedding"], protocols_of(item), n_jobs=jobs,
                              scheduler=where)
        seconds[entry] = round(time.perf_counter() - t0, 1)
        log(f"== {entry}: done in {seconds[entry]:.0f} s")
    result = analyse_experiment(out)
    result["seconds"] = seconds
    return result


def protocols_of(item: dict[str, Any]) -> dict[str, tuple[TopologyParams, int]]:
    """Protocol name -> (persistence parameters, fewest points of a class cloud) of an entry."""
    from tda_nn.pipeline.run import topology_params

    spec = item["spec"]
    out = {DEFAULT: (topology_params(spec), spec["topology"]["min_class_points"])}
    if item["knn"]["enabled"]:
        out[KNN] = (knn_params(item["knn"]), item["knn"]["min_class_points"])
    return out


def split_of(spec: dict[str, Any]) -> str:
    """How the experiment splits a pipeline's clouds into classes: by true label where its spec
    says so (the untrained and shuffled-label controls), else by predicted label (the claims
    are per class)."""
    return "true" if spec["topology"]["classes"] == "true" else "predicted"


def knn_job(run_dir: str | Path, knn: dict[str, Any], *, n_jobs: int = 1,
            scheduler: Any = None, progress: bool = False) -> Path:
    """The paper's protocol on the class clouds of a run directory (resumable).

    Like ``tda_nn.analysis.persistence_job`` with ``classes="predicted"``, but only the class
    clouds are measured (the protocol is per class; the whole-probe cloud is the costliest unit
    and is not used) and, with ``knn["steps"] == "last"``, only each run's last step. Writes
    ``RUN_DIR/protocols/knn/topology.csv`` and returns its path. The units run through
    :func:`tda_nn.execution.run_units` (``n_jobs`` processes, or the Dask ``scheduler``).
    """
    from tda_nn.analysis.job import (
        prepare_output,
        run_plan,
        write_diagrams,
        write_manifest,
        write_table,
    )
    from tda_nn.analysis.plan import Plan, plan_units
    from tda_nn.io import RunStore
    from tda_nn.pipeline.run import class_labels

    run_dir = Path(run_dir)
    out = run_dir / PROTOCOL_DIR / KNN
    params = knn_params(knn)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    classes = split_of(manifest["spec"])
    plan = Plan()
    for run_id, info in manifest["runs"].items():
        store = RunStore(info["store"])
        steps = store.steps if knn["steps"] == "all" else [max(info["steps_captured"])]
        for step in steps:
            plan_units(run=run_id, source=str(store.root), kind="store", step=step,
                       layer_names=store.layer_names,
                       class_labels=class_labels(store, step, classes),
                       probe_labels=None, min_class_points=knn["min_class_points"], plan=plan,
                       include_all=False)
    prepare_output(out, params, overwrite=False, job="persistence")
    extra = {"input": str(run_dir), "protocol": "knn (Naitzat et al. 2020)", "knn": knn}
    write_manifest(out, status="running", job="persistence", params=params, extra=extra)
    table, diagrams, summary = run_plan(plan, params, out, n_jobs=n_jobs, scheduler=scheduler,
                                        progress=progress)
    info = manifest["runs"]
    table.insert(1, "model", table["run"].map(lambda r: info[r]["model"]))
    table.insert(2, "seed", table["run"].map(lambda r: info[r]["seed"]))
    write_table(table, out / "topology.csv")
    write_diagrams(diagrams, out / "diagrams.npz")
    extra.update(skipped=plan.skipped, execution={"engine": summary.engine,
                                                  "n_workers": summary.n_workers,
                                                  "n_units": summary.n_units})
    write_manifest(out, status="complete", job="persistence", params=params, extra=extra)
    return out / "topology.csv"


def measure_inputs(run_dir: str | Path, item: dict[str, Any], *, n_jobs: int = 1,
                   scheduler: Any = None) -> list[Path]:
    """Measure the input layer (the probe points) of every run, with both protocols.

    Classes are split by the run's predicted labels at each step, as for the other layers; the
    whole-cloud row carries TwoNN and the linear probe under the default protocol. Every captured
    step is measured with the default protocol (cheap; needed by the over-training view), the
    last step only with the kNN protocol unless its ``steps`` is ``"all"``. Writes
    ``protocols/input_<protocol>_<digest>_<steps>.csv`` per protocol (read back if present). The
    units run through :func:`tda_nn.execution.run_units` (``n_jobs`` processes, or the Dask
    ``scheduler``).
    """
    import functools

    from tda_nn.analysis.plan import plan_units
    from tda_nn.execution import run_units
    from tda_nn.io import RunStore
    from tda_nn.pipeline.data import prepare_data
    from tda_nn.pipeline.run import class_labels

    run_dir = Path(run_dir)
    spec = item["spec"]
    protocols = {name: (params, least, "all" if name == DEFAULT else item["knn"]["steps"])
                 for name, (params, least) in protocols_of(item).items()}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    written = []
    data = None
    for protocol, (params, min_points, which) in protocols.items():
        path = run_dir / PROTOCOL_DIR / f"input_{protocol}_{params.digest()}_{which}.csv"
        written.append(path)
        if path.is_file():
            continue
        if data is None:
            data = prepare_data(spec["data"], source=spec["name"])
        jobs = []
        for run_id, info in manifest["runs"].items():
            store = RunStore(info["store"])
            steps = store.steps if which == "all" else [max(info["steps_captured"])]
            plan = None
            for step in steps:
                plan = plan_units(run=run_id, source=str(store.root), kind="store", step=step,
                                  layer_names=["input"],
                                  class_labels=class_labels(store, step, split_of(spec)),
                                  probe_labels=store.labels, min_class_points=min_points,
                                  plan=plan)
            for unit in plan.units if plan is not None else []:
                if protocol == KNN and unit.cls == "all":
                    continue
                jobs.append((unit, info))
        fn = functools.partial(_measure_input, data.X_probe, params=params)
        results, _ = run_units(fn, [unit for unit, _ in jobs], n_jobs=n_jobs, scheduler=scheduler,
                               progress=False, desc="input layer")
        rows = []
        for (unit, info), unit_rows in zip(jobs, results, strict=True):
            for row in unit_rows:
                rows.append({"run": unit.run, "model": info["model"], "seed": info["seed"],
                             "step": unit.step, "layer": "input", "layer_index": -1,
                             "class": unit.cls, **row, "protocol": protocol})
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            pd.DataFrame(rows).to_csv(tmp, index=False)
    return written


def _measure_input(X: np.ndarray, unit: Unit, params: TopologyParams) -> list[dict[str, Any]]:
    from tda_nn.analysis.measures import measure_cloud

    rows = np.arange(len(X)) if unit.indices is None else np.asarray(unit.indices)
    cloud = np.asarray(X[rows], dtype=np.float32).reshape(len(rows), -1)
    out, _ = measure_cloud(cloud, unit, params)
    for row in out:
        row["n_points"] = len(rows)
    return out


def analyse_experiment(out: str | Path) -> dict[str, Any]:
    """Analyse every finished pipeline of ``out``; write ``OUT/results/`` and the verdict.

    Parameters
    ----------
    out : str or Path
        Experiment directory written by :func:`run_experiment`.

    Returns
    -------
    dict
        ``findings`` (DataFrame), ``verdict`` (list of dicts) and ``results`` (every table).
    """
    from tda_nn.experiments.findings import analyse
    from tda_nn.experiments.report_page import write_experiment_report
    from tda_nn.experiments.tables import load_experiment
    from tda_nn.experiments.verdict import verdict, verdict_markdown

    out = Path(out)
    tables = load_experiment(out)
    results = analyse(tables)
    results_dir = out / "results"
    results_dir.mkdir(exist_ok=True)
    for name, frame in {**results, "runs": tables["runs"]}.items():
        with atomic_path(results_dir / f"{name}.csv") as tmp:
            frame.to_csv(tmp, index=False)
    items = verdict(results["findings"], tables["runs"])
    write_json(results_dir / "verdict.json", items)
    with atomic_path(results_dir / "verdict.md") as tmp:
        Path(tmp).write_text(verdict_markdown(items), encoding="utf-8")
    write_experiment_report(out, results, tables, items)
    return {"findings": results["findings"], "verdict": items, "results": results}
