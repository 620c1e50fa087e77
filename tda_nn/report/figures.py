"""The report's figures, drawn from a run directory with the functions of :mod:`tda_nn.plotting`.

Each builder returns :class:`ReportFigure` objects (a matplotlib figure with a title and a caption
saying what it shows and which file it comes from) and notes for figures that could not be drawn.
UMAP projections are the only thing computed here; they are seeded and bounded (``max_points``
per panel, at most :data:`MAX_UMAP_LAYERS` layers and :data:`MAX_UMAP_STEPS` steps per figure).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tda_nn.errors import InputError, TdaNnError
from tda_nn.report.load import RunData
from tda_nn.report.tables import (
    class_values,
    has_steps,
    last_step_rows,
    last_steps,
    whole_cloud_rows,
)

#: Most layers (columns) in one UMAP figure; more are thinned evenly, first and last kept.
MAX_UMAP_LAYERS = 8
#: Most steps in the UMAP figure across steps.
MAX_UMAP_STEPS = 6
#: UMAP settings used for every projection of the report.
UMAP_SETTINGS = {"n_neighbors": 15, "min_dist": 0.1, "n_epochs": 200}


@dataclass
class ReportFigure:
    """One figure of the report.

    Attributes
    ----------
    name : str
        Short identifier (used as the HTML id).
    title : str
    caption : str
        What the figure shows and what it is computed from.
    figure : matplotlib.figure.Figure
    fmt : {"svg", "png"}
        Embedding format: SVG for line art, PNG for dense scatter plots.
    """

    name: str
    title: str
    caption: str
    figure: Figure
    fmt: str = "svg"


@dataclass
class FigureNotes:
    """Figures built so far and the reasons some were not drawn."""

    figures: list[ReportFigure]
    notes: list[str]

    def attempt(self, what: str, make: Callable[[], list[ReportFigure]]) -> None:
        """Run ``make``; a tda-nn error (bad or missing input) becomes a note naming ``what``."""
        try:
            self.figures.extend(make())
        except TdaNnError as exc:
            self.notes.append(f"{what}: not drawn ({exc})")


#: Resolution of embedded PNG figures.
PNG_DPI = 150


def render(fig: Figure, fmt: str, dpi: int = PNG_DPI) -> tuple[bytes, float]:
    """``fig`` as SVG or PNG bytes in the tda-nn style (tight bounding box), and its width in
    inches (after the tight crop)."""
    from tda_nn.plotting import tda_style

    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": "tda-nn"}
    with tda_style():
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    content = buffer.getvalue()
    if fmt == "png":
        width = int.from_bytes(content[16:20], "big") / dpi  # IHDR width in pixels
    else:
        match = re.search(rb'<svg[^>]*?width="([0-9.]+)pt"', content[:4000])
        width = float(match.group(1)) / 72.0 if match else 6.0
    return content, width


def _models(table: pd.DataFrame) -> list[str | None]:
    if "model" not in table.columns:
        return [None]
    return [str(m) for m in pd.unique(table["model"].astype(str))]


def _of_model(frame: pd.DataFrame | None, model: str | None) -> pd.DataFrame | None:
    if frame is None or model is None or "model" not in frame.columns:
        return frame
    return frame[frame["model"].astype(str) == model]


def _for_model(model: str | None) -> str:
    return f", model {model}" if model is not None else ""


def _mean_text(rows: pd.DataFrame) -> str:
    for col in ("seed", "run"):
        if col in rows.columns and rows[col].nunique() > 1:
            return f"mean over {rows[col].nunique()} {col}s"
    return "one run"


def _seeds_text(rows: pd.DataFrame) -> str:
    mean = _mean_text(rows)
    if mean == "one run":
        return "one run, so no error bars"
    return f"{mean}, error bars ±1 standard error of the mean"


def _steps_text(table: pd.DataFrame) -> str:
    steps = sorted(set(last_steps(table).values()))
    if not steps:
        return ""
    if len(steps) == 1:
        return f" (step {steps[0]})"
    return f" (steps {', '.join(map(str, steps))})"


def _method_text(data: RunData) -> str:
    method = data.topology_parameters.get("betti_method")
    if method == "scale":
        return f"bars alive at scale {data.topology_parameters.get('betti_scale')}"
    if method:
        return f"{method} bars"
    return "as recorded in the table"


def _dims(table: pd.DataFrame) -> list[int]:
    return sorted(int(d) for d in pd.unique(table["homology_dim"]))


def betti_figures(data: RunData) -> list[ReportFigure]:
    """Betti numbers by layer at the last step: whole clouds (one line per model), and per class
    (one figure per model) when the clouds were split by class."""
    from tda_nn.plotting import plot_betti_by_layer

    table = data.table
    models = _models(table)
    whole = last_step_rows(whole_cloud_rows(table)).drop(columns=["step"], errors="ignore")
    by = "model" if len(models) > 1 else None
    out = [ReportFigure(
        "betti-by-layer",
        "Betti numbers by layer at the last step",
        "Betti numbers (β0, β1, …) of each layer's whole probe cloud (class 'all') against "
        f"depth, at the last captured step of each run{_steps_text(table)}"
        + (", one line per model" if by else "") + f"; {_seeds_text(whole)}. Counted as "
        f"{_method_text(data)}. From {data.table_name}, column betti.",
        plot_betti_by_layer(whole, by=by),
    )]
    classes = class_values(table)
    if len(classes) > 1 and any(c != "all" for c in classes):
        mode = _class_mode(data)
        kind = f"{mode} class" if mode else "class"
        for model in models:
            rows = _of_model(table, model)
            steps = _steps_text(rows)
            rows = last_step_rows(rows).drop(columns=["step"], errors="ignore")
            out.append(ReportFigure(
                f"betti-by-class{'-' + model if model else ''}",
                f"Betti numbers by layer and class{_for_model(model)}",
                f"Betti numbers (β0, β1, …) of each layer's cloud, one line per {kind} ('all' is "
                f"the whole probe cloud), at the last captured step of each run{steps}; "
                f"{_seeds_text(rows)}. Classes with too few points are absent. "
                f"From {data.table_name}.",
                plot_betti_by_layer(rows, by="class"),
            ))
    return out


def heatmap_figures(data: RunData) -> list[ReportFigure]:
    """Layer × step heatmaps per homology dimension (and model); needs several steps."""
    from tda_nn.plotting import plot_layer_step_heatmap

    table = data.table
    if not has_steps(table):
        raise InputError(f"{data.table_name} has a single step; nothing to show over training")
    cls = "all" if "all" in class_values(table) else None
    out = []
    for model in _models(table):
        rows = _of_model(table, model)
        for d in _dims(rows):
            out.append(ReportFigure(
                f"heatmap-H{d}{'-' + model if model else ''}",
                f"β{d} by layer and training step{_for_model(model)}",
                f"Betti number β{d} of each layer's whole probe cloud (rows, input side at the "
                f"top) at each captured training step (columns), {_mean_text(rows)}; "
                f"grey cells: not measured. From {data.table_name}.",
                plot_layer_step_heatmap(rows, d, cls=cls),
            ))
    return out


def training_figures(data: RunData) -> list[ReportFigure]:
    """Training curves above the Betti numbers of every layer, per dimension (and model)."""
    from tda_nn.plotting import plot_training_and_topology

    table, metrics = data.table, data.metrics
    if metrics is None:
        raise InputError(f"{data.root}: no metrics.csv (no training in this job)")
    if not has_steps(table):
        raise InputError(f"{data.table_name} has a single step; nothing to show over training")
    cls = "all" if "all" in class_values(table) else None
    out = []
    for model in _models(table):
        rows = _of_model(table, model)
        run_metrics = _of_model(metrics, model)
        if run_metrics is None or run_metrics.empty:
            continue
        for d in _dims(rows):
            out.append(ReportFigure(
                f"training-H{d}{'-' + model if model else ''}",
                f"Training and β{d} over steps{_for_model(model)}",
                f"Top: training loss and train/test accuracy against the training step (metrics."
                f"csv, {_mean_text(run_metrics)}). Bottom: β{d} of each layer's whole probe cloud "
                f"at the captured steps ({data.table_name}, {_mean_text(rows)}"
                + ("; shaded: ±1 standard error" if _mean_text(rows) != "one run" else "") + ").",
                plot_training_and_topology(run_metrics, rows, d, cls=cls),
            ))
    return out


def barcode_figures(data: RunData) -> list[ReportFigure]:
    """Per-layer barcodes at the last step of the first run of each model (whole clouds)."""
    from tda_nn.plotting import plot_layer_diagrams

    table = data.table
    if data.diagrams_path is None:
        raise InputError(f"{data.root}: no diagrams.npz")
    if "diagram_key" not in table.columns:
        raise InputError(f"{data.table_name} has no diagram_key column")
    threshold = data.topology_parameters.get("max_edge_length")
    out = []
    for model in _models(table):
        rows = last_step_rows(whole_cloud_rows(_of_model(table, model)))
        run = str(sorted(pd.unique(rows["run"].astype(str)))[0]) if "run" in rows.columns else None
        if run is not None:
            rows = rows[rows["run"].astype(str) == run]
        cells = rows.sort_values([c for c in ("layer_index",) if c in rows.columns] or ["layer"],
                                 kind="stable").drop_duplicates("layer")
        keys = [str(k) for k in cells["diagram_key"]]
        stored = data.read_diagrams(keys)
        missing = [k for k in keys if k not in stored]
        if missing:
            raise InputError(f"{data.diagrams_path.name} lacks {len(missing)} diagram(s), "
                             f"e.g. {missing[0]!r}")
        layers = [str(n) for n in cells["layer"]]
        step = f" at step {int(cells['step'].iloc[0])}" if "step" in cells.columns else ""
        where = f"run {run}" if run is not None else "the activations"
        fig = plot_layer_diagrams([stored[k] for k in keys], layers, kind="barcode",
                                  threshold=threshold,
                                  title=f"Barcodes of each layer, {where}{step}")
        n_bars = sum(int((d[:, 0] != d[:, 1]).sum()) for d in stored.values())
        out.append(ReportFigure(
            f"barcodes{'-' + model if model else ''}",
            f"Persistence barcodes by layer{_for_model(model)}",
            f"Persistence barcodes of each layer's whole probe cloud, {where}{step}: one "
            f"horizontal bar from birth to death per point of the diagram ({n_bars} bars in all; "
            "padding rows skipped), colour by homology dimension; the panel corner counts the bars "
            "per dimension. Reduced homology: the one infinite H0 bar is not stored, so not drawn. "
            f"From diagrams.npz (keys of the diagram_key column of {data.table_name}).",
            fig,
        ))
    return out


def resolve_steps(requested: Sequence[int | str], available: Sequence[int], where: str) -> list[int]:
    """Map ``"first"``, ``"last"`` and integers to captured steps (in the given order, no repeats).

    Raises
    ------
    InputError
        A step that was not captured (naming the captured ones) or an unknown keyword.
    """
    if not available:
        raise InputError(f"{where}: no captured step")
    out: list[int] = []
    for item in requested:
        if isinstance(item, str) and item.strip().lower() in ("first", "last"):
            step = available[0] if item.strip().lower() == "first" else available[-1]
        else:
            try:
                step = int(item)
            except (TypeError, ValueError):
                raise InputError(
                    f"UMAP step {item!r}: give 'first', 'last' or a step number"
                ) from None
            if step not in available:
                raise InputError(
                    f"UMAP step {step} was not captured in {where}; captured steps: "
                    f"{', '.join(map(str, available))}"
                )
        if step not in out:
            out.append(step)
    return out


def thin(items: Sequence[Any], limit: int) -> list[Any]:
    """At most ``limit`` evenly spaced items, first and last kept."""
    items = list(items)
    if len(items) <= limit:
        return items
    idx = np.unique(np.round(np.linspace(0, len(items) - 1, limit)).astype(int))
    return [items[i] for i in idx]


def _class_mode(data: RunData) -> str:
    return {"predicted": "predicted", "true": "true"}.get(str(data.class_mode), "")


def _umap_caption(n_shown: int, n_total: int, coloured: str, random_state: int) -> str:
    sample = (f"all {n_total} probe points" if n_shown == n_total else
              f"{n_shown} of the {n_total} probe points (a seeded uniform subsample, the same "
              "points in every panel)")
    settings = ", ".join(f"{k}={v}" for k, v in UMAP_SETTINGS.items())
    return (f"{sample}, coloured by {coloured}. UMAP (umap-learn; {settings}, "
            f"random_state={random_state}); each panel is rotated onto the previous one "
            "(orthogonal Procrustes) so orientations are comparable; the axes have no units.")


def umap_figures(
    data: RunData,
    steps: Sequence[int | str] = ("first", "last"),
    *,
    max_points: int | None = 500,
    layer: str | None = None,
    random_state: int = 0,
) -> list[ReportFigure]:
    """UMAP small multiples of the first run of each model: steps × layers at ``steps``, and one
    layer (default: the last) across the captured steps; for saved activations, across layers.

    Raises
    ------
    InputError
        No activations to project, or a requested step / layer that was not captured.
    """
    from tda_nn.plotting import plot_umap_grid, subsample_indices

    settings = dict(UMAP_SETTINGS, max_points=max_points, random_state=random_state)
    if not data.stores:
        if data.activations_source is None:
            raise InputError(f"{data.root}: no activation store or saved activations to project")
        return [_umap_activations(data, settings)]
    out = []
    by_model: dict[str, tuple[str, Any]] = {}
    for run, store in data.stores.items():
        model = (store.manifest.get("model") or {}).get("name") or run
        if "model" in data.table.columns and "run" in data.table.columns:
            match = data.table.loc[data.table["run"].astype(str) == run, "model"]
            model = str(match.iloc[0]) if not match.empty else model
        by_model.setdefault(str(model), (run, store))
    for model, (run, store) in by_model.items():
        where = f"runs/{run}" if (data.root / "runs" / run).is_dir() else str(store.root)
        available = store.steps
        chosen = resolve_steps(steps, available, where)
        layers = thin(store.layer_names, MAX_UMAP_LAYERS)
        if layer is not None and layer not in store.layer_names:
            raise InputError(f"UMAP layer {layer!r} is not in {where}; layers: "
                             f"{', '.join(store.layer_names)}")
        rows = subsample_indices(store.n_samples, max_points, random_state)
        labels, coloured = _store_labels(store, chosen, rows)
        clouds = [_rows(store.read_activations(s, name), rows) for s in chosen for name in layers]
        titles = [f"{name} · step {s}" for s in chosen for name in layers]
        fig = plot_umap_grid(clouds, [labels[s] for s in chosen for _ in layers], titles,
                             ncols=len(layers), title=f"UMAP of each layer, {run}", **settings)
        shown = min(store.n_samples, max_points or store.n_samples)
        thinned = (f" ({len(layers)} of {len(store.layer_names)} layers, evenly spaced)"
                   if len(layers) < len(store.layer_names) else "")
        out.append(ReportFigure(
            f"umap-layers-{run}",
            f"UMAP across layers{_for_model(model if len(by_model) > 1 else None)}",
            f"UMAP projections of the activations of each layer (columns, input to output"
            f"{thinned}) at steps {', '.join(map(str, chosen))} (rows) of run {run}: "
            + _umap_caption(shown, store.n_samples, coloured, random_state)
            + f" From {where}/step_*/.",
            fig, fmt="png",
        ))
        target = layer if layer is not None else store.layer_names[-1]
        over = thin(available, MAX_UMAP_STEPS)
        if len(over) < 2:
            continue
        labels, coloured = _store_labels(store, over, rows)
        clouds = [_rows(store.read_activations(s, target), rows) for s in over]
        fig = plot_umap_grid(clouds, [labels[s] for s in over], [f"step {s}" for s in over],
                             ncols=min(len(over), 6),
                             title=f"UMAP of layer {target} over training, {run}", **settings)
        out.append(ReportFigure(
            f"umap-steps-{run}",
            f"UMAP of one layer across training{_for_model(model if len(by_model) > 1 else None)}",
            f"UMAP projections of the activations of layer {target} of run {run} at steps "
            f"{', '.join(map(str, over))}"
            + (f" ({len(over)} of {len(available)} captured steps, evenly spaced)"
               if len(over) < len(available) else "") + ": "
            + _umap_caption(shown, store.n_samples, coloured, random_state)
            + f" From {where}/step_*/.",
            fig, fmt="png",
        ))
    return out


def check_umap_request(
    data: RunData, steps: Sequence[int | str], layer: str | None = None
) -> None:
    """Raise :class:`InputError` now (before anything is drawn) for UMAP steps or a layer that
    a run did not capture."""
    for run, store in data.stores.items():
        resolve_steps(steps, store.steps, f"run {run}")
        if layer is not None and layer not in store.layer_names:
            raise InputError(f"UMAP layer {layer!r} is not in run {run}; layers: "
                             f"{', '.join(store.layer_names)}")


def _rows(array: Any, rows: np.ndarray) -> np.ndarray:
    """Only ``rows`` of a (memory-mapped) activation matrix, read into memory."""
    return np.asarray(array[rows], dtype=np.float64)


def _store_labels(
    store: Any, steps: Sequence[int], rows: np.ndarray
) -> tuple[dict[int, np.ndarray | None], str]:
    """Colour of each point at each step: true labels, else the step's predictions."""
    if store.labels is not None:
        return {s: np.asarray(store.labels)[rows] for s in steps}, "true class"
    predictions = {s: store.read_predictions(s) for s in steps}
    if all(p is not None for p in predictions.values()):
        return ({s: np.asarray(p)[rows] for s, p in predictions.items()},
                "predicted class (the store has no true labels)")
    return {s: None for s in steps}, "nothing (the store has no labels)"


