"""The comparison job behind ``tda-nn compare`` and the ``kind: compare`` pipeline spec.

Inputs and models
-----------------
Each input is one of:

- a run directory of ``tda-nn run``: every training run ``<model>_seed<k>`` in it is a model;
  the stored diagrams (``diagrams.npz``, rows ``class == "all"`` of ``topology.csv``) are
  reused and the activations are read from the run stores;
- a run store (written by :class:`~tda_nn.training.TopologyTracker`): one model;
- an output directory of ``tda-nn persistence`` on saved activations or on a store: one model,
  its stored diagrams reused;
- saved activations (any format :func:`tda_nn.io.load_activations` reads): one model named
  after the file stem.

A model named ``<name>_seed<k>`` (run ids, or file stems such as ``minilm_random_seed0``)
belongs to the *architecture* ``<name>`` with seed ``k``; any other name is an architecture of
its own with one seed. Names repeated across inputs are made unique: the models of a second
run directory with the same run ids get its directory name as a prefix (``runB/relu_mlp_seed0``,
architecture ``runB/relu_mlp``), a repeated file gets a suffix (``acts_2``). Stored diagrams are reused only when they were computed with the same
persistence parameters as the job (metric, landmarks, threshold, backend, coefficients, seed,
and every asked homology dimension); otherwise diagrams are computed with
:func:`tda_nn.homology.compute_persistence` on all probe points (default maxmin landmarks), so
every diagram compared was made the same way. Every model compared must have been probed with
the same inputs: same number of probe points, the same labels where both carry labels, and the
same data description where both run stores recorded one.

What is compared
----------------
Architectures are compared in pairs (all pairs by default, or the ``comparisons`` asked). For a
pair with common seeds, seed ``k`` of one is compared with seed ``k`` of the other; otherwise
every model of one with every model of the other. One architecture alone is compared with
itself (its seeds with each other; a single model layer × layer with itself). For each pair of
models: the full layer × layer matrix of every diagram distance (Wasserstein of order ``order``
and bottleneck, ground metric ``ground_metric``) per homology dimension (on diagrams divided by
their cloud's RMS radius with ``normalize="rms"``, so that scale differences do not count), the linear CKA matrix
(metric ``"1-linear_cka"``, ``homology_dim = -1``) and, with ``rtd=True``, RTD on the aligned
layer pairs (costly; cheap defaults of 200 points and 3 trials).

Statistical honesty
-------------------
The *aligned* layer pairs are each layer of A with the layer of B at the nearest relative depth
(``align="relative_depth"``), or every pair (``align="all"``). The statistic of a model pair is
the mean distance over its aligned pairs; ``summary.csv`` has, per architecture pair, homology
dimension and metric, that statistic averaged over the model pairs, against a null sample of
the *same* statistic between two models that differ only by chance:

- ``seeds``: two seeds of one architecture (every pair of its seeds), the architecture's layers
  aligned with themselves;
- ``bootstrap`` (an architecture with one seed): the model on one resample of the probe
  points against the same model on another, independent resample (with replacement, the same
  rows for every layer), ``n_bootstrap`` times; each resample's diagrams are computed like the
  originals (landmarks keep it cheap: ``2 n_bootstrap`` diagrams per layer). Two resamples are
  compared with each other rather than with the full cloud because a resample holds only ~63 %
  distinct points: against the full cloud, the missing points' H0 bars alone make a large
  Wasserstein distance (measured on MiniLM layers of 120 sentences: about 10 times the
  resample-to-resample distance). Resamples are sparser than the full cloud, so this null is
  still somewhat wide (conservative). CKA and RTD have no bootstrap null (a representation
  against a resample of itself is not defined row by row): their rows say
  ``null_kind = "none"``.

``null="auto"`` uses seeds where an architecture has at least two and the bootstrap otherwise;
the null of a pair pools the null samples of both architectures, and ``null_kind`` says which
were used (``"seeds"``, ``"bootstrap"``, ``"seeds+bootstrap"`` or ``"none"``). The columns
``null_n, null_median, null_mean, null_std, z_score, p_value, ratio_to_null_median`` are those of
:func:`tda_nn.compare.compare_to_null` (one-sided empirical p-value, never below
``1 / (null_n + 1)``: two seeds give a p-value of at least 1/3, honestly).

Outputs (``OUT/``)
------------------
``distances.csv`` (``model_a, layer_a, model_b, layer_b, homology_dim, metric, distance``),
``null.csv`` (the null distances, with ``group, null_kind, replicate``), ``summary.csv``,
``diagrams.npz`` (every diagram compared, keyed ``<model>__l<index>-<layer>``), ``figures/``
(per architecture pair: layer × layer heatmaps of every metric, side-by-side barcodes and
persistence diagrams of chosen layers, PNG and SVG) and ``manifest.json`` (``status`` "running",
then "complete" written last).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import write_json, write_npz
from tda_nn.analysis.units import TopologyParams
from tda_nn.errors import InputError, StoreError
from tda_nn.pipeline.spec import _read_yaml, spec_kind
from tda_nn.versions import library_versions

__all__ = [
    "ALIGN_CHOICES",
    "DISTANCE_COLUMNS",
    "NULL_CHOICES",
    "SUMMARY_COLUMNS",
    "CompareOptions",
    "CompareResult",
    "Source",
    "compare_job",
    "compare_sources",
    "format_summary",
    "load_compare_spec",
    "load_sources",
    "run_compare_spec",
    "spec_kind",
    "write_outputs",
]

DISTANCE_COLUMNS = (
    "model_a", "layer_a", "model_b", "layer_b", "homology_dim", "metric", "distance",
)
NULL_TABLE_COLUMNS = ("group", "null_kind", "replicate", *DISTANCE_COLUMNS)
STAT_COLUMNS = (
    "null_n", "null_median", "null_mean", "null_std", "z_score", "p_value", "ratio_to_null_median",
)
SUMMARY_COLUMNS = (
    "model_a", "model_b", "homology_dim", "metric", "align", "n_pairs", "n_layer_pairs",
    "distance", "null_kind", *STAT_COLUMNS,
)
ALIGN_CHOICES = ("relative_depth", "all")
NULL_CHOICES = ("auto", "seeds", "bootstrap", "none")
NORMALIZE_CHOICES = ("none", "rms")
SUBSAMPLE_CHOICES = ("auto", "maxmin", "random", "none")
DIAGRAM_METRICS = ("wasserstein", "bottleneck", "sliced_wasserstein")
_SEED_NAME = re.compile(r"^(?P<group>.+)_seed(?P<seed>\d+)$")
_MATCH_KEYS = ("metric", "metric_params", "subsample", "n_landmarks", "max_edge_length",
               "backend", "coeff", "random_state")
#: values of parameters that manifests written before the parameter existed leave out
_MATCH_DEFAULTS = {"metric_params": {}, "subsample": "auto"}

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


# --------------------------------------------------------------------------------------------
# options
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompareOptions:
    """Every parameter of a comparison (see :func:`compare_job` for their meaning)."""

    step: int | str = "last"
    homology_dims: tuple[int, ...] = (0, 1)
    metrics: tuple[str, ...] = ("wasserstein", "bottleneck")
    order: float = 1.0
    ground_metric: str = "linf"
    cka: bool = True
    rtd: bool = False
    rtd_samples: int = 200
    rtd_trials: int = 3
    align: str = "relative_depth"
    null: str = "auto"
    n_bootstrap: int = 5
    n_landmarks: int | None = None
    subsample: str = "auto"
    random_state: int = 0
    normalize: str = "none"

    def __post_init__(self) -> None:
        from tda_nn.compare.distances import DistanceSpec

        step = self.step
        if isinstance(step, bool) or not (
            step in ("first", "last") or (isinstance(step, int | np.integer) and step >= 0)
        ):
            raise InputError(f"step must be 'first', 'last' or a step number >= 0, got {step!r}")
        try:
            dims = tuple(sorted({int(d) for d in self.homology_dims}))
        except (TypeError, ValueError):
            dims = ()
        if not dims or dims[0] < 0:
            raise InputError(
                f"homology_dims must be non-negative integers, got {self.homology_dims!r}"
            )
        object.__setattr__(self, "homology_dims", dims)
        metrics = tuple(dict.fromkeys(str(m) for m in self.metrics))
        bad = [m for m in metrics if m not in DIAGRAM_METRICS]
        if bad:
            raise InputError(f"metrics must be among {', '.join(DIAGRAM_METRICS)}, got {bad}")
        if not metrics and not self.cka and not self.rtd:
            raise InputError("nothing to compare: no diagram metric, cka=False and rtd=False")
        object.__setattr__(self, "metrics", metrics)
        DistanceSpec("wasserstein", self.order, self.ground_metric)
        object.__setattr__(self, "order", float(self.order))
        if self.align not in ALIGN_CHOICES:
            raise InputError(f"align must be one of {', '.join(ALIGN_CHOICES)}, got {self.align!r}")
        if self.normalize not in NORMALIZE_CHOICES:
            raise InputError(
                f"normalize must be one of {', '.join(NORMALIZE_CHOICES)}, got {self.normalize!r}"
            )
        if self.subsample not in SUBSAMPLE_CHOICES:
            raise InputError(
                f"subsample must be one of {', '.join(SUBSAMPLE_CHOICES)}, got {self.subsample!r}"
            )
        if self.null not in NULL_CHOICES:
            raise InputError(f"null must be one of {', '.join(NULL_CHOICES)}, got {self.null!r}")
        for name in ("rtd_samples", "rtd_trials", "n_bootstrap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if self.rtd_samples < 3:
            raise InputError(f"rtd_samples must be >= 3, got {self.rtd_samples}")
        if self.n_landmarks is not None and (
            isinstance(self.n_landmarks, bool) or int(self.n_landmarks) < 2
        ):
            raise InputError(f"n_landmarks must be an integer >= 2, got {self.n_landmarks!r}")

    def topology_params(self) -> TopologyParams:
        """The persistence parameters of every diagram the job computes."""
        return TopologyParams(
            homology_dimensions=self.homology_dims,
            subsample=self.subsample,
            n_landmarks=self.n_landmarks,
            random_state=int(self.random_state),
            intrinsic_dimension=False,
            linear_probe=False,
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["homology_dims"] = list(self.homology_dims)
        out["metrics"] = list(self.metrics)
        return out


def persistence_kwargs(params: TopologyParams) -> dict[str, Any]:
    """Keyword arguments of :func:`tda_nn.homology.compute_persistence` for ``params``.

    The same translation as the persistence job's, so that a diagram computed here equals the
    one ``tda-nn run`` / ``tda-nn persistence`` stores for the same cloud and parameters.
    """
    kwargs: dict[str, Any] = dict(
        homology_dimensions=tuple(params.homology_dimensions),
        metric=params.metric,
        metric_params=dict(params.metric_params) or None,
        max_edge_length=math.inf if params.max_edge_length is None else params.max_edge_length,
        backend=params.backend,
        subsample=getattr(params, "subsample", "auto"),
        coeff=params.coeff,
        random_state=params.random_state,
    )
    if params.n_landmarks is not None:
        kwargs["n_landmarks"] = params.n_landmarks
    return kwargs


# --------------------------------------------------------------------------------------------
# sources: the models found in the inputs
# --------------------------------------------------------------------------------------------
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
    """The models found in ``inputs`` (see the module docstring), with unique names.

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


