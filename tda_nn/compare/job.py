"""The comparison job behind ``tda-nn compare`` and the ``kind: compare`` pipeline spec.

:func:`compare_job` reads run directories, run stores, persistence outputs or saved activations
(models ``<architecture>_seed<k>``), computes layer × layer diagram distances, linear CKA and
optionally RTD, sets each architecture difference against a null of seeds or bootstrap resamples,
and writes ``distances.csv``, ``null.csv``, ``summary.csv``, ``diagrams.npz``, ``figures/`` and
``manifest.json``. What is compared, against what, and why: ``docs/comparing.md``.

Modules: :mod:`~tda_nn.compare.options` (parameters), :mod:`~tda_nn.compare.sources` (inputs),
:mod:`~tda_nn.compare.diagram_tasks` (diagrams stored or computed),
:mod:`~tda_nn.compare.comparison` (tables, nulls, summary), :mod:`~tda_nn.compare.outputs` and
:mod:`~tda_nn.compare.figures` (files), :mod:`~tda_nn.compare.manifest` (``manifest.json``),
:mod:`~tda_nn.compare.spec` (the pipeline spec). This module holds :func:`compare_job` and
re-exports their public names.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tda_nn.compare.comparison import (
    DISTANCE_COLUMNS,
    NULL_TABLE_COLUMNS,
    STAT_COLUMNS,
    SUMMARY_COLUMNS,
    CompareResult,
    PairPlan,
    aligned_pairs,
    compare_sources,
    merge_results,
    plan_comparisons,
    summarize,
)
from tda_nn.compare.diagram_tasks import rms_radius
from tda_nn.compare.manifest import _check_out, _write_manifest
from tda_nn.compare.options import (
    ALIGN_CHOICES,
    DIAGRAM_METRICS,
    NORMALIZE_CHOICES,
    NULL_CHOICES,
    SUBSAMPLE_CHOICES,
    CompareOptions,
    Log,
    persistence_kwargs,
)
from tda_nn.compare.outputs import format_summary, write_outputs
from tda_nn.compare.sources import CloudRef, Source, check_same_probe, load_sources
from tda_nn.compare.spec import load_compare_spec, run_compare_spec
from tda_nn.pipeline.spec import spec_kind

__all__ = [
    "ALIGN_CHOICES",
    "DIAGRAM_METRICS",
    "DISTANCE_COLUMNS",
    "NORMALIZE_CHOICES",
    "NULL_CHOICES",
    "NULL_TABLE_COLUMNS",
    "STAT_COLUMNS",
    "SUBSAMPLE_CHOICES",
    "SUMMARY_COLUMNS",
    "CloudRef",
    "CompareOptions",
    "CompareResult",
    "Log",
    "PairPlan",
    "Source",
    "aligned_pairs",
    "check_same_probe",
    "compare_job",
    "compare_sources",
    "format_summary",
    "load_compare_spec",
    "load_sources",
    "merge_results",
    "persistence_kwargs",
    "plan_comparisons",
    "rms_radius",
    "run_compare_spec",
    "spec_kind",
    "summarize",
    "write_outputs",
]


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
    scheduler: Any = None,
) -> CompareResult:
    """Compare the layers of the models in ``inputs``; write the tables and figures to ``out_dir``.

    Parameters
    ----------
    inputs : sequence of path
        Run directories, run stores, persistence outputs or saved activations (see docs/comparing.md).
    out_dir : path
        Output directory (empty, or written by tda-nn).
    step : int, "first" or "last"
        Training step compared for run directories and stores.
    homology_dims : sequence of int
        Homology dimensions compared.
    metrics : sequence of {"wasserstein", "bottleneck", "sliced_wasserstein"}
        Diagram distances (see docs/comparing.md).
    order : float
        Wasserstein order ``p``.
    ground_metric : {"linf", "l2"}
        Norm in the plane of the Wasserstein and bottleneck distances.
    cka : bool
        Add linear CKA (metric ``"1-linear_cka"``), the non-topological baseline.
    rtd : bool
        Add RTD on the aligned layer pairs (``rtd_samples`` points, ``rtd_trials`` draws).
    rtd_samples : int
        Points drawn from each pair of clouds per RTD trial.
    rtd_trials : int
        RTD draws per layer pair (the table keeps their mean).
    align : {"relative_depth", "all"}
        Layer pairs the summary averages over.
    null : {"auto", "seeds", "bootstrap", "none"}
        What each difference is set against; ``"auto"``: seeds where an architecture has two or more, else bootstrap.
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
        Write the heatmaps, barcodes and diagrams under ``figures/``.
    n_jobs : int, optional
        Local processes (joblib; -1: all cores).
    progress : bool
        Accepted for symmetry with the other jobs; progress goes to ``log``.
    log : callable, optional
        Called with each one-line progress message; None: quiet.
    scheduler : str, distributed.Client, distributed.LocalCluster or None
        A Dask scheduler, e.g. ``"tcp://host:8786"``: diagrams, large distance tables, RTD and
        bootstrap diagrams run there (``n_jobs`` is then ignored); the outputs equal a local
        run's. The cluster's workers must reach the input files.

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
    result = compare_sources(sources, options, comparisons=comparisons, n_jobs=n_jobs, log=log,
                             scheduler=scheduler)
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