def _umap_activations(data: RunData, settings: dict[str, Any]) -> ReportFigure:
    from tda_nn.io import load_activations
    from tda_nn.plotting import plot_umap_grid, subsample_indices

    source = str(data.activations_source)
    aset = load_activations(source)
    layers = thin(list(aset.layer_names), MAX_UMAP_LAYERS)
    rows = subsample_indices(aset.n_samples, settings["max_points"], settings["random_state"])
    clouds = [_rows(aset[name], rows) for name in layers]
    labels = None if aset.labels is None else np.asarray(aset.labels)[rows]
    fig = plot_umap_grid(clouds, labels, layers, ncols=min(len(layers), 4),
                         title="UMAP of each layer", **settings)
    n = aset.n_samples
    shown = min(n, settings["max_points"] or n)
    coloured = "true class" if labels is not None else "nothing (no labels)"
    return ReportFigure(
        "umap-layers",
        "UMAP across layers",
        "UMAP projections of the activations of each layer (panels, in stored order): "
        + _umap_caption(shown, n, coloured, settings["random_state"])
        + f" From {source}.",
        fig, fmt="png",
    )


def report_figures(
    data: RunData,
    *,
    umap: bool = True,
    umap_steps: Sequence[int | str] = ("first", "last"),
    umap_layer: str | None = None,
    max_points: int | None = 500,
    random_state: int = 0,
) -> FigureNotes:
    """Every figure the run supports, in report order, with notes on those not drawn (missing
    or unreadable input). Check UMAP requests first with :func:`check_umap_request`: here a
    step or layer that was not captured only becomes a note."""
    result = FigureNotes([], [])
    result.attempt("Betti numbers by layer", lambda: betti_figures(data))
    if has_steps(data.table):
        result.attempt("layer × step heatmaps", lambda: heatmap_figures(data))
        if data.metrics is not None:
            result.attempt("training vs topology", lambda: training_figures(data))
    result.attempt("barcodes", lambda: barcode_figures(data))
    if umap:
        result.attempt("UMAP projections", lambda: umap_figures(
            data, umap_steps, max_points=max_points, layer=umap_layer, random_state=random_state))
    else:
        result.notes.append("UMAP projections: not drawn (turned off)")
    return result