def _read_manifest(path: Path) -> dict[str, Any]:
    file = path / "manifest.json"
    if not file.is_file():
        return {}
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{file}: unreadable manifest ({exc})") from None
    return value if isinstance(value, dict) else {}


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


# --------------------------------------------------------------------------------------------
# diagrams
# --------------------------------------------------------------------------------------------
def _params_match(stored: dict[str, Any] | None, wanted: TopologyParams) -> bool:
    if not stored:
        return False
    mine = wanted.as_dict()
    missing = object()
    for key in _MATCH_KEYS:
        value = stored.get(key, _MATCH_DEFAULTS.get(key, missing))
        if value is missing or value != mine.get(key, _MATCH_DEFAULTS.get(key)):
            return False
    have = {int(d) for d in stored.get("homology_dimensions", [])}
    return set(wanted.homology_dimensions) <= have


def rms_radius(cloud: np.ndarray) -> float:
    """Root mean square distance of the points to their centroid (1.0 for a constant cloud).

    Dividing a cloud by it makes its Rips diagram scale-free: Rips filtrations are homogeneous
    (``diagram(c X) = c diagram(X)``) and maxmin landmarks do not depend on the scale.
    """
    arr = np.asarray(cloud, dtype=np.float64)
    radius = float(np.sqrt(np.mean(np.sum((arr - arr.mean(axis=0)) ** 2, axis=1))))
    return radius if radius > 0 and math.isfinite(radius) else 1.0


def _scaled(diagram: np.ndarray, scale: float) -> np.ndarray:
    out = np.array(diagram, dtype=np.float64, copy=True)
    out[:, :2] /= scale
    return out


def _diagram_task(ref: CloudRef, rows: np.ndarray | None, kwargs: dict[str, Any],
                  normalize: str = "none") -> np.ndarray:
    """One diagram ``(n_bars, 3)``: a pure function of where its cloud is and the parameters.

    With ``normalize="rms"`` births and deaths are divided by the RMS radius of the cloud used.
    """
    from tda_nn.homology import compute_persistence

    cloud = ref.load()
    if rows is not None:
        cloud = cloud[rows]
    diagram = np.asarray(compute_persistence(cloud, **kwargs).diagram, dtype=np.float64)
    return _scaled(diagram, rms_radius(cloud)) if normalize == "rms" else diagram


def _run_tasks(tasks: list[tuple[CloudRef, np.ndarray | None]], kwargs: dict[str, Any],
               normalize: str, n_jobs: int | None) -> list[np.ndarray]:
    if not tasks:
        return []
    if n_jobs in (None, 1) or len(tasks) == 1:
        cache: dict[CloudRef, np.ndarray] = {}
        out = []
        for ref, rows in tasks:
            if ref not in cache:
                cache = {ref: ref.load()}
            memory = CloudRef("memory", ref.path, ref.layer, array=cache[ref])
            out.append(_diagram_task(memory, rows, kwargs, normalize))
        return out
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs)(
        delayed(_diagram_task)(ref, rows, kwargs, normalize) for ref, rows in tasks
    )


