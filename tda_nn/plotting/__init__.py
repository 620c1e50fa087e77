"""Figures of tda-nn: barcodes, diagrams, Betti numbers across layers and training, comparison
heatmaps and UMAP projections.

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure` (not registered with pyplot,
so nothing accumulates in loops; Jupyter displays it), accepts ``ax``/``axes`` to draw into an
existing figure where that makes sense, and never calls ``plt.show``. The house style (font sizes,
Okabe–Ito palette) is applied with :func:`tda_style` while drawing; importing this package changes
no global matplotlib settings. :func:`save_figure` writes PNG and SVG (or PDF) atomically.
UMAP (umap-learn) is imported only when a projection is drawn.
"""

from __future__ import annotations

from tda_nn.plotting.compare import distance_matrix, plot_distance_heatmap
from tda_nn.plotting.curves import (
    plot_betti_curves,
    plot_training_and_topology,
    topology_over_steps,
)
from tda_nn.plotting.diagrams import plot_barcode, plot_diagram, plot_layer_diagrams
from tda_nn.plotting.figures import write_standard_figures
from tda_nn.plotting.layers import (
    layer_step_matrix,
    plot_betti_by_layer,
    plot_layer_step_heatmap,
    summarize_by_layer,
)
from tda_nn.plotting.projections import (
    align_embedding,
    plot_umap,
    plot_umap_grid,
    subsample_indices,
    umap_embedding,
)
from tda_nn.plotting.save import save_figure
from tda_nn.plotting.style import OKABE_ITO, PALETTE, STYLE, tda_style

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "STYLE",
    "align_embedding",
    "distance_matrix",
    "layer_step_matrix",
    "plot_barcode",
    "plot_betti_by_layer",
    "plot_betti_curves",
    "plot_diagram",
    "plot_distance_heatmap",
    "plot_layer_diagrams",
    "plot_layer_step_heatmap",
    "plot_training_and_topology",
    "plot_umap",
    "plot_umap_grid",
    "save_figure",
    "subsample_indices",
    "summarize_by_layer",
    "tda_style",
    "topology_over_steps",
    "umap_embedding",
    "write_standard_figures",
]
