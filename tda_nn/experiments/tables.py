"""Read an experiment directory into tidy tables, and derive the per-cloud complexity table.

:func:`load_experiment` returns ``topology`` (every ``topology.csv``, with ``dataset`` and
``protocol``), ``metrics`` and ``runs``; their columns: ``docs/experiments.md`` (Tables).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.errors import InputError

#: protocol name of the pipeline's own ``topology`` section
DEFAULT = "default"
#: protocol name of the paper's kNN-graph protocol
KNN = "knn"
PROTOCOL_DIR = "protocols"
#: ``condition`` of the runs table for the trained networks (controls: their control's name)
TRAINED = "trained"
#: names the embedding-control table of the current settings, under ``PROTOCOL_DIR``
EMBEDDING_POINTER = "embedding_current.txt"


def load_experiment(out: str | Path) -> dict[str, pd.DataFrame]:
    """Tables of a finished (or partly finished) experiment directory.

    Returns
    -------
    dict with ``topology``, ``metrics`` and ``runs`` (see docs/experiments.md).
    """
    out = Path(out)
    spec_path = out / "experiment.json"
    if not spec_path.is_file():
        raise InputError(f"{out}: not an experiment directory (no experiment.json)")
    spec = json.loads(spec_path.read_text())
    topo, metrics, runs = [], [], []
    for entry, item in spec["pipelines"].items():
        run_dir = out / entry
        if not (run_dir / "topology.csv").is_file():
            continue
        tables = load_pipeline(run_dir, item.get("base") or entry, item.get("control"),
                               embedding="embedding" in (item.get("controls") or []))
        topo.append(tables["topology"])
        metrics.append(tables["metrics"])
        runs.append(tables["runs"])
    if not topo:
        raise InputError(f"{out}: no finished pipeline yet (no */topology.csv)")
    return {
        "topology": pd.concat(topo, ignore_index=True),
        "metrics": pd.concat(metrics, ignore_index=True),
        "runs": pd.concat(runs, ignore_index=True),
    }


def load_pipeline(run_dir: str | Path, dataset: str, control: str | None = None, *,
                  embedding: bool = False) -> dict[str, pd.DataFrame]:
    """Tables of one pipeline run directory (default protocol, kNN protocol, input layer, and
    with ``embedding`` the embedding control, where it was measured).

    ``dataset`` is the trained entry the pipeline belongs to; a control pipeline (``control``,
    e.g. ``"shuffled_labels"``) has its run ids prefixed ``"<control>/"`` so that they never
    clash with the trained runs they are paired with (by ``model`` and ``seed``).
    """
    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    spec = json.loads((run_dir / "spec.json").read_text())
    runs = runs_table(manifest, spec, dataset)
    runs["condition"] = control or TRAINED
    parts = [_tagged(pd.read_csv(run_dir / "topology.csv"), dataset, DEFAULT)]
    knn_csv = run_dir / PROTOCOL_DIR / KNN / "topology.csv"
    if knn_csv.is_file():
        parts.append(_tagged(pd.read_csv(knn_csv), dataset, KNN))
    for path in sorted((run_dir / PROTOCOL_DIR).glob("input_*.csv")):
        parts.append(pd.read_csv(path).assign(dataset=dataset))
    metrics = pd.read_csv(run_dir / "metrics.csv").assign(dataset=dataset)
    if control:
        rename = {run: f"{control}/{run}" for run in runs["run"]}
        runs["run"] = runs["run"].map(rename)
        metrics["run"] = metrics["run"].map(lambda r: rename.get(r, r))
        parts = [p.assign(run=p["run"].map(lambda r: rename.get(r, r))) for p in parts]
    pointer = run_dir / PROTOCOL_DIR / EMBEDDING_POINTER
    if embedding and pointer.is_file():
        table = pd.read_csv(pointer.parent / pointer.read_text().strip()).assign(dataset=dataset)
        parts.append(table)
        runs = pd.concat([runs, embedding_runs(table, dataset)], ignore_index=True)
    topology = pd.concat(parts, ignore_index=True)
    topology["class"] = topology["class"].astype(str)
    keys = ["protocol", "run", "step", "layer", "class", "homology_dim"]
    topology = topology.drop_duplicates(keys, keep="last").reset_index(drop=True)
    return {"topology": topology, "metrics": metrics, "runs": runs}


def _tagged(table: pd.DataFrame, dataset: str, protocol: str) -> pd.DataFrame:
    return table.assign(dataset=dataset, protocol=protocol)


def runs_table(manifest: dict[str, Any], spec: dict[str, Any], dataset: str) -> pd.DataFrame:
    """One row per training run of a pipeline manifest (see docs/experiments.md).

    ``reached_target`` says whether a run met its training criterion: the spec's
    ``target_train_accuracy`` where it sets one, else its whole training budget (``epochs``);
    ``target_train_accuracy`` is NaN for the latter.
    """
    target = (spec.get("training") or {}).get("target_train_accuracy")
    rows = []
    for run_id, info in (manifest.get("runs") or {}).items():
        model = spec["models"].get(info["model"], {})
        steps = info.get("steps_captured") or []
        rows.append({
            "dataset": dataset,
            "run": run_id,
            "model": info["model"],
            "seed": info["seed"],
            "type": model.get("type", "mlp"),
            "depth": model.get("depth") or (len(model.get("channels") or []) or None),
            "width": model.get("width"),
            "activation": model.get("activation", "relu"),
            "reached_target": bool(info.get("reached_target")) or (
                target is None and info.get("stop_reason") == "epochs"),
            "target_train_accuracy": np.nan if target is None else float(target),
            "final_train_accuracy": info.get("final_train_accuracy"),
            "final_test_accuracy": info.get("final_test_accuracy"),
            "last_step": max(steps) if steps else np.nan,
        })
    return pd.DataFrame(rows)


def embedding_runs(table: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """One runs-table row per embedding stack of an ``embedding_*.csv`` table."""
    rows = []
    for (run, seed), g in table.groupby(["run", "seed"]):
        rows.append({"dataset": dataset, "run": run, "model": "embedding", "seed": int(seed),
                     "type": "embedding", "depth": int(g["layer_index"].max()) + 1,
                     "width": np.nan, "activation": "tanh", "reached_target": False,
                     "final_train_accuracy": np.nan, "final_test_accuracy": np.nan,
                     "last_step": 0, "condition": "embedding"})
    return pd.DataFrame(rows)


CLOUD_KEYS = ["dataset", "protocol", "run", "step", "layer", "layer_index", "class"]


def class_complexity(topology: pd.DataFrame) -> pd.DataFrame:
    """One row per class cloud: its Betti numbers, complexity and relative depth.

    Parameters
    ----------
    topology : DataFrame
        Rows ``dataset, protocol, run, step, layer, layer_index, class, homology_dim, betti``;
        rows of ``class == "all"`` are ignored.

    Returns
    -------
    DataFrame
        ``CLOUD_KEYS`` plus ``b0, b1, b2`` (0 where a dimension was not computed),
        ``complexity = b0 + b1 + b2``, ``trivial`` (``b0 == 1`` and the rest 0), ``n_layers``
        (captured layers of the run, the input not counted) and ``position``: relative depth,
        ``(layer_index + 1) / n_layers``, so the input is 0 and the last captured layer 1.
    """
    rows = topology[topology["class"].astype(str) != "all"]
    if rows.empty:
        return pd.DataFrame(columns=CLOUD_KEYS + ["b0", "b1", "b2", "complexity", "trivial",
                                                 "n_layers", "position"])
    wide = rows.pivot_table(index=CLOUD_KEYS, columns="homology_dim", values="betti",
                            aggfunc="first").reset_index()
    for dim in (0, 1, 2):
        name = f"b{dim}"
        wide[name] = wide[dim].fillna(0).astype(int) if dim in wide.columns else 0
    wide = wide[CLOUD_KEYS + ["b0", "b1", "b2"]].copy()
    wide["complexity"] = wide["b0"] + wide["b1"] + wide["b2"]
    wide["trivial"] = (wide["b0"] == 1) & (wide["b1"] == 0) & (wide["b2"] == 0)
    depth = topology.groupby(["dataset", "run"])["layer_index"].max().rename("n_layers") + 1
    wide = wide.merge(depth.reset_index(), on=["dataset", "run"], how="left")
    wide["position"] = (wide["layer_index"] + 1) / wide["n_layers"]
    return wide


#: ``class`` of the rows of :func:`class_mean_clouds`
CLASS_MEAN = "mean"


def class_mean_clouds(cx: pd.DataFrame) -> pd.DataFrame:
    """The class clouds of :func:`class_complexity` averaged over the classes of each (dataset,
    protocol, run, step, layer): the same columns, ``class == CLASS_MEAN``, ``b0 .. complexity``
    the class means (floats), so that per-run class means can be averaged over seeds."""
    keys = [k for k in CLOUD_KEYS if k != "class"] + ["n_layers", "position"]
    out = cx.groupby(keys, as_index=False)[["b0", "b1", "b2", "complexity"]].mean()
    return out.assign(**{"class": CLASS_MEAN})


def layer_complexity(cx: pd.DataFrame) -> pd.DataFrame:
    """Mean over the class clouds of each (dataset, protocol, run, step, layer)."""
    keys = ["dataset", "protocol", "run", "step", "layer", "layer_index", "position", "n_layers"]
    return (cx.groupby(keys, as_index=False)
              .agg(complexity=("complexity", "mean"), trivial=("trivial", "mean"),
                   n_classes=("class", "nunique")))


def final_rows(frame: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Rows at each run's last captured step (the trained network)."""
    last = runs[["dataset", "run", "last_step"]]
    merged = frame.merge(last, on=["dataset", "run"], how="inner")
    return merged[merged["step"] == merged["last_step"]].drop(columns="last_step")


