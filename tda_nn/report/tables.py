"""The report's tables, computed from the tidy topology table and the training metrics.

Every function takes and returns pandas DataFrames; nothing here knows about HTML.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Per-cloud feature columns shown next to the Betti numbers (taken from the H0 row).
CLOUD_COLUMNS = ("n_points", "n_points_used", "intrinsic_dimension", "linear_probe_accuracy")
#: Per-dimension feature columns of the detailed table, when present.
DIM_COLUMNS = ("betti_method", "covering_radius", "error_bound", "n_bars", "max_lifetime",
               "total_persistence", "persistence_entropy")
#: Training-metric columns of the compact metrics table, when present.
METRIC_COLUMNS = ("step", "epoch", "loss", "train_accuracy", "test_accuracy")


def key_columns(table: pd.DataFrame) -> list[str]:
    """The identifying columns the table has, among ``run, step, layer_index, layer``."""
    return [c for c in ("run", "step", "layer_index", "layer") if c in table.columns]


def has_steps(table: pd.DataFrame) -> bool:
    return "step" in table.columns and table["step"].nunique() > 1


def class_values(table: pd.DataFrame) -> list[str]:
    """Distinct classes, ``"all"`` first, the others in their natural (numeric if possible)
    order."""
    if "class" not in table.columns:
        return []
    values = [str(v) for v in pd.unique(table["class"].astype(str))]
    others = sorted((v for v in values if v != "all"), key=_natural)
    return (["all"] if "all" in values else []) + others


def whole_cloud_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the whole probe cloud (``class == "all"``), or every row when there is no class."""
    if "class" not in table.columns:
        return table
    rows = table[table["class"].astype(str) == "all"]
    return rows if not rows.empty else table


def last_step_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows at the last captured step of each run (runs may stop at different steps)."""
    if "step" not in table.columns:
        return table
    if "run" in table.columns:
        last = table.groupby("run", sort=False)["step"].transform("max")
    else:
        last = table["step"].max()
    return table[table["step"] == last]


def last_steps(table: pd.DataFrame) -> dict[str, int]:
    """Run id -> its last captured step (empty without a step column)."""
    if "step" not in table.columns:
        return {}
    if "run" not in table.columns:
        return {"": int(table["step"].max())}
    return {str(k): int(v) for k, v in table.groupby("run", sort=True)["step"].max().items()}


def betti_pivot(rows: pd.DataFrame, extra: tuple[str, ...] = CLOUD_COLUMNS) -> pd.DataFrame:
    """One row per cloud (run, step, layer, class), one ``β<d>`` column per homology dimension.

    ``extra`` per-cloud columns present in ``rows`` are added from the cloud's lowest-dimension
    row. Rows are in run, step and depth order.

    Returns
    -------
    pandas.DataFrame
        Columns: the key columns present (``run, step, layer, class``), ``β0 .. βk``, then ``extra``.
    """
    keys = key_columns(rows) + (["class"] if "class" in rows.columns else [])
    dims = sorted(int(d) for d in pd.unique(rows["homology_dim"]))
    frame = rows.assign(homology_dim=rows["homology_dim"].astype(int))
    if "class" in frame.columns:
        frame = frame.assign(**{"class": frame["class"].astype(str)})
    base = frame.drop_duplicates(keys)[keys].reset_index(drop=True)
    for d in dims:
        part = frame[frame["homology_dim"] == d].drop_duplicates(keys)[keys + ["betti"]]
        base = base.merge(part.rename(columns={"betti": f"β{d}"}), on=keys, how="left")
    first = frame.sort_values("homology_dim", kind="stable").drop_duplicates(keys)
    present = [c for c in extra if c in frame.columns and frame[c].notna().any()]
    if present:
        base = base.merge(first[keys + present], on=keys, how="left")
    order = [c for c in ("run", "step", "layer_index") if c in base.columns]
    if "class" in base.columns:
        base = base.assign(_cls=base["class"].map(_class_rank))
        order.append("_cls")
    base = base.sort_values(order, kind="stable").drop(columns=[c for c in ("_cls",)
                                                                if c in base.columns])
    return base.drop(columns=[c for c in ("layer_index",) if c in base.columns]).reset_index(
        drop=True)


def headline_table(table: pd.DataFrame) -> pd.DataFrame:
    """Betti numbers of each layer's whole cloud at the last captured step of each run."""
    rows = last_step_rows(whole_cloud_rows(table))
    out = betti_pivot(rows)
    return out.drop(columns=[c for c in ("class",) if c in out.columns])


