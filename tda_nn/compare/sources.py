"""The models found in the inputs of a comparison: :class:`Source` and :func:`load_sources`.

Run directories, run stores, persistence outputs and saved activations are read into
:class:`Source` objects (layers, probe description, stored diagrams); :class:`CloudRef` says
where one layer's cloud lives and loads it on demand. See :mod:`tda_nn.compare.job`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.compare.manifest import _read_manifest
from tda_nn.errors import InputError, StoreError

__all__ = ["CloudRef", "Source", "check_same_probe", "load_sources"]

_SEED_NAME = re.compile(r"^(?P<group>.+)_seed(?P<seed>\d+)$")


@dataclass(frozen=True)
class CloudRef:
    """Where one layer's probe cloud lives (picklable, loaded on demand).

    ``kind`` is ``"store"`` (a run store, at ``step``), ``"activations"`` (saved activations)
    or ``"memory"`` (``array`` itself).
    """

    kind: str
    path: str
    layer: str
    step: int = -1
    array: np.ndarray | None = field(default=None, compare=False, repr=False)

    def load(self) -> np.ndarray:
        """The cloud as float32 ``(n_points, n_features)``."""
        if self.kind == "memory":
            data = self.array
        elif self.kind == "store":
            from tda_nn.io import RunStore

            data = RunStore(self.path).read_activations(self.step, self.layer)
        else:
            from tda_nn.io import load_activations

            data = load_activations(self.path)[self.layer]
        cloud = np.asarray(data, dtype=np.float32)
        cloud = cloud.reshape(cloud.shape[0], -1)
        if not np.isfinite(cloud).all():
            bad = int((~np.isfinite(cloud)).any(axis=1).sum())
            raise InputError(f"{self.path}: layer {self.layer!r}: {bad} point(s) are NaN or infinite")
        return cloud


@dataclass
class Source:
    """One model to compare: its layers (in depth order), probe description and diagrams.

    Attributes
    ----------
    name : str
        Unique name, written in ``model_a``/``model_b``.
    group : str
        Architecture (models of one group differ by seed only).
    seed : int or None
    origin : str
        The input it came from.
    layers : list of str
    n_samples : int
        Probe points.
    step : int or None
        Training step compared (run stores).
    labels : ndarray or None
        Labels of the probe points.
    data : dict
        Data description recorded by a run store (empty otherwise).
    refs : dict of str to CloudRef
    stored : dict of str to ndarray
        Diagrams ``(n_bars, 3)`` found next to the input, by layer (possibly empty).
    stored_params : dict or None
        The persistence parameters of ``stored``.
    """

    name: str
    group: str
    seed: int | None
    origin: str
    layers: list[str]
    n_samples: int
    step: int | None = None
    labels: np.ndarray | None = None
    data: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, CloudRef] = field(default_factory=dict)
    stored: dict[str, np.ndarray] = field(default_factory=dict)
    stored_params: dict[str, Any] | None = None
    diagrams: dict[str, np.ndarray] = field(default_factory=dict)
    diagram_origin: str = ""
    _clouds: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def from_arrays(
        cls,
        name: str,
        layers: Mapping[str, Any],
        *,
        labels: Any = None,
        group: str | None = None,
        seed: int | None = None,
    ) -> Source:
        """A source held in memory: ``{layer: array (n_points, n_features)}``."""
        if not isinstance(layers, Mapping) or not layers:
            raise InputError(f"{name}: layers must be a non-empty mapping {{layer: array}}")
        refs = {str(k): CloudRef("memory", name, str(k), array=np.asarray(v)) for k, v in layers.items()}
        counts = {np.asarray(v).shape[0] for v in layers.values()}
        if len(counts) != 1:
            raise InputError(f"{name}: layers have different numbers of points {sorted(counts)}")
        parsed_group, parsed_seed = _group_of(name)
        return cls(
            name=name, group=group or parsed_group, seed=parsed_seed if seed is None else seed,
            origin="<memory>", layers=list(refs), n_samples=counts.pop(), refs=refs,
            labels=None if labels is None else np.asarray(labels),
        )

    def clouds(self) -> dict[str, np.ndarray]:
        """Every layer's cloud (float32), loaded once."""
        if self._clouds is None:
            self._clouds = {layer: self.refs[layer].load() for layer in self.layers}
        return self._clouds

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "group": self.group, "seed": self.seed, "origin": self.origin,
            "step": self.step, "layers": list(self.layers), "n_samples": self.n_samples,
            "diagrams": self.diagram_origin,
        }


