"""Run a planned set of units and write the tables: resumable, atomic, never half-complete.

An output directory moves through two states, recorded in ``OUT/manifest.json``:
``"status": "running"`` (unit results accumulate in ``OUT/units/``; tables absent or stale) and
``"status": "complete"`` (written last, after the tables and diagrams). Re-running the same job on the
same directory reuses every finished unit; a directory holding results of other parameters is refused
unless ``overwrite=True``.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import atomic_path, write_json, write_npz
from tda_nn.analysis.outdir import OWNER, claim_output, remove_own_units
from tda_nn.analysis.plan import Plan
from tda_nn.analysis.units import TopologyParams, Unit, measure_unit, read_diagram
from tda_nn.errors import ExecutionError, InputError
from tda_nn.execution import RunSummary, run_units
from tda_nn.versions import library_versions

#: Columns that lead every table, in this order; feature columns follow.
KEY_COLUMNS = ["run", "step", "layer", "layer_index", "class", "homology_dim", "betti"]


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """``OUT/manifest.json`` as a dict; ``{}`` when it is missing or unreadable (a fresh start)."""
    import json

    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def prepare_output(out_dir: Path, params: TopologyParams, *, overwrite: bool, job: str) -> None:
    """Create ``out_dir`` or check that it holds a resumable job with the same parameters.

    ``out_dir`` must be empty or tda-nn's own (:func:`tda_nn.analysis.outdir.claim_output`); a
    persistence job may also write into a run directory. ``overwrite`` removes only the unit
    results tda-nn wrote.
    """
    jobs = (job, "run") if job == "persistence" else (job,)
    manifest = claim_output(out_dir, jobs)
    topology = manifest.get("topology")
    old_digest = topology.get("digest") if isinstance(topology, dict) else None
    if old_digest not in (None, params.digest()) and not overwrite:
        raise InputError(
            f"{out_dir}: holds results computed with other parameters; "
            "choose another --out or pass --overwrite"
        )
    if overwrite:
        remove_own_units(out_dir / "units")
    out_dir.mkdir(parents=True, exist_ok=True)


def run_plan(
    plan: Plan,
    params: TopologyParams,
    out_dir: Path,
    *,
    n_jobs: int | None = 1,
    scheduler: Any = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], RunSummary]:
    """Measure every unit of ``plan``; return the tidy table, the diagrams by key, and a summary.

    Callers check the units' memory first (:func:`tda_nn.analysis.memory.check_memory`).
    """
    if not plan.units:
        raise InputError(f"{out_dir}: nothing to measure (no layers or no points)")
    fn = functools.partial(measure_unit, params=params, out_dir=str(out_dir))
    try:
        results, summary = run_units(
            fn, plan.units, n_jobs=n_jobs, scheduler=scheduler, progress=progress,
            desc="persistence",
        )
    except ExecutionError as exc:
        raise ExecutionError(
            f"{out_dir}: {exc}; finished units are kept in {out_dir / 'units'}: run the same "
            "command again to resume"
        ) from None
    rows: list[dict[str, Any]] = []
    diagrams: dict[str, np.ndarray] = {}
    for unit, unit_rows in zip(plan.units, results, strict=True):
        diagrams[unit.key] = read_diagram(out_dir, unit)
        for row in unit_rows:
            rows.append({**_unit_columns(unit), **row, "diagram_key": unit.key})
    table = pd.DataFrame(rows)
    front = [c for c in KEY_COLUMNS if c in table.columns]
    table = table[front + [c for c in table.columns if c not in front]]
    return table, diagrams, summary


def write_table(table: pd.DataFrame, path: Path) -> list[Path]:
    """Write ``path`` (CSV) atomically, and a Parquet twin when pyarrow can be imported."""
    written = [path]
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
    if not _pyarrow_works():
        return written
    parquet = path.with_suffix(".parquet")
    with atomic_path(parquet) as tmp:
        table.to_parquet(tmp, index=False)
    written.append(parquet)
    return written


@functools.lru_cache(maxsize=1)
def _pyarrow_works() -> bool:
    """Whether pyarrow (optional, for the Parquet twins) imports: it may be missing, or installed
    but built for another numpy (pyarrow >= 18 needs numpy 2, the giotto stack has numpy 1)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_diagrams(diagrams: dict[str, np.ndarray], path: Path) -> None:
    """``diagrams.npz``: one ``(n_bars, 3)`` array (birth, death, dim) per ``diagram_key``."""
    write_npz(path, diagrams)


def write_manifest(out_dir: Path, *, status: str, job: str, params: TopologyParams,
                   extra: dict[str, Any] | None = None) -> None:
    """Write ``OUT/manifest.json``; ``status="complete"`` must be the last write of a job."""
    write_json(
        out_dir / "manifest.json",
        {
            "written_by": OWNER,
            "job": job,
            "status": status,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "topology": {"digest": params.digest(), "parameters": params.as_dict()},
            "library_versions": library_versions(),
            **(extra or {}),
        },
    )


def _unit_columns(unit: Unit) -> dict[str, Any]:
    return {
        "run": unit.run,
        "step": unit.step,
        "layer": unit.layer,
        "layer_index": unit.layer_index,
        "class": unit.cls,
    }