def _bootstrap_rows(source: Source, options: CompareOptions) -> list[np.ndarray]:
    """``2 n_bootstrap`` resamples (with replacement) of the probe rows: two per null replicate."""
    seed = [int(options.random_state), zlib.crc32(source.name.encode("utf-8"))]
    rng = np.random.default_rng(seed)
    n = source.n_samples
    return [np.sort(rng.choice(n, size=n, replace=True)) for _ in range(2 * options.n_bootstrap)]


def _ensure_diagrams(
    sources: Sequence[Source],
    bootstrap: Sequence[Source],
    options: CompareOptions,
    n_jobs: int | None,
) -> dict[str, list[dict[str, np.ndarray]]]:
    """Fill ``source.diagrams`` (stored or computed); return bootstrap diagrams by source name."""
    params = options.topology_params()
    kwargs = persistence_kwargs(params)
    tasks: list[tuple[CloudRef, np.ndarray | None]] = []
    where: list[tuple[str, int, str]] = []  # (source, replicate or -1, layer)
    for source in sources:
        if source.diagrams:
            continue
        if source.stored and _params_match(source.stored_params, params):
            source.diagrams = dict(source.stored)
            if options.normalize == "rms":
                clouds = source.clouds()
                source.diagrams = {layer: _scaled(d, rms_radius(clouds[layer]))
                                   for layer, d in source.diagrams.items()}
            source.diagram_origin = "stored"
            continue
        source.diagram_origin = "computed"
        for layer in source.layers:
            tasks.append((source.refs[layer], None))
            where.append((source.name, -1, layer))
    for source in bootstrap:
        for b, rows in enumerate(_bootstrap_rows(source, options)):
            for layer in source.layers:
                tasks.append((source.refs[layer], rows))
                where.append((source.name, b, layer))
    results = _run_tasks(tasks, kwargs, options.normalize, n_jobs)
    by_name = {s.name: s for s in sources}
    boot: dict[str, list[dict[str, np.ndarray]]] = {
        s.name: [{} for _ in range(2 * options.n_bootstrap)] for s in bootstrap
    }
    for (name, b, layer), diagram in zip(where, results, strict=True):
        if b < 0:
            by_name[name].diagrams[layer] = diagram
        else:
            boot[name][b][layer] = diagram
    return boot


# --------------------------------------------------------------------------------------------
# comparisons
# --------------------------------------------------------------------------------------------
@dataclass
class PairPlan:
    """One architecture pair and the model pairs that compare it."""

    group_a: str
    group_b: str
    pairs: list[tuple[Source, Source]]


@dataclass
class CompareResult:
    """Tables and bookkeeping of a comparison.

    Attributes
    ----------
    distances : pandas.DataFrame
        :data:`DISTANCE_COLUMNS` (plus ``depth_a``, ``depth_b``) for every model pair.
    null : pandas.DataFrame
        ``group, null_kind, replicate`` plus :data:`DISTANCE_COLUMNS`.
    summary : pandas.DataFrame
        :data:`SUMMARY_COLUMNS`.
    sources : list of Source
    plans : list of PairPlan
    null_kinds : dict of str to str
        Null used for each architecture.
    seconds : dict of str to float
        Wall time per phase.
    """

    distances: pd.DataFrame
    null: pd.DataFrame
    summary: pd.DataFrame
    sources: list[Source]
    plans: list[PairPlan]
    null_kinds: dict[str, str]
    options: CompareOptions
    seconds: dict[str, float] = field(default_factory=dict)


