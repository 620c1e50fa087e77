"""Compare what two models compute, layer by layer: diagram distances, RTD, linear CKA, nulls.

- :func:`compare_job`, :class:`CompareOptions`, :func:`run_compare_spec`: the comparison job
  behind ``tda-nn compare`` and the ``kind: compare`` spec (see :mod:`tda_nn.compare.job`).
- :func:`diagram_distance`, :func:`pairwise_diagram_distances`, :class:`DistanceSpec`:
  Wasserstein (order ``p`` and ground metric ``q`` explicit), bottleneck, sliced Wasserstein.
- :func:`rtd`, :func:`r_cross_barcode`: Representation Topology Divergence of paired clouds.
- :func:`linear_cka`: the non-topological baseline.
- :func:`layer_distance_matrix`, :func:`cka_matrix`, :func:`rtd_matrix`: tidy layer × layer
  tables; :func:`align_by_relative_depth` for models of different depth.
- :func:`seed_null`, :func:`bootstrap_null`, :func:`compare_to_null`, :func:`against_null`:
  a difference between architectures against the difference between seeds or resamples.

Names are imported lazily so that ``import tda_nn.compare`` stays cheap.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "compare_job": "tda_nn.compare.job",
    "run_compare_spec": "tda_nn.compare.spec",
    "CompareOptions": "tda_nn.compare.options",
    "DistanceSpec": "tda_nn.compare.distances",
    "diagram_distance": "tda_nn.compare.distances",
    "pairwise_diagram_distances": "tda_nn.compare.distances",
    "register_distance": "tda_nn.compare.distances",
    "linear_cka": "tda_nn.compare.cka",
    "r_cross_barcode": "tda_nn.compare.divergence",
    "rtd": "tda_nn.compare.divergence",
    "align_by_relative_depth": "tda_nn.compare.matrices",
    "cka_matrix": "tda_nn.compare.matrices",
    "layer_distance_matrix": "tda_nn.compare.matrices",
    "relative_depth": "tda_nn.compare.matrices",
    "rtd_matrix": "tda_nn.compare.matrices",
    "NullComparison": "tda_nn.compare.null",
    "against_null": "tda_nn.compare.null",
    "bootstrap_null": "tda_nn.compare.null",
    "compare_to_null": "tda_nn.compare.null",
    "seed_null": "tda_nn.compare.null",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
