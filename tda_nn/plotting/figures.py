"""The standard figures of a run, written from its tables (what ``tda-nn`` writes to
``RUN_DIR/figures``)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tda_nn.plotting._inputs import require_columns
from tda_nn.plotting.compare import DISTANCE_COLUMNS, plot_distance_heatmap
from tda_nn.plotting.curves import plot_training_and_topology
from tda_nn.plotting.layers import plot_betti_by_layer, plot_layer_step_heatmap
from tda_nn.plotting.save import DEFAULT_FORMATS, save_figure


def _slug(text: object) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "x"


def write_standard_figures(
    out_dir: str | os.PathLike[str],
    topology: pd.DataFrame,
    metrics: pd.DataFrame | None = None,
    distances: pd.DataFrame | None = None,
    value: str = "betti",
    formats: Sequence[str] = DEFAULT_FORMATS,
    dpi: int = 300,
) -> dict[str, list[Path]]:
    """Write the figures the tables support, one file per format, and return their paths.

    Figures (names are file stems under ``out_dir``; ``<model>_`` prefixes appear when the
    topology table holds several models):

    - ``betti_by_layer``: ``value`` against depth at the last step, one line per class, error
      bars over seeds;
    - ``heatmap_H<d>``: layer × step heatmap per homology dimension (when there are several steps);
    - ``training_topology_H<d>``: training curves above topology curves (with ``metrics`` and
      several steps);
    - ``distances_<model_a>_vs_<model_b>_<metric>_H<d>``: one per model pair, metric and dimension
      in ``distances``.

    Parameters
    ----------
    out_dir : str or path-like
        Directory the figures are written to.
    topology : pandas.DataFrame
        Tidy topology table.
    metrics : pandas.DataFrame, optional
        Training metrics table.
    distances : pandas.DataFrame, optional
        Distances table.
    value : str
        Topology column to plot.
    formats : sequence of str
        File formats, e.g. ``("png", "svg")``.
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    dict of str to list of pathlib.Path
    """
    out = Path(out_dir)
    written: dict[str, list[Path]] = {}
    topology = require_columns(topology, ["layer", "homology_dim", value], "topology table")
    models = list(pd.unique(topology["model"])) if "model" in topology.columns else [None]
    for model in models:
        rows = topology if model is None else topology[topology["model"] == model]
        prefix = "" if len(models) == 1 else f"{_slug(model)}_"
        classes = rows["class"].astype(str).unique() if "class" in rows.columns else []
        by = "class" if len(classes) > 1 else None
        name = f"{prefix}betti_by_layer"
        fig = plot_betti_by_layer(rows, by=by, value=value)
        written[name] = save_figure(fig, out / name, formats, dpi)
        several_steps = "step" in rows.columns and rows["step"].nunique() > 1
        if not several_steps:
            continue
        cls = "all" if "all" in classes or len(classes) == 0 else None
        for d in sorted(rows["homology_dim"].unique()):
            name = f"{prefix}heatmap_H{int(d)}"
            fig = plot_layer_step_heatmap(rows, int(d), value=value, cls=cls)
            written[name] = save_figure(fig, out / name, formats, dpi)
            if metrics is not None:
                run_metrics = metrics
                if model is not None and "model" in metrics.columns:
                    run_metrics = metrics[metrics["model"] == model]
                if run_metrics.empty:
                    continue
                name = f"{prefix}training_topology_H{int(d)}"
                fig = plot_training_and_topology(run_metrics, rows, int(d), value=value, cls=cls)
                written[name] = save_figure(fig, out / name, formats, dpi)
    if distances is not None and not distances.empty:
        require_columns(distances, DISTANCE_COLUMNS, "distances table")
        combos = distances[["model_a", "model_b", "metric", "homology_dim"]].drop_duplicates()
        for a, b, metric, d in combos.itertuples(index=False):
            name = f"distances_{_slug(a)}_vs_{_slug(b)}_{_slug(metric)}_H{int(d)}"
            fig = plot_distance_heatmap(distances, str(a), str(b), int(d), str(metric))
            written[name] = save_figure(fig, out / name, formats, dpi)
    return written