def plan_comparisons(
    sources: Sequence[Source], comparisons: Iterable[Sequence[str]] | None = None
) -> list[PairPlan]:
    """Which architecture pairs, and which model pairs within each (see the module docstring)."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(source.group, []).append(source)
    if comparisons is None:
        names = list(groups)
        wanted = [(names[0], names[0])] if len(names) == 1 else list(itertools.combinations(names, 2))
    else:
        wanted = []
        for item in comparisons:
            pair = tuple(str(v) for v in item)
            if len(pair) != 2:
                raise InputError(f"a comparison names two models, got {list(item)!r}")
            unknown = [g for g in pair if g not in groups]
            if unknown:
                raise InputError(
                    f"comparison {pair[0]} vs {pair[1]}: unknown model {unknown[0]!r}; "
                    f"models: {', '.join(groups)}"
                )
            wanted.append(pair)
        if not wanted:
            raise InputError("comparisons is empty")
    plans = []
    for a, b in dict.fromkeys(wanted):
        members_a, members_b = groups[a], groups[b]
        if a == b:
            pairs = (list(itertools.combinations(members_a, 2)) if len(members_a) > 1
                     else [(members_a[0], members_a[0])])
        else:
            seeds_b = {s.seed: s for s in members_b if s.seed is not None}
            matched = [(s, seeds_b[s.seed]) for s in members_a if s.seed in seeds_b]
            pairs = matched or list(itertools.product(members_a, members_b))
        plans.append(PairPlan(a, b, pairs))
    return plans


def aligned_pairs(layers_a: Sequence[str], layers_b: Sequence[str], align: str) -> list[tuple[str, str]]:
    """The layer pairs a model-pair statistic averages over."""
    from tda_nn.compare.matrices import align_by_relative_depth

    if align == "all":
        return [(a, b) for a in layers_a for b in layers_b]
    return align_by_relative_depth(list(layers_a), list(layers_b))


def _model_pair_tables(
    a: Source,
    b: Source,
    options: CompareOptions,
    pairs: list[tuple[str, str]] | None,
    n_jobs: int | None,
    resampled: tuple[dict[str, np.ndarray], dict[str, np.ndarray], str, str] | None = None,
) -> list[pd.DataFrame]:
    """Distance tables of ``a`` against ``b`` (``pairs=None``: every layer pair).

    ``resampled = (diagrams_a, diagrams_b, name_a, name_b)`` compares those diagrams instead (a
    bootstrap replicate); CKA and RTD are then left out.
    """
    from tda_nn.compare.matrices import cka_matrix, layer_distance_matrix, rtd_matrix

    same = a is b and resampled is None
    n_pairs = len(pairs) if pairs is not None else len(a.layers) * len(b.layers)
    # processes pay off for many exact distances only, not for a replicate's few dozen
    distance_jobs = n_jobs if n_pairs * len(options.homology_dims) >= 100 else None
    if resampled is None:
        diagrams_a, other, name_a, name_b = a.diagrams, None if same else b.diagrams, a.name, b.name
    else:
        diagrams_a, other, name_a, name_b = resampled
    tables = []
    for metric in options.metrics:
        table = layer_distance_matrix(
            diagrams_a, other, metric=metric, homology_dims=options.homology_dims,
            order=options.order, ground_metric=options.ground_metric, model_a=name_a,
            model_b=name_b, pairs=pairs, n_jobs=distance_jobs,
        )
        if options.normalize != "none":
            table["metric"] = table["metric"].str[:-1] + f",scale={options.normalize}]"
        tables.append(table)
    if resampled is not None:
        return tables
    if options.cka:
        tables.append(cka_matrix(a.clouds(), None if same else b.clouds(), model_a=a.name,
                                 model_b=name_b, pairs=pairs))
    if options.rtd:
        rtd_pairs = pairs if pairs is not None else aligned_pairs(a.layers, b.layers, options.align)
        tables.append(rtd_matrix(
            a.clouds(), None if same else b.clouds(), n_samples=options.rtd_samples,
            n_trials=options.rtd_trials, random_state=options.random_state, model_a=a.name,
            model_b=name_b, pairs=rtd_pairs, n_jobs=n_jobs,
        ))
    return tables


def _null_kind_of(members: Sequence[Source], null: str) -> str:
    if null == "none":
        return "none"
    if null == "seeds" or (null == "auto" and len(members) > 1):
        if len(members) < 2:
            raise InputError(
                f"null='seeds' needs at least two seeds of {members[0].group!r}; it has one "
                "(use null='bootstrap' or 'auto')"
            )
        return "seeds"
    return "bootstrap"


def compare_sources(
    sources: Sequence[Source],
    options: CompareOptions | None = None,
    *,
    comparisons: Iterable[Sequence[str]] | None = None,
    n_jobs: int | None = 1,
    log: Log | None = None,
) -> CompareResult:
    """Compare loaded sources: distance tables, nulls and the summary (nothing is written).

    Parameters
    ----------
    sources : sequence of Source
        From :func:`load_sources` or :meth:`Source.from_arrays`; all probed with the same inputs.
    options : CompareOptions, optional
    comparisons : iterable of (architecture, architecture), optional
        Default: every pair of architectures (or the one architecture with itself).
    n_jobs : int, optional
        Processes for diagrams and distances (joblib; -1: all cores).
    log : callable, optional
        Receives one-line progress messages.

    Returns
    -------
    CompareResult
    """
    from threadpoolctl import threadpool_limits

    # The products here are small (one layer pair at a time): multi-threaded BLAS only adds
    # overhead, and OpenBLAS threads that busy-wait on a loaded machine made an SVD of a
    # 120 x 384 layer 150 times slower (1.6 s instead of 0.01 s). Parallelism is n_jobs'.
    with threadpool_limits(limits=1, user_api="blas"):
        return _compare_sources(sources, options, comparisons, n_jobs, log)


def _compare_sources(
    sources: Sequence[Source],
    options: CompareOptions | None,
    comparisons: Iterable[Sequence[str]] | None,
    n_jobs: int | None,
    log: Log | None,
) -> CompareResult:
    options = options or CompareOptions()
    log = log or _quiet
    sources = list(sources)
    if not sources:
        raise InputError("nothing to compare: no models")
    check_same_probe(sources)
    plans = plan_comparisons(sources, comparisons)
    used: dict[str, Source] = {}
    for plan in plans:
        for a, b in plan.pairs:
            used.setdefault(a.name, a)
            used.setdefault(b.name, b)
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(source.group, []).append(source)
    involved = {g for plan in plans for g in (plan.group_a, plan.group_b)}
    null_kinds = {g: _null_kind_of(groups[g], options.null) for g in groups if g in involved}
    for g, kind in null_kinds.items():
        if kind == "seeds":
            for s in groups[g]:
                used.setdefault(s.name, s)
    needs_diagrams = bool(options.metrics)
    bootstrap = [s for g, kind in null_kinds.items() if kind == "bootstrap" for s in groups[g]]
    bootstrap = bootstrap if needs_diagrams else []
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    boot: dict[str, list[dict[str, np.ndarray]]] = {}
    if needs_diagrams:
        boot = _ensure_diagrams(list(used.values()), bootstrap, options, n_jobs)
        reused = sum(s.diagram_origin == "stored" for s in used.values())
        n_boot = sum(len(s.layers) * 2 * options.n_bootstrap for s in bootstrap)
        log(f"diagrams: {len(used)} model(s), {reused} with stored diagrams; "
            f"{n_boot} bootstrap diagram(s) in {time.perf_counter() - t0:.1f} s")
    seconds["diagrams"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tables: list[pd.DataFrame] = []
    done: set[tuple[str, str]] = set()
    for plan in plans:
        for a, b in plan.pairs:
            if (a.name, b.name) in done:
                continue
            done.add((a.name, b.name))
            tables.extend(_model_pair_tables(a, b, options, None, n_jobs))
    distances = pd.concat(tables, ignore_index=True)
    seconds["distances"] = time.perf_counter() - t0
    log(f"distances: {len(done)} model pair(s), {len(distances)} rows in "
        f"{seconds['distances']:.1f} s")

    t0 = time.perf_counter()
    null = _null_tables(groups, null_kinds, boot, options, n_jobs)
    seconds["null"] = time.perf_counter() - t0
    if null_kinds:
        kinds = ", ".join(f"{g}: {k}" for g, k in null_kinds.items())
        log(f"null: {kinds} ({len(null)} rows in {seconds['null']:.1f} s)")
    summary = summarize(plans, distances, null, null_kinds, options)
    return CompareResult(distances=distances, null=null, summary=summary,
                         sources=list(used.values()), plans=plans, null_kinds=null_kinds,
                         options=options, seconds=seconds)


def _null_tables(
    groups: dict[str, list[Source]],
    null_kinds: dict[str, str],
    boot: dict[str, list[dict[str, np.ndarray]]],
    options: CompareOptions,
    n_jobs: int | None,
) -> pd.DataFrame:
    tables = []
    for group, kind in null_kinds.items():
        members = groups[group]
        if kind == "seeds":
            for a, b in itertools.combinations(members, 2):
                pairs = aligned_pairs(a.layers, b.layers, options.align)
                for table in _model_pair_tables(a, b, options, pairs, n_jobs):
                    tables.append(table.assign(group=group, null_kind="seeds",
                                               replicate=f"{a.name} vs {b.name}"))
        elif kind == "bootstrap":
            for source in members:
                pairs = aligned_pairs(source.layers, source.layers, options.align)
                resamples = boot.get(source.name, [])
                for i in range(len(resamples) // 2):
                    first, second = resamples[2 * i], resamples[2 * i + 1]
                    name_a = f"{source.name}~resample{2 * i}"
                    name_b = f"{source.name}~resample{2 * i + 1}"
                    for table in _model_pair_tables(source, source, options, pairs, n_jobs,
                                                    resampled=(first, second, name_a, name_b)):
                        tables.append(table.assign(group=group, null_kind="bootstrap",
                                                   replicate=f"{source.name} bootstrap {i}"))
    if not tables:
        return pd.DataFrame({c: [] for c in NULL_TABLE_COLUMNS})
    out = pd.concat(tables, ignore_index=True)
    return out[list(NULL_TABLE_COLUMNS)]


def _pair_statistic(table: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.Series:
    """Mean distance over ``pairs`` per (metric, homology_dim)."""
    wanted = pd.MultiIndex.from_tuples(pairs, names=["layer_a", "layer_b"])
    index = pd.MultiIndex.from_arrays([table["layer_a"].astype(str), table["layer_b"].astype(str)])
    rows = table[index.isin(wanted)]
    return rows.groupby(["metric", "homology_dim"], sort=False)["distance"].mean()


def summarize(
    plans: Sequence[PairPlan],
    distances: pd.DataFrame,
    null: pd.DataFrame,
    null_kinds: Mapping[str, str],
    options: CompareOptions,
) -> pd.DataFrame:
    """One row per architecture pair × homology dimension × metric (:data:`SUMMARY_COLUMNS`)."""
    from tda_nn.compare.null import compare_to_null

    replicate_stats = (
        null.groupby(["group", "null_kind", "replicate", "metric", "homology_dim"], sort=False)
        ["distance"].mean().reset_index()
        if len(null) else pd.DataFrame(columns=["group", "null_kind", "replicate", "metric",
                                                "homology_dim", "distance"])
    )
    rows = []
    for plan in plans:
        stats: list[pd.Series] = []
        n_layer_pairs = 0
        for a, b in plan.pairs:
            pairs = aligned_pairs(a.layers, b.layers, options.align)
            n_layer_pairs = max(n_layer_pairs, len(pairs))
            table = distances[(distances["model_a"] == a.name) & (distances["model_b"] == b.name)]
            stats.append(_pair_statistic(table, pairs))
        observed = pd.concat(stats, axis=1).mean(axis=1)
        groups = [plan.group_a] if plan.group_a == plan.group_b else [plan.group_a, plan.group_b]
        pool = replicate_stats[replicate_stats["group"].isin(groups)]
        for (metric, dim), value in observed.items():
            sample = pool[(pool["metric"] == metric) & (pool["homology_dim"] == dim)]
            kinds = [k for k in ("seeds", "bootstrap") if k in set(sample["null_kind"])]
            result = compare_to_null(float(value), sample["distance"].to_numpy(dtype=float))
            rows.append({
                "model_a": plan.group_a, "model_b": plan.group_b, "homology_dim": int(dim),
                "metric": metric, "align": options.align, "n_pairs": len(plan.pairs),
                "n_layer_pairs": n_layer_pairs, "distance": float(value),
                "null_kind": "+".join(kinds) if kinds else "none",
                **{c: getattr(result, c) for c in STAT_COLUMNS},
            })
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    summary["null_n"] = summary["null_n"].astype(np.int64)
    return summary


def merge_results(results: Sequence[CompareResult]) -> CompareResult:
    """Several comparisons (e.g. of different probe sets) as one result."""
    if len(results) == 1:
        return results[0]
    seconds: dict[str, float] = {}
    for r in results:
        for k, v in r.seconds.items():
            seconds[k] = seconds.get(k, 0.0) + v
    return CompareResult(
        distances=pd.concat([r.distances for r in results], ignore_index=True),
        null=pd.concat([r.null for r in results], ignore_index=True),
        summary=pd.concat([r.summary for r in results], ignore_index=True),
        sources=[s for r in results for s in r.sources],
        plans=[p for r in results for p in r.plans],
        null_kinds={k: v for r in results for k, v in r.null_kinds.items()},
        options=results[0].options,
        seconds=seconds,
    )


# --------------------------------------------------------------------------------------------
# outputs
# --------------------------------------------------------------------------------------------
def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-") or "x"


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    from tda_nn._atomic import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def _chosen_layers(layers: Sequence[str], wanted: Sequence[str | int] | None) -> list[str]:
    if wanted is None:
        n = len(layers)
        return [layers[i] for i in dict.fromkeys((0, n // 2, n - 1))]
    out = []
    for item in wanted:
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            if not -len(layers) <= int(item) < len(layers):
                raise InputError(f"barcode layer {item} is out of range for {len(layers)} layers")
            out.append(layers[int(item)])
        elif str(item) in ("first", "middle", "last"):
            out.append(layers[{"first": 0, "middle": len(layers) // 2, "last": -1}[str(item)]])
        elif str(item) in layers:
            out.append(str(item))
        elif str(item).lstrip("-").isdigit():
            out.extend(_chosen_layers(layers, [int(str(item))]))
        else:
            raise InputError(f"barcode layer {item!r} is not a layer; layers: {list(layers)}")
    return list(dict.fromkeys(out))


def _figures(
    result: CompareResult, out: Path, barcode_layers: Sequence[str | int] | None
) -> list[str]:
    from tda_nn.compare.matrices import align_by_relative_depth
    from tda_nn.plotting import plot_distance_heatmap, plot_layer_diagrams, save_figure
    from tda_nn.plotting.compare import distance_matrix
    from tda_nn.plotting.layers import draw_heatmap
    from tda_nn.plotting.style import new_figure, tda_style

    options = result.options
    written: list[str] = []
    figdir = out / "figures"
    diagram_metrics = [m for m in result.distances["metric"].unique()
                       if not str(m).startswith(("1-linear_cka", "rtd["))]
    for plan in result.plans:
        a, b = plan.pairs[0]
        stem = f"{_safe(a.name)}__vs__{_safe(b.name)}"
        panels = [(m, d) for m in diagram_metrics for d in options.homology_dims]
        if options.cka:
            panels.append(("1-linear_cka", -1))
        if not panels:
            continue
        ncols = min(len(options.homology_dims), len(panels)) or 1
        nrows = math.ceil(len(panels) / ncols)
        width = min(11.0, 1.8 + 0.5 * len(b.layers))
        height = min(9.0, 1.4 + 0.38 * len(a.layers))
        with tda_style():
            fig, axes = new_figure(nrows, ncols, panel_size=(width, height))
            for i, (metric, dim) in enumerate(panels):
                ax = axes[i // ncols, i % ncols]
                if dim < 0:
                    mat = distance_matrix(result.distances, a.name, b.name, dim, metric,
                                          a.layers, b.layers)
                    draw_heatmap(mat.to_numpy(dtype=float), list(mat.columns), list(mat.index),
                                 xlabel=f"layer of {b.name}", ylabel=f"layer of {a.name}",
                                 colorbar_label="1 - linear CKA", title="1 - linear CKA", ax=ax)
                else:
                    plot_distance_heatmap(result.distances, a.name, b.name, dim, metric,
                                          a.layers, b.layers, ax=ax)
                    ax.set_title(f"{metric}, H{dim}")
            for j in range(len(panels), nrows * ncols):
                axes[j // ncols, j % ncols].set_visible(False)
            scale = "" if options.normalize == "none" else f" (/ {options.normalize} radius)"
            fig.suptitle(f"{a.name} vs {b.name}{scale}")
        written += [str(p) for p in save_figure(fig, figdir / f"heatmaps__{stem}", dpi=150)]
        if not a.diagrams or not b.diagrams:
            continue
        partner = dict(align_by_relative_depth(a.layers, b.layers))
        chosen = _chosen_layers(a.layers, barcode_layers)
        diagrams, names = [], []
        for layer in chosen:
            diagrams += [a.diagrams[layer], b.diagrams[partner[layer]]]
            names += [f"{a.name}: {layer}", f"{b.name}: {partner[layer]}"]
        for kind in ("barcode", "diagram"):
            fig = plot_layer_diagrams(diagrams, names, kind=kind,
                                      homology_dimensions=list(options.homology_dims), ncols=2,
                                      title=f"{a.name} vs {b.name}{scale}")
            written += [str(p) for p in save_figure(fig, figdir / f"{kind}s__{stem}", dpi=150)]
    return written


def write_outputs(
    result: CompareResult,
    out_dir: str | os.PathLike[str],
    *,
    figures: bool = True,
    barcode_layers: Sequence[str | int] | None = None,
) -> dict[str, Any]:
    """Write ``distances.csv``, ``null.csv``, ``summary.csv``, ``diagrams.npz`` and figures."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(result.distances[list(DISTANCE_COLUMNS)], out / "distances.csv")
    _write_csv(result.null, out / "null.csv")
    _write_csv(result.summary, out / "summary.csv")
    stored = {
        f"{_safe(s.name)}__l{i:03d}-{_safe(layer)}": s.diagrams[layer]
        for s in result.sources for i, layer in enumerate(s.layers) if layer in s.diagrams
    }
    if stored:
        write_npz(out / "diagrams.npz", stored)
    paths: dict[str, Any] = {
        "distances": str(out / "distances.csv"),
        "null": str(out / "null.csv"),
        "summary": str(out / "summary.csv"),
        "diagrams": str(out / "diagrams.npz") if stored else None,
        "figures": [],
    }
    if figures:
        paths["figures"] = [str(Path(p).relative_to(out)) for p in
                            _figures(result, out, barcode_layers)]
    return paths


