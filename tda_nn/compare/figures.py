"""Figures of a comparison: layer x layer heatmaps, side-by-side barcodes and diagrams.

Matplotlib is imported only when :func:`_figures` runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tda_nn.compare.comparison import CompareResult
from tda_nn.compare.manifest import _safe
from tda_nn.errors import InputError


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