def _group_of(name: str) -> tuple[str, int | None]:
    match = _SEED_NAME.match(name)
    if match:
        return match.group("group"), int(match.group("seed"))
    return name, None


def load_sources(inputs: Sequence[str | os.PathLike[str]], *, step: int | str = "last") -> list[Source]:
    """The models found in ``inputs`` (see :mod:`tda_nn.compare.job`), with unique names.

    Raises
    ------
    InputError
        A missing input, a run directory without finished runs, an unknown step.
    """
    if isinstance(inputs, str | os.PathLike) or not inputs:
        raise InputError("give at least one input (a run directory or saved activations)")
    sources: list[Source] = []
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        found = _sources_of(path, step)
        names = {s.name for s in sources}
        if len(found) > 1 and any(s.name in names for s in found):
            # a second run directory with the same run ids: prefix its models with its name
            for source in found:
                source.name = f"{path.name}/{source.name}"
                source.group = f"{path.name}/{source.group}"
        for source in found:
            base, k = source.name, 1
            while source.name in names:
                k += 1
                source.name = f"{base}_{k}"
                source.group, source.seed = source.name, None
            names.add(source.name)
        sources.extend(found)
    return sources


def _sources_of(path: Path, step: int | str) -> list[Source]:
    from tda_nn.analysis.api import is_run_dir
    from tda_nn.io import RunStore

    if path.is_dir() and is_run_dir(path):
        return _run_dir_sources(path, step)
    if path.is_dir() and RunStore.is_store(path):
        return [_store_source(RunStore(path), path.name, step)]
    if path.is_dir() and (path / "diagrams.npz").is_file() and (path / "manifest.json").is_file():
        job = _read_manifest(path).get("job")
        if job in ("compare", "compare-pipeline"):
            raise InputError(
                f"{path}: is the output of a comparison; compare its inputs (run directories "
                "or saved activations) instead"
            )
        return [_persistence_source(path, step)]
    return [_activation_source(path, path.stem if path.is_file() else path.name)]


def _pick_step(store: Any, step: int | str) -> int:
    steps = store.steps
    if not steps:
        raise InputError(f"{store.root}: the run store has no complete step yet")
    if step == "last":
        return int(steps[-1])
    if step == "first":
        return int(steps[0])
    if int(step) not in steps:
        shown = steps if len(steps) <= 8 else [*steps[:4], "...", *steps[-3:]]
        raise InputError(f"{store.root}: step {step} is not stored; stored steps: {shown}")
    return int(step)


def _store_source(store: Any, name: str, step: int | str) -> Source:
    chosen = _pick_step(store, step)
    model = store.manifest.get("model") or {}
    group, seed = _group_of(name)
    if isinstance(model, dict) and isinstance(model.get("name"), str) and group == name:
        group = model["name"]
    if seed is None and isinstance(model, dict) and isinstance(model.get("seed"), int):
        seed = int(model["seed"])
    refs = {layer: CloudRef("store", str(store.root), layer, chosen) for layer in store.layer_names}
    data = store.manifest.get("data") or {}
    return Source(
        name=name, group=group, seed=seed, origin=str(store.root), layers=list(store.layer_names),
        n_samples=int(store.n_samples), step=chosen, labels=store.labels,
        data=data if isinstance(data, dict) else {}, refs=refs,
    )


def _run_dir_sources(path: Path, step: int | str) -> list[Source]:
    from tda_nn.io import RunStore

    manifest = _read_manifest(path)
    runs_info = manifest.get("runs") or {}
    out = []
    for run_dir in sorted((path / "runs").iterdir()):
        if not RunStore.is_store(run_dir):
            continue
        source = _store_source(RunStore(run_dir), run_dir.name, step)
        info = runs_info.get(run_dir.name) if isinstance(runs_info, dict) else None
        if isinstance(info, dict) and isinstance(info.get("model"), str):
            source.group = info["model"]
            if isinstance(info.get("seed"), int):
                source.seed = int(info["seed"])
        source.origin = str(path)
        source.stored, source.stored_params = _stored_diagrams(
            path, manifest, "topology.csv", run=run_dir.name, step=source.step,
            layers=source.layers,
        )
        out.append(source)
    if not out:
        raise InputError(f"{path}: run directory holds no captured runs yet")
    return out