def layer_measures(topology: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, run, step, layer): every measure side by side, with the accuracies.

    Columns: ``dataset, run, step, layer, layer_index, position, complexity_default,
    complexity_knn`` (class mean; NaN where not measured), ``linear_probe_accuracy,
    intrinsic_dimension`` (whole cloud, default protocol) and ``train_accuracy,
    test_accuracy`` of the network at that step.
    """
    lc = layer_complexity(class_complexity(topology))
    keys = ["dataset", "run", "step", "layer", "layer_index"]
    wide = lc.pivot_table(index=keys + ["position"], columns="protocol", values="complexity",
                          aggfunc="first").reset_index()
    wide.columns.name = None
    for protocol in (DEFAULT, KNN):
        if protocol not in wide.columns:
            wide[protocol] = np.nan
    wide = wide.rename(columns={DEFAULT: "complexity_default", KNN: "complexity_knn"})
    whole = topology[(topology["class"].astype(str) == "all") & (topology["protocol"] == DEFAULT)]
    companion = (whole.groupby(keys, as_index=False)
                      .agg(linear_probe_accuracy=("linear_probe_accuracy", "first"),
                           intrinsic_dimension=("intrinsic_dimension", "first")))
    wide = wide.merge(companion, on=keys, how="outer")
    acc = metrics[["dataset", "run", "step", "train_accuracy", "test_accuracy"]].drop_duplicates(
        ["dataset", "run", "step"])
    wide = wide.merge(acc, on=["dataset", "run", "step"], how="left")
    if wide["position"].isna().any():
        depth = topology.groupby(["dataset", "run"])["layer_index"].max().rename("n_layers") + 1
        wide = wide.merge(depth.reset_index(), on=["dataset", "run"], how="left")
        wide["position"] = wide["position"].fillna((wide["layer_index"] + 1) / wide["n_layers"])
        wide = wide.drop(columns="n_layers")
    wide["position"] = wide["position"].astype(float)  # outer merges can leave object dtype
    return wide.sort_values(keys).reset_index(drop=True)