def _check_out(out: Path, inputs: Iterable[Path], job: str, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out exists and is not a directory")
    resolved = out.resolve()
    for path in inputs:
        if Path(path).resolve() == resolved:
            raise InputError(f"{out}: --out is one of the inputs; choose another directory")
    old = _read_manifest(out) if out.is_dir() else {}
    if old and old.get("job") not in (None, job) and not overwrite:
        raise InputError(
            f"{out}: holds the output of a {old.get('job')!r} job; choose another --out"
        )


def _write_manifest(out: Path, status: str, job: str, extra: dict[str, Any]) -> None:
    write_json(out / "manifest.json", {
        "job": job,
        "status": status,
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "library_versions": library_versions(),
        **extra,
    })


def compare_job(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    step: int | str = "last",
    homology_dims: Sequence[int] = (0, 1),
    metrics: Sequence[str] = ("wasserstein", "bottleneck"),
    order: float = 1.0,
    ground_metric: str = "linf",
    cka: bool = True,
    rtd: bool = False,
    rtd_samples: int = 200,
    rtd_trials: int = 3,
    align: str = "relative_depth",
    null: str = "auto",
    n_bootstrap: int = 5,
    n_landmarks: int | None = None,
    subsample: str = "auto",
    random_state: int = 0,
    normalize: str = "none",
    comparisons: Iterable[Sequence[str]] | None = None,
    barcode_layers: Sequence[str | int] | None = None,
    figures: bool = True,
    n_jobs: int | None = 1,
    progress: bool = False,
    log: Log | None = None,
) -> CompareResult:
    """Compare the layers of the models in ``inputs``; write the tables and figures to ``out_dir``.

    Parameters
    ----------
    inputs : sequence of path
        Run directories, run stores, persistence outputs or saved activations (module docstring).
    out_dir : path
    step : int, "first" or "last"
        Training step compared for run directories and stores.
    homology_dims : sequence of int
    metrics : sequence of {"wasserstein", "bottleneck", "sliced_wasserstein"}
    order : float
        Wasserstein order ``p``.
    ground_metric : {"linf", "l2"}
        Norm in the plane of the Wasserstein and bottleneck distances.
    cka : bool
        Add linear CKA (metric ``"1-linear_cka"``), the non-topological baseline.
    rtd : bool
        Add RTD on the aligned layer pairs (``rtd_samples`` points, ``rtd_trials`` draws).
    align : {"relative_depth", "all"}
        Layer pairs the summary averages over.
    null : {"auto", "seeds", "bootstrap", "none"}
    n_bootstrap : int
        Resamples per model for a bootstrap null.
    n_landmarks : int, optional
        Landmarks of the diagrams computed here (default: the library default).
    subsample : {"auto", "maxmin", "random", "none"}
        As in :func:`tda_nn.homology.compute_persistence` (``"none"``: exact diagrams of all
        probe points, slow beyond a few thousand).
    random_state : int
        Seeds landmarks and resamples.
    normalize : {"none", "rms"}
        ``"rms"`` divides every diagram by the RMS radius of its cloud (root mean square distance
        to the centroid), so that distances compare shapes rather than scales (a ReLU layer and
        a tanh layer differ in scale by construction); the metric names get ``scale=rms``.
    comparisons : iterable of (architecture, architecture), optional
        Default: every pair of architectures.
    barcode_layers : sequence of str or int, optional
        Layers of the first model of each pair drawn side by side with their aligned partners
        (names, positions, "first", "middle", "last"); default first, middle and last.
    figures : bool
    n_jobs : int, optional
        Local processes (joblib; -1: all cores).
    progress : bool
        Accepted for symmetry with the other jobs; progress goes to ``log``.
    log : callable, optional

    Returns
    -------
    CompareResult
    """
    del progress
    options = CompareOptions(
        step=step, homology_dims=tuple(homology_dims), metrics=tuple(metrics), order=order,
        ground_metric=ground_metric, cka=cka, rtd=rtd, rtd_samples=rtd_samples,
        rtd_trials=rtd_trials, align=align, null=null, n_bootstrap=n_bootstrap,
        n_landmarks=n_landmarks, subsample=subsample, random_state=random_state,
        normalize=normalize,
    )
    out = Path(out_dir)
    paths_in = [Path(p) for p in inputs] if not isinstance(inputs, str | os.PathLike) else []
    _check_out(out, paths_in, "compare", overwrite=False)
    start = time.perf_counter()
    sources = load_sources(inputs, step=step)
    out.mkdir(parents=True, exist_ok=True)
    extra = {"inputs": [str(p) for p in paths_in], "parameters": options.as_dict()}
    _write_manifest(out, "running", "compare", extra)
    result = compare_sources(sources, options, comparisons=comparisons, n_jobs=n_jobs, log=log)
    t0 = time.perf_counter()
    paths = write_outputs(result, out, figures=figures, barcode_layers=barcode_layers)
    result.seconds["outputs"] = time.perf_counter() - t0
    extra.update(
        sources=[s.describe() for s in result.sources],
        comparisons=[[p.group_a, p.group_b] for p in result.plans],
        null_kinds=result.null_kinds,
        outputs=paths,
        seconds={k: round(v, 3) for k, v in result.seconds.items()},
        total_seconds=round(time.perf_counter() - start, 3),
    )
    _write_manifest(out, "complete", "compare", extra)
    return result


def format_summary(summary: pd.DataFrame) -> str:
    """The summary table as aligned text (one row per pair × dimension × metric)."""
    if summary.empty:
        return "(no comparisons)"
    shown = summary[["model_a", "model_b", "metric", "homology_dim", "distance", "null_kind",
                     "null_n", "null_median", "ratio_to_null_median", "z_score", "p_value"]].copy()
    shown = shown.rename(columns={"homology_dim": "dim", "null_median": "null_med",
                                  "ratio_to_null_median": "ratio", "z_score": "z"})
    shown["dim"] = shown["dim"].map(lambda d: "-" if d < 0 else f"H{d}")
    return shown.to_string(index=False, float_format=lambda v: f"{v:.3g}")


# --------------------------------------------------------------------------------------------
# the `kind: compare` pipeline spec
# --------------------------------------------------------------------------------------------
def _schema() -> tuple[Any, Any, Any]:
    from tda_nn.pipeline.schema import Field, Section, int_list, non_negative, positive

    def step_check(value: Any) -> str | None:
        if value in ("first", "last") or (isinstance(value, int) and value >= 0):
            return None
        return f"must be 'first', 'last' or a step number >= 0, got {value!r}"

    def metrics_check(value: Any) -> str | None:
        bad = [m for m in value if m not in DIAGRAM_METRICS]
        return f"unknown metric(s) {bad}; expected among {list(DIAGRAM_METRICS)}" if bad else None

    def order_check(value: Any) -> str | None:
        return None if value >= 1 else f"must be >= 1, got {value!r}"

    def dims_check(value: Any) -> str | None:
        return int_list(0)(value) or (None if value else "must list at least one dimension")

    def at_least_two(value: Any) -> str | None:
        return None if value >= 2 else f"must be >= 2, got {value!r}"

    compare = Section({
        "step": Field((str, int), default="last", check=step_check),
        "homology_dimensions": Field((list,), default=[0, 1], check=dims_check),
        "metrics": Field((list,), default=["wasserstein", "bottleneck"], check=metrics_check),
        "order": Field((float,), default=1.0, check=order_check),
        "ground_metric": Field((str,), default="linf", choices=("linf", "l2")),
        "cka": Field((bool,), default=True),
        "rtd": Field((bool,), default=False),
        "rtd_samples": Field((int,), default=200, check=at_least_two),
        "rtd_trials": Field((int,), default=3, check=positive),
        "align": Field((str,), default="relative_depth", choices=ALIGN_CHOICES),
        "null_kind": Field((str,), default="auto", choices=NULL_CHOICES,
                           doc="auto | seeds | bootstrap | none (`null` is YAML's null)"),
        "n_bootstrap": Field((int,), default=5, check=positive),
        "n_landmarks": Field((int, None), check=at_least_two),
        "subsample": Field((str,), default="auto", choices=SUBSAMPLE_CHOICES),
        "barcode_layers": Field((list, None)),
        "random_state": Field((int,), default=0, check=non_negative),
        "normalize": Field((str,), default="none", choices=NORMALIZE_CHOICES),
        "figures": Field((bool,), default=True),
    })
    text = Section({
        "name": Field((str, None), doc="prefix of the model names (default: the model name)"),
        "model": Field((str,), default="minilm", choices=("minilm",)),
        "module": Field((str, None)),
        "texts": Field((str,), required=True),
        "labels": Field((str, None)),
        "max_texts": Field((int, None), check=at_least_two),
        "max_length": Field((int,), default=128, check=at_least_two),
        "batch_size": Field((int,), default=32, check=positive),
        "layers": Field((list, None)),
        "random_seeds": Field((list,), default=[0], check=int_list(0)),
    })
    top = Section({
        "kind": Field((str,), required=True, choices=("compare",)),
        "name": Field((str, None)),
        "description": Field((str, None)),
        "run": Field((dict, None)),
        "comparisons": Field((list, None)),
        "text": Field((dict, None)),
        "compare": compare,
        "execution": Section({
            "n_jobs": Field((int,), default=1,
                            check=lambda v: None if v >= 1 or v == -1 else "must be >= 1 or -1"),
            "scheduler": Field((str, None)),
        }),
    })
    return top, text, compare


def _parse_comparison(item: Any) -> tuple[str, str] | None:
    if isinstance(item, str):
        parts = [p.strip() for p in re.split(r"\s+vs\.?\s+", item.strip())]
    elif isinstance(item, list | tuple):
        parts = [str(p).strip() for p in item]
    else:
        return None
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def load_compare_spec(
    spec: str | os.PathLike[str] | Mapping[str, Any], *, source: str | None = None
) -> dict[str, Any]:
    """Read and validate a ``kind: compare`` spec; return it with every default filled in.

    The spec (see ``pipelines/compare.yaml``)::

        kind: compare
        name: compare
        run: {...}                 # an ordinary `tda-nn run` spec: data, models, seeds, training...
        comparisons:               # pairs of run models ("a vs b" or [a, b]); default: all pairs
          - relu_mlp vs tanh_mlp
        text:                      # a text model, pretrained against randomly initialised
          model: minilm
          texts: data/sentences.txt
          labels: data/sentences_labels.txt
          max_texts: null          # evenly spaced subset
          random_seeds: [0]        # one random copy per seed
        compare: {...}             # the options of compare_job (homology_dimensions, metrics,
                                   # order, ground_metric, cka, rtd, align, null_kind (compare_job's
                                   # null), n_bootstrap, n_landmarks, barcode_layers, figures...)
        execution: {n_jobs: 1, scheduler: null}

    Relative paths of ``text.texts``/``text.labels`` are looked up in the working directory,
    then next to the spec file, then one directory above it.

    Raises
    ------
    InputError
        One line naming the file and every unknown key or bad value.
    """
    from tda_nn.pipeline.schema import check_section, raise_problems
    from tda_nn.pipeline.spec import validate_spec

    base: Path | None = None
    if isinstance(spec, Mapping):
        raw: Any = dict(spec)
        source = source or "<spec>"
        default_name = "compare"
    else:
        path = Path(spec)
        raw = _read_yaml(path)
        source = source or str(path)
        default_name = path.stem
        base = path.resolve().parent
    top, text_section, _ = _schema()
    problems: list[str] = []
    checked = check_section(raw, top, "", problems)
    text = None
    if checked.get("text") is not None:
        text = check_section(checked["text"], text_section, "text", problems)
    if checked.get("run") is None and text is None:
        problems.append("give a 'run' section, a 'text' section, or both")
    comparisons = None
    if checked.get("comparisons") is not None:
        if checked.get("run") is None:
            problems.append("comparisons: compare models of a 'run' section, which is missing")
        comparisons = []
        for i, item in enumerate(checked["comparisons"]):
            pair = _parse_comparison(item)
            if pair is None:
                problems.append(f"comparisons[{i}]: expected 'a vs b' or [a, b], got {item!r}")
            else:
                comparisons.append(list(pair))
    if text is not None:
        if text["module"] is not None and "model" in (raw.get("text") or {}):
            problems.append("text: give either 'model' or 'module', not both")
        for key in ("texts", "labels"):
            if text.get(key):
                found = _resolve(text[key], base)
                if found is None:
                    problems.append(f"text.{key}: file {text[key]!r} not found")
                else:
                    text[key] = str(found)
        if len(set(text["random_seeds"])) != len(text["random_seeds"]):
            problems.append(f"text.random_seeds: repeated seed in {text['random_seeds']}")
    raise_problems(source, problems)
    run = None
    if checked.get("run") is not None:
        run_raw = dict(checked["run"])
        run = validate_spec(run_raw, source=f"{source}: run",
                            default_name=f"{checked.get('name') or default_name}-run")
        models = list(run["models"])
        if comparisons is not None:
            bad = [name for pair in comparisons for name in pair if name not in models]
            if bad:
                raise_problems(source, [f"comparisons: unknown model {bad[0]!r}; the run's "
                                        f"models: {', '.join(models)}"])
        else:
            comparisons = [list(p) for p in itertools.combinations(models, 2)] or [
                [models[0], models[0]]]
    return {
        "kind": "compare",
        "name": checked.get("name") or default_name,
        "description": checked.get("description"),
        "run": run,
        "comparisons": comparisons,
        "text": text,
        "compare": checked["compare"],
        "execution": checked["execution"],
    }


def _resolve(value: str, base: Path | None) -> Path | None:
    path = Path(value)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path]
    if base is not None and not path.is_absolute():
        candidates += [base / path, base.parent / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    return None


def _options_from_spec(section: Mapping[str, Any]) -> CompareOptions:
    return CompareOptions(
        step=section["step"], homology_dims=tuple(section["homology_dimensions"]),
        metrics=tuple(section["metrics"]), order=section["order"],
        ground_metric=section["ground_metric"], cka=section["cka"], rtd=section["rtd"],
        rtd_samples=section["rtd_samples"], rtd_trials=section["rtd_trials"],
        align=section["align"], null=section["null_kind"], n_bootstrap=section["n_bootstrap"],
        n_landmarks=section["n_landmarks"], subsample=section["subsample"],
        random_state=section["random_state"],
        normalize=section["normalize"],
    )


def _file_digest(path: str | None) -> str | None:
    if path is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _extract_text_models(text: dict[str, Any], folder: Path, log: Log) -> list[Path]:
    """Saved activations of the pretrained model and its random copies (skipped when present)."""
    from tda_nn.models.text import extract_text_activations

    prefix = text["name"] or (text["model"] if text["module"] is None else "text")
    runs = [("pretrained", 0, f"{prefix}_pretrained")] + [
        ("random", int(s), f"{prefix}_random_seed{int(s)}") for s in text["random_seeds"]
    ]
    common = {
        "model": text["model"], "module": text["module"], "texts": _file_digest(text["texts"]),
        "labels": _file_digest(text["labels"]), "max_texts": text["max_texts"],
        "max_length": text["max_length"], "layers": text["layers"],
    }
    paths = []
    for init, seed, name in runs:
        path = folder / f"{name}.npz"
        sidecar = folder / f"{name}.json"
        want = hashlib.sha256(json.dumps({**common, "init": init, "seed": seed},
                                         sort_keys=True).encode()).hexdigest()[:16]
        if path.is_file() and sidecar.is_file():
            try:
                have = json.loads(sidecar.read_text()).get("digest")
            except ValueError:
                have = None
            if have == want:
                log(f"text: {path} is up to date (skipped)")
                paths.append(path)
                continue
        t0 = time.perf_counter()
        _, _, info = extract_text_activations(
            text["texts"], path, model=text["model"] if text["module"] is None else None,
            init=init, seed=seed, labels=text["labels"], layers=text["layers"],
            module=text["module"], max_texts=text["max_texts"], batch_size=text["batch_size"],
            max_length=text["max_length"],
        )
        write_json(sidecar, {"digest": want, **info})
        log(f"text: {name}: {info['n_texts']} texts x {len(info['layers'])} layers in "
            f"{time.perf_counter() - t0:.1f} s -> {path}")
        paths.append(path)
    return paths


def run_compare_spec(
    spec: str | os.PathLike[str] | Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    overwrite: bool = False,
    log: Log = print,
) -> dict[str, Any]:
    """Run a ``kind: compare`` spec into ``out_dir``; return the final manifest.

    Phases (each resumable): train and measure the ``run`` section's models with
    :func:`tda_nn.pipeline.run.run_pipeline` into ``OUT/digits`` (or ``OUT/<run name>``),
    extract the text model's activations into ``OUT/<text name>/*.npz``, compare (the spec's
    ``comparisons`` of the run's models, and the pretrained text model against its random
    copies), then write ``distances.csv``, ``null.csv``, ``summary.csv``, ``diagrams.npz`` and
    ``figures/`` into ``OUT`` and ``manifest.json`` last.

    Parameters
    ----------
    spec : path or mapping
        A ``kind: compare`` spec (see :func:`load_compare_spec`).
    out_dir : path
    n_jobs, scheduler : optional
        Override the spec's ``execution`` (``scheduler`` applies to the training run's
        persistence phase).
    progress : bool
        Progress bars of the training run.
    overwrite : bool
        Replace outputs of a different spec.
    log : callable
    """
    from tda_nn.pipeline.run import run_pipeline

    validated = load_compare_spec(spec)
    out = Path(out_dir)
    digest = hashlib.sha256(json.dumps(validated, sort_keys=True, default=str).encode()).hexdigest()[:16]
    _check_out(out, [], "compare-pipeline", overwrite)
    old = _read_manifest(out)
    if old.get("spec_digest") not in (None, digest) and not overwrite:
        raise InputError(
            f"{out}: holds a comparison of a different spec; choose another --out or pass --overwrite"
        )
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", validated)
    extra: dict[str, Any] = {"spec": validated, "spec_digest": digest}
    _write_manifest(out, "running", "compare-pipeline", extra)
    execution = validated["execution"]
    jobs = n_jobs if n_jobs is not None else execution["n_jobs"]
    options = _options_from_spec(validated["compare"])
    seconds: dict[str, float] = {}
    results = []

    if validated["run"] is not None:
        t0 = time.perf_counter()
        run_dir = out / "digits" if validated["run"]["data"]["name"] == "digits" else (
            out / _safe(validated["run"]["name"]))
        run_pipeline(validated["run"], run_dir, n_jobs=jobs,
                     scheduler=scheduler if scheduler is not None else execution["scheduler"],
                     progress=progress, overwrite=overwrite, log=log)
        seconds["training"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sources = load_sources([run_dir], step=options.step)
        results.append(compare_sources(sources, options, comparisons=validated["comparisons"],
                                       n_jobs=jobs, log=log))
        seconds["compare_run"] = time.perf_counter() - t0
        extra["run_dir"] = str(run_dir)

    if validated["text"] is not None:
        text = validated["text"]
        t0 = time.perf_counter()
        folder = out / _safe(text["name"] or (text["model"] if text["module"] is None else "text"))
        paths = _extract_text_models(text, folder, log)
        seconds["text_extraction"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sources = load_sources(paths)
        pretrained = sources[0].group
        pairs = [[pretrained, g] for g in dict.fromkeys(s.group for s in sources[1:])]
        results.append(compare_sources(sources, options, comparisons=pairs, n_jobs=jobs, log=log))
        seconds["compare_text"] = time.perf_counter() - t0
        extra["text_activations"] = [str(p) for p in paths]

    result = merge_results(results)
    t0 = time.perf_counter()
    section = validated["compare"]
    paths_out = write_outputs(result, out, figures=section["figures"],
                              barcode_layers=section["barcode_layers"])
    seconds["outputs"] = time.perf_counter() - t0
    log("\n" + format_summary(result.summary))
    extra.update(
        sources=[s.describe() for s in result.sources],
        comparisons=[[p.group_a, p.group_b] for p in result.plans],
        null_kinds=result.null_kinds,
        outputs=paths_out,
        phases_seconds={k: round(v, 3) for k, v in {**seconds, **{
            f"compare_{k}": v for k, v in result.seconds.items()}}.items()},
    )
    _write_manifest(out, "complete", "compare-pipeline", extra)
    return json.loads((out / "manifest.json").read_text())