def detail_table(table: pd.DataFrame) -> pd.DataFrame:
    """Every last-step row (each class, each dimension) with the per-dimension features."""
    rows = last_step_rows(table)
    keys = key_columns(rows) + [c for c in ("class", "homology_dim", "betti") if c in rows.columns]
    features = [c for c in DIM_COLUMNS if c in rows.columns and rows[c].notna().any()]
    out = rows[keys + features].copy()
    if "class" in out.columns:
        out["_cls"] = out["class"].astype(str).map(_class_rank)
    order = [c for c in ("run", "step", "layer_index", "_cls", "homology_dim") if c in out.columns]
    out = out.sort_values(order, kind="stable")
    return out.drop(columns=[c for c in ("_cls", "layer_index") if c in out.columns]).reset_index(
        drop=True)


def metrics_table(
    metrics: pd.DataFrame, table: pd.DataFrame | None = None, max_rows_per_run: int = 12
) -> tuple[pd.DataFrame, int]:
    """Training metrics at the captured steps (and each run's last step), thinned to at most
    ``max_rows_per_run`` rows per run (first and last kept).

    Returns
    -------
    (pandas.DataFrame, int)
        The compact table and the number of rows of the full metrics table.
    """
    cols = [c for c in ("run",) + METRIC_COLUMNS if c in metrics.columns]
    frame = metrics[cols]
    groups = frame.groupby("run", sort=False) if "run" in frame.columns else [("", frame)]
    kept = []
    for run, part in groups:
        part = part.sort_values("step", kind="stable")
        steps = part["step"].to_numpy()
        wanted = np.zeros(len(part), dtype=bool)
        if table is not None and "step" in table.columns:
            captured = table["step"]
            if "run" in table.columns and run != "":
                captured = table.loc[table["run"].astype(str) == str(run), "step"]
            wanted |= np.isin(steps, captured.unique())
        wanted[-1] = True
        if not wanted[:-1].any():
            wanted[:] = True
        idx = np.flatnonzero(wanted)
        if len(idx) > max_rows_per_run:
            pick = np.unique(np.round(np.linspace(0, len(idx) - 1, max_rows_per_run)).astype(int))
            idx = idx[pick]
        kept.append(part.iloc[idx])
    return pd.concat(kept, ignore_index=True), len(metrics)


def runs_table(
    manifest: dict[str, Any], table: pd.DataFrame, metrics: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per training run: model, seed, layers, captured steps, final accuracies, whether
    the target was reached and why training stopped (what the manifest and tables know)."""
    runs = manifest.get("runs") if isinstance(manifest.get("runs"), dict) else {}
    ids = list(runs) or ([str(r) for r in pd.unique(table["run"])] if "run" in table.columns
                         else [])
    records = []
    for run in ids:
        info = runs.get(run, {}) if isinstance(runs.get(run), dict) else {}
        rows = table[table["run"].astype(str) == run] if "run" in table.columns else table
        steps = sorted(int(s) for s in pd.unique(rows["step"])) if "step" in rows.columns else []
        record: dict[str, Any] = {
            "run": run,
            "model": info.get("model", _first(rows, "model")),
            "seed": info.get("seed", _first(rows, "seed")),
            "layers": rows["layer"].nunique() if not rows.empty else len(info.get("layers", [])),
            "steps": _steps_text(steps),
        }
        train = info.get("final_train_accuracy")
        test = info.get("final_test_accuracy")
        if (train is None or test is None) and metrics is not None and "run" in metrics.columns:
            last = metrics[metrics["run"].astype(str) == run].sort_values("step").tail(1)
            if not last.empty:
                train = train if train is not None else _first(last, "train_accuracy")
                test = test if test is not None else _first(last, "test_accuracy")
        record["train accuracy"] = train
        record["test accuracy"] = test
        record["reached target"] = info.get("reached_target")
        record["stop reason"] = info.get("stop_reason")
        records.append(record)
    out = pd.DataFrame(records)
    return out.dropna(axis=1, how="all") if not out.empty else out


def _first(rows: pd.DataFrame, column: str) -> Any:
    if column not in rows.columns or rows.empty:
        return None
    value = rows[column].iloc[0]
    return None if pd.isna(value) else value


def _steps_text(steps: list[int]) -> str:
    if not steps:
        return ""
    if len(steps) <= 6:
        return ", ".join(map(str, steps))
    return f"{len(steps)} steps, {steps[0]} to {steps[-1]}"


def _natural(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _class_rank(value: Any) -> tuple[int, float, str]:
    text = str(value)
    return (-1, 0.0, text) if text == "all" else _natural(text)
