"""The diagrams a comparison uses: stored ones reused when their parameters match, others computed.

Also the bootstrap resamples of the probe points and the RMS-radius normalisation of diagrams.
Each diagram is computed by :func:`_diagram_task`, a picklable pure function run through
:mod:`tda_nn.execution` (in this process, joblib processes or a Dask cluster).
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from tda_nn.analysis.units import TopologyParams
from tda_nn.compare.options import CompareOptions, persistence_kwargs
from tda_nn.compare.sources import CloudRef, Source
from tda_nn.execution import run_units

__all__ = ["rms_radius"]

_MATCH_KEYS = ("metric", "metric_params", "subsample", "n_landmarks", "max_edge_length",
               "backend", "coeff", "random_state")
#: values of parameters that manifests written before the parameter existed leave out
_MATCH_DEFAULTS = {"metric_params": {}, "subsample": "auto"}


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
               normalize: str, n_jobs: int | None, scheduler: Any = None) -> list[np.ndarray]:
    """The diagram of every task, in order: in this process (each cloud loaded once), in
    ``n_jobs`` joblib processes, or on the Dask cluster ``scheduler`` (see :mod:`tda_nn.execution`)."""
    if not tasks:
        return []
    if scheduler is None and (n_jobs in (None, 1) or len(tasks) == 1):
        cache: dict[CloudRef, np.ndarray] = {}
        out = []
        for ref, rows in tasks:
            if ref not in cache:
                cache = {ref: ref.load()}
            memory = CloudRef("memory", ref.path, ref.layer, array=cache[ref])
            out.append(_diagram_task(memory, rows, kwargs, normalize))
        return out
    fn = functools.partial(_diagram_unit, kwargs=kwargs, normalize=normalize)
    results, _ = run_units(fn, tasks, n_jobs=n_jobs, scheduler=scheduler, progress=False,
                           desc="diagrams")
    return results


def _diagram_unit(task: tuple[CloudRef, np.ndarray | None], *, kwargs: dict[str, Any],
                  normalize: str) -> np.ndarray:
    """:func:`_diagram_task` of one ``(cloud, rows)`` unit (picklable with functools.partial)."""
    ref, rows = task
    return _diagram_task(ref, rows, kwargs, normalize)


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
    scheduler: Any = None,
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
    results = _run_tasks(tasks, kwargs, options.normalize, n_jobs, scheduler)
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
