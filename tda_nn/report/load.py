"""Reading what a report is made of: a run directory of ``tda-nn run`` or an output directory of
``tda-nn persistence``.

Everything is read from files the jobs wrote (``manifest.json``, ``spec.json``, ``topology.csv`` or
``betti.csv``, ``metrics.csv``, ``diagrams.npz``, the activation stores under ``runs/``); nothing is
recomputed except the UMAP projections.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.errors import InputError, StoreError

#: Table files, in the order they are looked for.
TABLE_FILES = ("topology.csv", "betti.csv")
#: Columns every topology table must have.
REQUIRED_COLUMNS = ("layer", "homology_dim", "betti")
#: Columns read as text (layer names such as ``0`` or classes such as ``3`` stay strings).
TEXT_COLUMNS = ("run", "model", "layer", "class", "diagram_key", "betti_method")


@dataclass
class RunData:
    """The files of one run (or persistence output) directory, parsed.

    Attributes
    ----------
    root : Path
    manifest : dict
        ``manifest.json`` (empty when the directory has none).
    spec : dict or None
        The validated pipeline spec (``tda-nn run`` only).
    table : pandas.DataFrame
        The topology table: one row per (run, step, layer, class, homology_dim).
    table_name : str
        ``"topology.csv"`` or ``"betti.csv"``.
    metrics : pandas.DataFrame or None
        Training metrics of every run (``metrics.csv``), when there are any.
    diagrams_path : Path or None
        ``diagrams.npz``, when present.
    stores : dict of str to RunStore
        Activation stores by run id (the table's ``run`` column).
    activations_source : str or None
        Saved-activations path a ``tda-nn persistence`` job read, when it still exists.
    kind : str
        ``"run"`` (``tda-nn run``), ``"store"`` (persistence of a run store) or
        ``"activations"`` (persistence of saved activations).
    """

    root: Path
    manifest: dict[str, Any]
    spec: dict[str, Any] | None
    table: pd.DataFrame
    table_name: str
    metrics: pd.DataFrame | None
    diagrams_path: Path | None
    stores: dict[str, Any] = field(default_factory=dict)
    activations_source: str | None = None
    kind: str = "run"

    @property
    def class_mode(self) -> str | None:
        """How clouds were split by class: ``"predicted"``, ``"true"``, ``"none"`` or None
        (unknown). The manifest of the job that wrote the table wins over the spec."""
        mode = self.manifest.get("classes")
        if isinstance(mode, list):
            mode = ", ".join(map(str, mode)) if mode else None
        if mode is None and self.spec and isinstance(self.spec.get("topology"), dict):
            mode = self.spec["topology"].get("classes")
        return None if mode is None else str(mode)

    @property
    def topology_parameters(self) -> dict[str, Any]:
        """The persistence parameters recorded in the manifest (empty if none)."""
        topo = self.manifest.get("topology")
        params = topo.get("parameters") if isinstance(topo, dict) else None
        return dict(params) if isinstance(params, dict) else {}

    def read_diagrams(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The diagrams ``(n_bars, 3)`` stored under ``keys`` in ``diagrams.npz`` (missing keys
        are left out).

        Parameters
        ----------
        keys : list of str
            Diagram keys (the table's ``diagram_key`` column).

        Raises
        ------
        StoreError
            ``diagrams.npz`` is unreadable.
        """
        if self.diagrams_path is None:
            return {}
        try:
            with np.load(self.diagrams_path, allow_pickle=False) as data:
                present = set(data.files)
                return {k: np.asarray(data[k], dtype=np.float64) for k in keys if k in present}
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.diagrams_path}: unreadable diagrams file ({exc})") from exc


def load_run(run_dir: str | os.PathLike[str]) -> RunData:
    """Read a run directory (or persistence output directory) for a report.

    Parameters
    ----------
    run_dir : str or PathLike
        A directory written by ``tda-nn run``, ``tda-nn persistence`` or ``tda-nn experiment``.

    Raises
    ------
    InputError
        No such directory, no table in it, or a job that has not finished (manifest status other
        than ``"complete"``).
    StoreError
        A manifest, table or metrics file that cannot be parsed.
    """
    root = Path(run_dir)
    if not root.exists():
        raise InputError(f"{root}: no such directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory (give a run directory of tda-nn run or "
                         "an output directory of tda-nn persistence)")
    manifest = _read_json(root / "manifest.json") or {}
    status = manifest.get("status")
    if status is not None and status != "complete":
        raise InputError(
            f"{root}: the job is not finished (manifest status {status!r}); re-run the same "
            "command to complete it, then make the report"
        )
    table_path = next((root / n for n in TABLE_FILES if (root / n).is_file()), None)
    if table_path is None:
        raise InputError(
            f"{root}: no topology.csv or betti.csv; not a finished tda-nn run or persistence output"
        )
    table = _read_table(table_path)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise StoreError(f"{table_path}: lacks column(s) {missing}")
    if table.empty:
        raise StoreError(f"{table_path}: the table has no rows")
    metrics = None
    if (root / "metrics.csv").is_file():
        metrics = _read_table(root / "metrics.csv")
        if metrics.empty or "step" not in metrics.columns:
            metrics = None
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        spec = _read_json(root / "spec.json")
    diagrams = root / "diagrams.npz"
    kind = str(manifest.get("input_kind") or ("activations" if table_path.name == "betti.csv"
                                               else "run"))
    data = RunData(
        root=root,
        manifest=manifest,
        spec=spec if isinstance(spec, dict) else None,
        table=table,
        table_name=table_path.name,
        metrics=metrics,
        diagrams_path=diagrams if diagrams.is_file() else None,
        kind=kind,
    )
    data.stores = _find_stores(root, manifest)
    source = manifest.get("input")
    if kind == "activations" and isinstance(source, str) and Path(source).exists():
        data.activations_source = source
    return data


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise StoreError(f"{path}: expected a JSON object, got {type(value).__name__}")
    return value


def _read_table(path: Path) -> pd.DataFrame:
    try:
        header = pd.read_csv(path, nrows=0).columns
        dtypes = {c: str for c in TEXT_COLUMNS if c in header}
        # only empty cells are missing: a layer or class named "None" or "NA" stays text
        return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise StoreError(f"{path}: unreadable CSV table ({exc})") from exc


def _find_stores(root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    from tda_nn.io import RunStore

    stores: dict[str, Any] = {}
    runs = root / "runs"
    if runs.is_dir():
        for path in sorted(runs.iterdir()):
            if RunStore.is_store(path):
                stores[path.name] = RunStore(path)
    source = manifest.get("input")
    if not stores and isinstance(source, str) and RunStore.is_store(source):
        stores[Path(source).name] = RunStore(source)
    return stores
