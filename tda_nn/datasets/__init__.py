"""Data sets: synthetic manifolds with known Betti numbers and offline real data.

Names are imported lazily so that ``import tda_nn.datasets`` stays cheap. The shapes registry
(``SHAPES``, ``embed`` and the shape generators) lives in :mod:`tda_nn.datasets.shapes`; any
public name of that module is reachable from here too.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

_NAITZAT = ("d1", "d2", "d3", "fibonacci_sphere", "NAITZAT_DATASETS")
_REAL = ("DATASETS", "Dataset", "TrainTestSplit", "available_datasets", "digits", "load_dataset",
         "mnist1d")
_SHAPES = ("SHAPES", "circle", "disjoint_union", "embed", "figure_eight", "linked_rings", "sphere",
           "sphere_and_circle", "torus", "two_circles", "two_spheres", "wedge_of_circles")

# public name -> module that defines it
_EXPORTS = {
    **dict.fromkeys(_NAITZAT, "tda_nn.datasets.naitzat"),
    **dict.fromkeys(_REAL, "tda_nn.datasets.real"),
    **dict.fromkeys(_SHAPES, "tda_nn.datasets.shapes"),
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