def _persistence_source(path: Path, step: int | str) -> Source:
    from tda_nn.io import RunStore

    manifest = _read_manifest(path)
    src = manifest.get("input")
    if not isinstance(src, str) or not Path(src).exists():
        raise InputError(
            f"{path}: a persistence output whose input ({src!r}) is not found; "
            "compare the activations themselves"
        )
    src_path = Path(src)
    if manifest.get("input_kind") == "store" and RunStore.is_store(src_path):
        source = _store_source(RunStore(src_path), src_path.name, step)
        table, run = "topology.csv", src_path.name
    else:
        source = _activation_source(src_path, src_path.stem if src_path.is_file() else src_path.name)
        table, run = "betti.csv", None
    source.origin = str(path)
    source.stored, source.stored_params = _stored_diagrams(
        path, manifest, table, run=run, step=source.step, layers=source.layers
    )
    return source


def _activation_source(path: Path, name: str) -> Source:
    from tda_nn.io import load_activations

    aset = load_activations(path)
    group, seed = _group_of(name)
    refs = {layer: CloudRef("activations", str(path), layer) for layer in aset.layer_names}
    return Source(
        name=name, group=group, seed=seed, origin=str(path), layers=list(aset.layer_names),
        n_samples=int(aset.n_samples), labels=aset.labels, refs=refs,
    )


def _stored_diagrams(
    root: Path,
    manifest: dict[str, Any],
    table_name: str,
    *,
    run: str | None,
    step: int | None,
    layers: list[str],
) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """Diagrams of the ``class == "all"`` clouds of a finished job, by layer (or nothing)."""
    table_path, npz_path = root / table_name, root / "diagrams.npz"
    if manifest.get("status") != "complete" or not table_path.is_file() or not npz_path.is_file():
        return {}, None
    params = (manifest.get("topology") or {}).get("parameters")
    if not isinstance(params, dict):
        return {}, None
    try:
        table = pd.read_csv(table_path, usecols=lambda c: c in (
            "run", "step", "layer", "class", "diagram_key"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{table_path}: unreadable table ({exc})") from None
    if "diagram_key" not in table.columns or "layer" not in table.columns:
        return {}, None
    keep = table["class"].astype(str) == "all"
    if run is not None and "run" in table.columns:
        keep &= table["run"].astype(str) == run
    if step is not None and "step" in table.columns:
        keep &= table["step"] == step
    rows = table[keep].drop_duplicates("layer")
    keys = dict(zip(rows["layer"].astype(str), rows["diagram_key"].astype(str), strict=True))
    if any(layer not in keys for layer in layers):
        return {}, None
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            found = {layer: np.asarray(data[keys[layer]], dtype=np.float64) for layer in layers}
    except (OSError, ValueError, KeyError) as exc:
        raise StoreError(f"{npz_path}: unreadable diagrams ({exc})") from None
    return found, params


def check_same_probe(sources: Sequence[Source]) -> None:
    """All sources probed with the same inputs, or one-line :class:`InputError`."""
    first = sources[0]
    for other in sources[1:]:
        where = f"{first.name} ({first.origin}) and {other.name} ({other.origin})"
        if other.n_samples != first.n_samples:
            raise InputError(
                f"{where} were probed with different inputs: {first.n_samples} vs "
                f"{other.n_samples} probe points; compare models probed with the same inputs"
            )
        if first.labels is not None and other.labels is not None:
            a = np.asarray(first.labels).astype(str)
            b = np.asarray(other.labels).astype(str)
            if not np.array_equal(a, b):
                n_diff = int(np.sum(a != b))
                raise InputError(
                    f"{where} were probed with different inputs: their labels differ at "
                    f"{n_diff} of {len(a)} probe points"
                )
        for key in sorted(set(first.data) & set(other.data)):
            if first.data[key] != other.data[key]:
                raise InputError(
                    f"{where} were probed with different inputs: data description {key!r} is "
                    f"{first.data[key]!r} vs {other.data[key]!r}"
                )
